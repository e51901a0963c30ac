import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { producePoison, readTopic } from './support/kafka-topic.ts';
import { Scenario } from './support/scenario.ts';

describe('a poison message', () => {
  const scenario = new Scenario('poison', inject('endpoints'));
  afterAll(() => scenario.cleanup());
  beforeAll(() => scenario.seed(500));

  it('goes to the dead-letter topic with its reason, and the run goes on', async () => {
    const producer = scenario.producer().start();
    await scenario.waitUntilKafkaMatchesPostgres();
    expect(await producer.terminate()).toBe(0);
    await producePoison(scenario.endpoints.brokers, scenario.topic, 'not-avro', Buffer.from('{"id": 1, "this is": "not Avro"}'), 1);
    await producePoison(scenario.endpoints.brokers, scenario.topic, 'bad-schema-id', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]), 2);

    expect(await scenario.consumer('batch', 'batch').start().wait()).toBe(0);

    const dead = await readTopic(scenario.endpoints.brokers, scenario.dlqTopic);
    expect(dead.map((d) => d.key).sort()).toEqual(['bad-schema-id', 'not-avro']);
    const notAvro = dead.find((d) => d.key === 'not-avro');
    expect(notAvro?.headers['dlq.error.code']).toBe('DATA_INVALID');
    expect(notAvro?.headers['dlq.error.message']).toMatch(/Confluent Avro wire format/);
    expect(notAvro?.headers['dlq.topic']).toBe(scenario.topic);
    expect(notAvro?.rawValue?.toString()).toContain('not Avro');
    expect(dead.find((d) => d.key === 'bad-schema-id')?.headers['dlq.error.message']).toMatch(/schema id/);

    // Everything else landed, exactly once (the check counts only records that decode).
    const report = await scenario.verifyExactlyOnce();
    expect(report.kafkaRecords).toBe(500);
    expect(report.stageLines).toBe(500);
  });
});
