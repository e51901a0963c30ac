import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppProcess } from './support/app-process.ts';
import { runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';

/** The consumer's group session timeout (sink-worker.ts); every stall below lasts well past it. */
const SESSION_TIMEOUT_MS = 10_000;
const STALL_MS = 3 * SESSION_TIMEOUT_MS;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A consumer with its own health port, so the test can ask it how it is and what it wrote. */
class WatchedConsumer {
  constructor(
    readonly app: AppProcess,
    readonly port: number,
  ) {}

  async health(): Promise<number | undefined> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/health`, { signal: AbortSignal.timeout(2_000) })).status;
    } catch {
      return undefined;
    }
  }

  /** Files this consumer published (its own counter), or undefined while it does not answer. */
  async filesWritten(): Promise<number | undefined> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
      const line = text.split('\n').find((l) => l.startsWith('buyonline_consumer_stage_files_total '));
      return line ? Number(line.split(' ')[1]) : 0;
    } catch {
      return undefined;
    }
  }

  /** Waits until the consumer is healthy and has published more than `than` files. */
  async waitForFilesBeyond(than: number, what: string): Promise<number> {
    return waitFor(what, async () => {
      if ((await this.health()) !== 200) return undefined;
      const n = await this.filesWritten();
      return n !== undefined && n > than ? n : undefined;
    });
  }
}

describe('consumers frozen past the session timeout (SIGSTOP, then SIGCONT)', () => {
  const scenario = new Scenario('zombie', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(3_000));

  const consumer = async (name: string) => {
    const port = await freePort();
    // Small files, rotated often: a frozen consumer holds buffered records when it stops.
    return new WatchedConsumer(scenario.consumer(name, 'stream', { HEALTH_PORT: String(port), FLUSH_RECORDS: '37', ROTATE_INTERVAL_MS: '3000' }).start(), port);
  };

  it('a consumer frozen while the other goes on rejoins, consumes again, stops on SIGTERM; no duplicate, no gap', async () => {
    const producer = scenario.producer('producer-1').start();
    const frozen = await consumer('consumer-frozen');
    const steady = await consumer('consumer-steady');
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 1_000_000, signal: workload.signal });
    try {
      await frozen.waitForFilesBeyond(0, 'the consumer to be frozen to publish files');
      await steady.waitForFilesBeyond(0, 'the other consumer to publish files');
      await sleep(2_000);

      frozen.app.freeze();
      await sleep(STALL_MS);
      const before = await steady.filesWritten();
      frozen.app.thaw();

      // It must come back: answer /health, get partitions again and publish files of its own.
      const filesBeforeThaw = await waitFor('the thawed consumer to answer', () => frozen.filesWritten());
      await frozen.waitForFilesBeyond(filesBeforeThaw, 'the thawed consumer to publish new files');
      expect(await steady.filesWritten()).toBeGreaterThan(before ?? 0);
    } finally {
      workload.abort();
    }
    expect(await writes).toBeGreaterThan(0);

    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] one consumer frozen ${STALL_MS} ms: ${JSON.stringify(report)}\n`);
    expect(await frozen.app.terminate()).toBe(0);
    expect(await steady.app.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);
    expect(readStage(scenario.stageDir, scenario.topic).lines.length).toBe(report.stageLines);
  });

  it('a group whose members are all frozen at once goes on after they thaw', async () => {
    const producer = scenario.producer('producer-2').start();
    const consumers = [await consumer('consumer-all-1'), await consumer('consumer-all-2')];
    const workload = new AbortController();
    const writes = runWorkload(scenario.sql, scenario.table, { writers: 2, transactions: 1_000_000, signal: workload.signal });
    try {
      for (const c of consumers) await c.waitForFilesBeyond(0, `${c.app.name} to publish files`);
      await sleep(2_000);
      for (const c of consumers) c.app.freeze();
      await sleep(STALL_MS);
      for (const c of consumers) c.app.thaw();
      // Both answer again and, between them, go on publishing what the workload keeps writing.
      const after = await Promise.all(consumers.map((c) => waitFor(`${c.app.name} to answer`, () => c.filesWritten())));
      await waitFor('the thawed group to publish new files', async () => {
        const now = await Promise.all(consumers.map((c) => c.filesWritten()));
        const healthy = await Promise.all(consumers.map((c) => c.health()));
        return healthy.every((h) => h === 200) && now.some((n, i) => (n ?? 0) > (after[i] ?? 0)) ? true : undefined;
      });
      await sleep(3_000);
    } finally {
      workload.abort();
    }
    expect(await writes).toBeGreaterThan(0);

    await scenario.waitUntilStageMatchesPostgres();
    const report = await scenario.verifyExactlyOnce();
    process.stdout.write(`[e2e] whole group frozen ${STALL_MS} ms: ${JSON.stringify(report)}\n`);
    for (const c of consumers) expect(await c.app.terminate()).toBe(0);
    expect(await producer.terminate()).toBe(0);
  });
});
