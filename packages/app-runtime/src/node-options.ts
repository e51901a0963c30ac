/**
 * The V8 heap the apps are run with (the images set it as NODE_OPTIONS; scripts/demo.sh, the
 * e2e suite and the benchmark run the apps with it too). Node's default lets the old generation
 * grow to a quarter of the machine's memory before it collects in earnest, so an app's RSS
 * would follow the garbage it makes, not what it holds: about 400 MB for a snapshot that needs
 * 50 MB. What the apps hold is bounded by their batch, chunk, queue and file settings; rows of
 * several megabytes may need more (NODE_OPTIONS="--max-old-space-size=512").
 */
export const APP_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=8';

/**
 * glibc's malloc arenas the apps are run with (an environment variable read when the process
 * starts: the images set it; scripts/demo.sh, the e2e suite and the benchmark too). By default
 * each thread that allocates may get an arena of its own (up to 8 per core), and librdkafka
 * runs several threads per client (the producer has two transactional producers): memory freed
 * in one arena is not reused by another, and the producer's RSS was measured 9–10 MB higher
 * (about 155 MB against 146 MB at its peak, a 300,000-row snapshot, docs/performance.md).
 */
export const APP_MALLOC_ARENA_MAX = '2';
