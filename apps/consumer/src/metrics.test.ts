import { join } from 'node:path';
import { checkMetricSpecs, emittedMetricNames as emitted } from '@buyonline/app-runtime/testing';
import { SINK_WORKER_METRICS } from '@buyonline/kafka-common';
import { localStagePlugin, snowflakeStagePlugin } from '@buyonline/sink-stage';
import { describe, expect, it } from 'vitest';
import { VERIFY_LOOP_METRICS } from './verify-loop.ts';

const declared = [...SINK_WORKER_METRICS, ...(localStagePlugin.metrics ?? [])];

describe("the consumer's metrics", () => {
  it('each has a help text other than its name and a unit suffix', () => {
    expect(checkMetricSpecs(declared)).toEqual([]);
    expect(snowflakeStagePlugin.metrics).toEqual(localStagePlugin.metrics);
  });

  it('every metric the sink worker and the stage sinks emit is declared', () => {
    const names = new Set(declared.map((m) => m.name));
    const packages = join(import.meta.dirname, '..', '..', '..', 'packages');
    const used = [
      ...emitted(join(packages, 'sink-stage', 'src')),
      ...emitted(join(packages, 'kafka-common', 'src', 'sink')),
    ];
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });

  it("the verify loop's gauges each have a help text and are all it emits (dimensionless: a result code, counts, a flag)", () => {
    expect(checkMetricSpecs(VERIFY_LOOP_METRICS).filter((p) => !p.includes('ends with its unit'))).toEqual([]);
    expect(VERIFY_LOOP_METRICS.map((m) => m.name).sort()).toEqual(emitted(import.meta.dirname, /^verify-loop\.ts$/));
  });
});
