// Debezium's connector beside the pipeline, in the same run: created once the pipeline's
// snapshot is in Kafka (so that the two snapshots do not share the CPU), then streaming the same
// flat-out and paced updates from its own slot. Its figures are read from its topic as the
// pipeline's are from theirs: broker append times (LogAppendTime) and, in each value, the
// source commit time (Debezium's envelope has source.ts_us too).

import { createTopic, withAdmin } from '../kafka/raw-clients.ts';
import { bareConsume } from '../limits/bare-consume.ts';
import { latencyFigure, type PhaseBounds, snapshotFigure, splitPhases, streamingFigure } from '../pipeline/phase-figures.ts';
import { type PartitionOffsets, RecordCounter } from '../pipeline/record-counter.ts';
import { RssSampler } from '../process/rss-sampler.ts';
import type { DebeziumFigures } from '../report/debezium-figures.ts';
import type { Endpoints } from '../setup/endpoints.ts';
import type { BenchNames } from '../setup/names.ts';
import { DATA_PARTITIONS } from '../setup/scratch.ts';
import { type ConnectWorker, connectorStatus, createConnector, deleteConnector, failedTask } from './connect-worker.ts';
import { redacted } from './connector-config.ts';

export const CONVERTER = 'Avro: Apicurio 2.6.13 AvroConverter through the stack registry (Confluent wire format, content ids)';

export class DebeziumRun {
  private readonly marks: PartitionOffsets[] = [];
  private deleted = false;

  private constructor(
    private readonly worker: ConnectWorker,
    private readonly names: BenchNames,
    private readonly config: Record<string, string>,
    private readonly counter: RecordCounter,
    private readonly rss: RssSampler,
    readonly startedAt: number,
  ) {}

  /** Creates its topic (as the pipeline's: LogAppendTime) and the connector: its snapshot starts. */
  static async start(worker: ConnectWorker, env: Endpoints, names: BenchNames, config: Record<string, string>): Promise<DebeziumRun> {
    await withAdmin(env.KAFKA_BROKERS, (admin) => createTopic(admin, names.debezium.topic, DATA_PARTITIONS, { 'message.timestamp.type': 'LogAppendTime' }));
    const counter = await RecordCounter.start(env.KAFKA_BROKERS, names.debezium.topic, names.debezium.counterGroup);
    const rss = new RssSampler(worker.pid);
    const startedAt = Date.now();
    await createConnector(worker, names.debezium.connector, config);
    return new DebeziumRun(worker, names, config, counter, rss, startedAt);
  }

  /** Waits until `total` of its records are in Kafka, failing early when Connect reports its task failed. */
  async reach(total: number, what: string): Promise<void> {
    let settled = false;
    const done = this.counter.reach(total, `debezium ${what}`).finally(() => {
      settled = true;
    });
    while (!settled) {
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      if (settled) break;
      const failure = failedTask(await connectorStatus(this.worker, this.names.debezium.connector));
      if (failure) throw new Error(`debezium ${what}: ${failure}`);
    }
    await done;
  }

  /** Notes where the records read so far end: the end of a phase. */
  mark(): void {
    this.marks.push(this.counter.offsets());
  }

  /** Stops the connector and reads its topic once; the figures, as the pipeline's. */
  async finish(registryUrl: string, brokers: string, loads: { flatStartedAt: number }): Promise<DebeziumFigures> {
    this.rss.sample();
    const rss = this.rss.stop();
    const status = await connectorStatus(this.worker, this.names.debezium.connector);
    await this.stop();
    const [snapshotEnd, flatEnd] = this.marks;
    if (!snapshotEnd || !flatEnd) throw new Error('debezium: the phases were not marked');
    const bounds: PhaseBounds = { snapshotEnd, flatEnd };
    const { records } = await bareConsume(brokers, this.names.debezium.topic, this.names.debezium.readGroup, this.counter.count);
    const split = await splitPhases(records, bounds, registryUrl, this.names.debezium.topic);
    return {
      version: status.connector.version ?? 'unknown',
      converter: CONVERTER,
      config: redacted(this.config),
      snapshot: snapshotFigure(split.records.snapshot, this.startedAt),
      streaming: streamingFigure(split.records.flat, loads.flatStartedAt),
      latency: latencyFigure(split, (p, o) => this.counter.readTime(p, o)),
      rss,
      heap: this.worker.heap,
      ops: split.ops,
    };
  }

  /** Deletes the connector and stops following its topic (also after a failure; once). */
  async stop(): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    this.rss.stop();
    await deleteConnector(this.worker, this.names.debezium.connector);
    await this.counter.stop();
  }
}
