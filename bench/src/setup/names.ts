/** Everything one run creates, named from one id (bench_<base36 time>), so it can all be found and dropped. */
export interface BenchNames {
  id: string;
  schema: string;
  /** <schema>.products */
  table: string;
  slot: string;
  /** The second slot, pgoutput on the same publication, that pg_recvlogical decodes. */
  decodeSlot: string;
  publication: string;
  dataTopic: string;
  offsetsTopic: string;
  sourceDlqTopic: string;
  sinkDlqTopic: string;
  /** Where the bare transactional produce loop writes. */
  scratchTopic: string;
  stageGroup: string;
  counterGroup: string;
  bareGroup: string;
}

export function benchNames(id = `bench_${Date.now().toString(36)}`): BenchNames {
  return {
    id,
    schema: id,
    table: `${id}.products`,
    slot: id,
    decodeSlot: `${id}_pgoutput`,
    publication: id,
    dataTopic: `${id}.products`,
    offsetsTopic: `${id}.offsets`,
    sourceDlqTopic: `${id}.source-dlq`,
    sinkDlqTopic: `${id}.sink-dlq`,
    scratchTopic: `${id}.scratch`,
    stageGroup: `${id}-stage`,
    counterGroup: `${id}-counter`,
    bareGroup: `${id}-bare`,
  };
}
