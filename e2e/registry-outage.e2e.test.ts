import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from './support/kafka-topic.ts';
import { Scenario, sleep } from './support/scenario.ts';
import { readStage } from './support/stage-files.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/** A probe's status code and `status`. */
async function probe(base: string | undefined, path: '/livez' | '/readyz'): Promise<{ code: number; status: string }> {
  if (base === undefined) throw new Error('the app has not logged its health address');
  const res = await fetch(`${base}${path}`);
  return { code: res.status, status: ((await res.json()) as { status: string }).status };
}

describe('a schema registry that does not answer', () => {
  const scenario = new Scenario('registry_outage', inject('endpoints'));
  const registry = new URL(scenario.endpoints.registryUrl);
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await scenario.cleanup();
  });
  beforeAll(() => scenario.seed(500));

  it('is an outage, not poison: a consumer started while it is down waits, then lands all 500 records and dead-letters none', async () => {
    const producer = scenario.producer().start();
    await scenario.waitUntilKafkaMatchesPostgres();
    expect(await producer.terminate()).toBe(0);

    // Our own door to the shared registry, closed: the consumer's connections are refused.
    proxy = await TcpProxy.create({ host: registry.hostname, port: Number(registry.port) });
    const viaProxy = new URL(registry.href);
    viaProxy.port = String(proxy.port);
    const consumer = scenario.consumer('consumer', 'stream', { SCHEMA_REGISTRY_URL: viaProxy.href.replace(/\/$/, '') }).start();

    await sleep(20_000);
    expect(consumer.running).toBe(true);
    // It says so: /health answers 503 "degraded" while records wait on the registry.
    expect(await consumer.health()).toEqual({ code: 503, status: 'degraded' });
    // The Kubernetes probes: not ready (take it out of rotation), but alive (do not restart it).
    expect(await probe(consumer.healthBase(), '/readyz')).toEqual({ code: 503, status: 'degraded' });
    expect(await probe(consumer.healthBase(), '/livez')).toEqual({ code: 200, status: 'alive' });
    // Nothing could be decoded, so nothing landed, and nothing was taken for poison.
    expect(readStage(scenario.stageDir, scenario.topic).lines).toHaveLength(0);
    expect(await readTopic(scenario.endpoints.brokers, scenario.dlqTopic)).toEqual([]);

    await proxy.open();
    await scenario.waitUntilStageMatchesPostgres();
    expect(await consumer.health()).toEqual({ code: 200, status: 'ok' });
    expect(await probe(consumer.healthBase(), '/readyz')).toEqual({ code: 200, status: 'ok' });
    expect(await probe(consumer.healthBase(), '/livez')).toEqual({ code: 200, status: 'alive' });
    expect(await consumer.terminate()).toBe(0);

    expect(await readTopic(scenario.endpoints.brokers, scenario.dlqTopic)).toEqual([]);
    const report = await scenario.verifyExactlyOnce();
    expect(report.kafkaRecords).toBe(500);
    expect(report.stageLines).toBe(500);
  });
});
