import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineFile, PrometheusMetrics } from '@buyonline/app-runtime';
import { ConfigError, silentLogger } from '@buyonline/connect-api';
import type { StageSinkConfig } from '@buyonline/sink-stage';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readConsumerEnv } from './env.ts';
import { startStreamVerify } from './stream-verify.ts';

const dir = mkdtempSync(join(tmpdir(), 'stream-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vars = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', VERIFY_INTERVAL_SECONDS: '1' };

function envWith(source: string | undefined) {
  if (source === undefined) return readConsumerEnv(vars);
  const path = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `name: t\n${source}sink:\n  connector: local-stage\n  dir: ${dir}\n`);
  return readConsumerEnv(vars, undefined, PipelineFile.read(path, vars));
}

function context() {
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (_: object, msg: string) => warnings.push(msg), child: () => logger };
  return { warnings, ctx: { logger, metrics: new PrometheusMetrics('t'), now: Date.now } };
}

describe('the verify loop inside stream', () => {
  it('a pipeline file verify cannot use fails at start, as a ConfigError', async () => {
    const { ctx } = context();
    const sink = { dir } as StageSinkConfig;
    await expect(startStreamVerify(envWith(undefined), sink, () => [], ctx)).rejects.toThrow(ConfigError);
    const polling = 'source:\n  connector: postgres\n  url: postgres://u:p@127.0.0.1:1/db\n  tables: [public.t]\n  mode: polling\n';
    await expect(startStreamVerify(envWith(polling), sink, () => [], ctx)).rejects.toThrow(/log-based capture/);
  });

  it('PostgreSQL not answering at start is a warning, tried again every interval, not a failed consumer', async () => {
    const { ctx, warnings } = context();
    const logical = 'source:\n  connector: postgres\n  url: postgres://u:p@127.0.0.1:1/db\n  tables: [public.t]\n';
    const handle = await startStreamVerify(envWith(logical), { dir } as StageSinkConfig, () => [], ctx);
    try {
      await vi.waitFor(() => expect(warnings.filter((w) => w.includes('cannot resolve')).length).toBeGreaterThanOrEqual(2), { timeout: 8000, interval: 100 });
    } finally {
      handle.stop();
    }
  });
});
