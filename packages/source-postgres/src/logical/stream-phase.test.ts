import { Redacted, type SourceRecord, type StatusFields } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import type { CapturedTable } from './captured-table.ts';
import type { IncrementalSnapshots } from './incremental-snapshot.ts';
import type { TypeCatalog } from './relation-columns.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import { StreamPhase } from './stream-phase.ts';

const record = (n: number): SourceRecord => ({
  topic: 't',
  sourcePartition: { table: 't' },
  sourceOffset: { n },
  keySchema: null,
  key: null,
  valueSchema: { type: 'null' },
  value: null,
  positionOnly: true,
});

/** A stream phase that was never started (no WAL connection): what it hands out, and what a commit confirms, without PostgreSQL. */
function unstartedPhase() {
  const reports: [string, string, StatusFields][] = [];
  const kicks: string[] = [];
  // A clock standing still: the slot check and the heartbeat stay due for later.
  const ctx = { ...noopContext(() => 0), status: { report: (kind: string, name: string, fields: StatusFields) => reports.push([kind, name, { ...fields }]) } };
  const incremental = { kick: () => kicks.push('kick'), waitingForStream: false, reset: () => undefined } as unknown as IncrementalSnapshots;
  const phase = new StreamPhase(
    {
      url: new Redacted('postgres://nowhere/db'),
      slot: 'slot',
      publication: 'pub',
      batchSize: 10,
      batchBytes: 1_000_000,
      pollIntervalMs: 1,
      slotCheckIntervalMs: 60_000,
      slotLagWarnBytes: 1_000_000,
      heartbeatIntervalMs: 60_000,
      heartbeat: 'keepalive',
      streamedTransactionMaxMs: 60_000,
      logicalDecodingWorkMem: undefined,
    },
    {
      tables: new Map<string, CapturedTable>(),
      incremental,
      types: {} as TypeCatalog,
      progress: {} as SnapshotProgress,
      sql: () => ({}) as Sql,
      replicationUrl: () => Promise.reject(new Error('no stream in this test')),
      ctx,
    },
  );
  return { phase, reports, kicks };
}

describe('StreamPhase', () => {
  it('hands out the records given first before anything streamed, once, and their commit confirms no stream position', async () => {
    const { phase, reports, kicks } = unstartedPhase();
    const first = [record(1), record(2)];
    phase.handOutFirst(first);
    expect(await phase.poll(new AbortController().signal)).toEqual(first);
    expect(kicks).toEqual([]);
    await phase.commit(first);
    expect(reports).toEqual([]);
    // Nothing queued after them: the next poll waits, lets an incremental snapshot go on, and hands out nothing.
    expect(await phase.poll(new AbortController().signal)).toEqual([]);
    expect(kicks).toEqual(['kick']);
  });

  it('a new session drops the records not yet handed out', async () => {
    const { phase } = unstartedPhase();
    phase.handOutFirst([record(1)]);
    phase.reset();
    expect(await phase.poll(new AbortController().signal)).toEqual([]);
  });

  it('confirms a position to PostgreSQL only past the one Kafka holds, and reports it', async () => {
    const { phase, reports } = unstartedPhase();
    await phase.acknowledge('0/20');
    await phase.acknowledge('0/10');
    expect(reports).toEqual([['stream', 'slot slot', { position: '0/20' }]]);
  });
});
