import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ContainerApps } from './support/container-apps.ts';
import { readStage } from './support/stage-files.ts';
import { runWorkload, Scenario, sleep, waitFor } from './support/scenario.ts';

const network = inject('containerNetwork');
const endpoints = inject('endpoints');
const title = 'the apps as containers: producer and three consumers, docker kill mid-run, restarts';

describe.skipIf(network === null)(
  network ? title : `${title} (skipped: services from ${endpoints.provider}, not testcontainers)`,
  () => {
    // Only built when the suite runs on containers (the describe body runs even when skipped).
    const scenario = network ? new Scenario('containers', endpoints) : undefined;
    const apps = scenario && network ? new ContainerApps(scenario, network) : undefined;
    afterAll(async () => {
      await apps?.cleanup();
      await scenario?.cleanup();
    });
    beforeAll(() => apps?.seed(5_000), 240_000);

    it('lands every row version in the bind-mounted stage exactly once, equal to PostgreSQL', async () => {
      if (!scenario || !apps) return;
      const started = Date.now();
      const producer = await apps.producer().start();
      const consumers = await Promise.all([1, 2, 3].map((n) => apps.consumer(`consumer-${n}`).start()));
      // The images' HEALTHCHECK (GET /livez as the app user) turns healthy once the health server answers.
      await Promise.all([producer, ...consumers].map((app) => app.waitHealthy()));

      const workload = new AbortController();
      const writes = runWorkload(scenario.sql, scenario.table, { writers: 3, transactions: 100_000, signal: workload.signal });

      await waitFor('first stage files', () => (readStage(scenario.stageDir, scenario.topic).files.length > 2 ? true : undefined));
      const victim = consumers[1];
      if (!victim) throw new Error('no second consumer');
      await victim.kill9();
      await sleep(1_000);
      await victim.restart();

      await sleep(3_000);
      await producer.kill9();
      await sleep(1_000);
      await producer.restart();

      await sleep(3_000);
      workload.abort();
      const transactions = await writes;
      expect(transactions).toBeGreaterThan(0);

      await scenario.waitUntilStageMatchesPostgres();
      const report = await scenario.verifyExactlyOnce();
      process.stdout.write(
        `[e2e] containers: ${transactions} transactions, ${JSON.stringify(report)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      expect(report.pgRows).toBeGreaterThanOrEqual(5_000);
      expect(report.kafkaRecords).toBeGreaterThan(report.pgRows);

      // docker stop: SIGTERM to the app as PID 1 drains, flushes, commits and exits 0.
      expect(await producer.terminate()).toBe(0);
      for (const c of consumers) expect(await c.terminate()).toBe(0);
      expect((await scenario.verifyExactlyOnce()).stageLines).toBe(report.stageLines);
    });
  },
);
