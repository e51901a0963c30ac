/** Everything one run creates, named from one id (bench_<base36 time>), so it can all be found and dropped. */
export interface BenchNames {
  id: string;
  schema: string;
  /** <schema>.products */
  table: string;
  slot: string;
  /** More slots, pgoutput on the same publication, that pg_recvlogical decodes (once each: the best is the limit). */
  decodeSlots: string[];
  publication: string;
  dataTopic: string;
  offsetsTopic: string;
  sourceDlqTopic: string;
  sinkDlqTopic: string;
  /** Where the bare transactional produce loop writes. */
  scratchTopic: string;
  stageGroup: string;
  counterGroup: string;
  /** One new group per attempt of the bare consume loop. */
  bareGroups: string[];
  /** What Debezium's connector of the run (--with-debezium) creates, beside the pipeline's. */
  debezium: {
    connector: string;
    slot: string;
    publication: string;
    topicPrefix: string;
    /** <topicPrefix>.<schema>.products, as Debezium names it. */
    topic: string;
    counterGroup: string;
    readGroup: string;
  };
}

export function benchNames(id = `bench_${Date.now().toString(36)}`): BenchNames {
  return {
    id,
    schema: id,
    table: `${id}.products`,
    slot: id,
    decodeSlots: [`${id}_pgoutput_1`, `${id}_pgoutput_2`],
    publication: id,
    dataTopic: `${id}.products`,
    offsetsTopic: `${id}.offsets`,
    sourceDlqTopic: `${id}.source-dlq`,
    sinkDlqTopic: `${id}.sink-dlq`,
    scratchTopic: `${id}.scratch`,
    stageGroup: `${id}-stage`,
    counterGroup: `${id}-counter`,
    bareGroups: [`${id}-bare-1`, `${id}-bare-2`],
    debezium: {
      connector: `${id}-debezium`,
      slot: `${id}_debezium`,
      publication: `${id}_debezium`,
      topicPrefix: `${id}_dbz`,
      topic: `${id}_dbz.${id}.products`,
      counterGroup: `${id}-debezium-counter`,
      readGroup: `${id}-debezium-read`,
    },
  };
}
