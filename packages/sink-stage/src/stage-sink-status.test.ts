import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SinkRecord, type StatusFields } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localStagePlugin } from './index.ts';
import { stageSinkConfigSchema } from './config.ts';
import { stageFileName } from './file-naming.ts';
import { LocalStage } from './local-stage.ts';
import { StageSinkTask } from './stage-sink-task.ts';

const TOPIC = 'shop.public.orders';
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stage-sink-status-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const rec = (offset: number, timestampMs: number): SinkRecord => ({ topic: TOPIC, partition: 0, offset: String(offset), timestampMs, key: { id: offset }, value: { id: offset } });

describe('stage sink status and latency', () => {
  it('reports files written and the last file per partition, and observes Kafka → stage latency per file from its first record', async () => {
    let now = 10_000;
    const reports: [string, string, StatusFields][] = [];
    const observed: [string, number][] = [];
    const base = noopContext(() => now);
    const ctx = {
      ...base,
      metrics: { ...base.metrics, observe: (name: string, value: number) => observed.push([name, value]) },
      status: { report: (kind: 'partition', name: string, fields: StatusFields) => reports.push([kind, name, { ...fields }]) },
    };
    const config = stageSinkConfigSchema.parse({ dir: root, flushRecords: 2, flushBytes: 1_000_000_000, rotateIntervalMs: 1_000_000_000 });
    const task = new StageSinkTask(config, new LocalStage(root), ctx);
    await task.open([{ topic: TOPIC, partition: 0 }]);
    await task.put([rec(0, 7_500), rec(1, 9_000)]);
    now = 12_000;
    await task.flush();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.slice(0, 2)).toEqual(['partition', `${TOPIC}[0]`]);
    expect(reports[0]?.[2].filesWritten).toBe(1);
    expect(reports[0]?.[2].lastFile?.endsWith(stageFileName({ topic: TOPIC, partition: 0, startOffset: 0, endOffset: 1 }))).toBe(true);
    expect(observed.filter(([name]) => name === 'stage_latency_seconds')).toEqual([['stage_latency_seconds', 4.5]]);
  });

  it('the stage plugins declare the metrics they emit', () => {
    expect(localStagePlugin.metrics?.map((m) => m.name)).toEqual(expect.arrayContaining(['stage_files_total', 'stage_latency_seconds', 'snowflake_copy_errors_total']));
  });
});
