/** The transactional ids of a source worker: its own, and the second producer's. */
export function pipelineTransactionalIds(transactionalId: string): [string, string] {
  return [transactionalId, `${transactionalId}.1`];
}
