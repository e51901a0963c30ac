// What one run creates outside itself, and how it is all dropped again (also after a failure).
import { subjectFor } from '@buyonline/kafka-common/testing';
import { quoteIdent } from '@buyonline/source-postgres';
import type postgres from 'postgres';
import { createTopic, deleteGroups, deleteTopic, withAdmin } from '../kafka/raw-clients.ts';
import type { Endpoints } from './endpoints.ts';
import type { BenchNames } from './names.ts';

/** Partitions of the data topic, as the producer would create it (TOPIC_PARTITIONS' default). */
export const DATA_PARTITIONS = 3;

/**
 * The data topic, created before the producer starts so that each record's Kafka timestamp is
 * its broker append time (the producer leaves an existing topic alone), and the scratch topic
 * of the bare produce loop, alike.
 */
export async function createTopics(brokers: string, names: BenchNames): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    for (const topic of [names.dataTopic, names.scratchTopic]) {
      await createTopic(admin, topic, DATA_PARTITIONS, { 'message.timestamp.type': 'LogAppendTime' });
    }
  });
}

async function attempt(what: string, step: () => Promise<unknown>, problems: string[]): Promise<void> {
  try {
    await step();
  } catch (err) {
    problems.push(`${what}: ${(err as Error).message}`);
  }
}

/** Drops the slots (waiting for them to be released), the publications, the schema, the topics, the subjects and the groups: Debezium's too. */
export async function dropEverything(sql: postgres.Sql, env: Endpoints, names: BenchNames): Promise<string[]> {
  const problems: string[] = [];
  await attempt(
    'slots',
    async () => {
      for (let i = 0; i < 30; i++) {
        const left = await sql`select slot_name, active from pg_replication_slots where slot_name in ${sql([names.slot, ...names.decodeSlots, names.debezium.slot])}`;
        if (left.length === 0) return;
        for (const slot of left.filter((s) => !s.active)) await sql`select pg_drop_replication_slot(${slot.slot_name as string})`;
        if (left.every((s) => !s.active)) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
      throw new Error('a slot stayed active for 30 s');
    },
    problems,
  );
  await attempt('publication', () => sql.unsafe(`drop publication if exists ${quoteIdent(names.publication)}, ${quoteIdent(names.debezium.publication)}`), problems);
  await attempt('schema', () => sql.unsafe(`drop schema if exists ${quoteIdent(names.schema)} cascade`), problems);
  await attempt(
    'topics',
    () =>
      withAdmin(env.KAFKA_BROKERS, async (admin) => {
        for (const topic of [names.dataTopic, names.offsetsTopic, names.sourceDlqTopic, names.sinkDlqTopic, names.scratchTopic, names.debezium.topic]) {
          await deleteTopic(admin, topic).catch((err: Error) => {
            if (!/unknown topic/i.test(err.message)) throw err;
          });
        }
        await deleteGroups(admin, [names.stageGroup, names.counterGroup, ...names.bareGroups, names.debezium.counterGroup, names.debezium.readGroup]).catch(() => undefined);
      }),
    problems,
  );
  await attempt(
    'registry subjects',
    async () => {
      for (const subject of [names.dataTopic, names.debezium.topic].flatMap((topic) => (['key', 'value'] as const).map((role) => subjectFor(topic, role)))) {
        const url = `${env.SCHEMA_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}`;
        // soft delete first: the registry refuses a permanent delete of a live subject
        for (const suffix of ['', '?permanent=true']) {
          const res = await fetch(url + suffix, { method: 'DELETE' });
          if (!res.ok && res.status !== 404) throw new Error(`DELETE ${url}${suffix}: HTTP ${res.status}`);
        }
      }
    },
    problems,
  );
  return problems;
}
