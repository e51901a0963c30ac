import { join } from 'node:path';
import { checkMetricSpecs, emittedMetricNames as emitted } from '@buyonline/app-runtime/testing';
import { SOURCE_WORKER_METRICS } from '@buyonline/kafka-common';
import { postgresSourcePlugin } from '@buyonline/source-postgres';
import { describe, expect, it } from 'vitest';

const declared = [...SOURCE_WORKER_METRICS, ...(postgresSourcePlugin.metrics ?? [])];

describe("the producer's metrics", () => {
  it('each has a help text other than its name and a unit suffix', () => {
    expect(checkMetricSpecs(declared)).toEqual([]);
  });

  it('every metric the source worker and the postgres source emit is declared', () => {
    const names = new Set(declared.map((m) => m.name));
    const packages = join(import.meta.dirname, '..', '..', '..', 'packages');
    const used = [...emitted(join(packages, 'source-postgres', 'src')), ...emitted(join(packages, 'kafka-common', 'src', 'source'))];
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });
});
