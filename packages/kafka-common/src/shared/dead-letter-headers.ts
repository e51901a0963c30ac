import type { CdcError } from '@buyonline/connect-api';

/**
 * What a dead-lettered record looks like, for both workers: the reason (`dlq.error.code`,
 * `dlq.error.message`) and the topic it was meant for or read from (`dlq.topic`), plus where it
 * came from (a source position, or a partition, offset and group). These are the headers both carry.
 */
export function reasonHeaders(err: CdcError, topic: string): Record<string, string> {
  return { 'dlq.error.code': err.code, 'dlq.error.message': err.message, 'dlq.topic': topic };
}

