import { APP_MALLOC_ARENA_MAX, APP_NODE_OPTIONS } from '@buyonline/app-runtime/testing';
import type { Endpoints } from '../setup/endpoints.ts';
import type { BenchNames } from '../setup/names.ts';

/** NODE_OPTIONS the apps run with: the V8 heap they ship with (as in the images, the demo and the e2e suite); a caller's NODE_OPTIONS wins. */
export function appNodeOptions(): string {
  return process.env.NODE_OPTIONS ?? APP_NODE_OPTIONS;
}

/**
 * The apps' environment: the caller's (so tuning variables such as SNAPSHOT_PARALLELISM or
 * POLL_BATCH_SIZE reach them), the stack's endpoints, and this run's names over both.
 */
function common(env: Endpoints): NodeJS.ProcessEnv {
  const { PIPELINE_FILE: _file, ...inherited } = process.env;
  // glibc's malloc arenas the images ship with (a caller's MALLOC_ARENA_MAX wins).
  return { MALLOC_ARENA_MAX: APP_MALLOC_ARENA_MAX, ...inherited, NODE_OPTIONS: appNodeOptions(), ...env, HEALTH_PORT: '0', LOG_LEVEL: 'warn' };
}

export function producerEnv(env: Endpoints, names: BenchNames): NodeJS.ProcessEnv {
  return {
    ...common(env),
    CAPTURE_MODE: 'logical',
    PG_TABLE: names.table,
    TOPIC: names.dataTopic,
    SLOT_NAME: names.slot,
    PUBLICATION_NAME: names.publication,
    OFFSETS_TOPIC: names.offsetsTopic,
    CONNECTOR_NAME: names.id,
    SOURCE_DLQ_TOPIC: names.sourceDlqTopic,
  };
}

export function consumerEnv(env: Endpoints, names: BenchNames, stageDir: string): NodeJS.ProcessEnv {
  return {
    ...common(env),
    STAGE: 'local',
    TOPIC: names.dataTopic,
    STAGE_DIR: stageDir,
    CONSUMER_GROUP: names.stageGroup,
    SINK_DLQ_TOPIC: names.sinkDlqTopic,
  };
}
