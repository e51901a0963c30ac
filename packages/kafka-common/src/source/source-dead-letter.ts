import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CdcError, SourceRecord } from '@buyonline/connect-api';
import { safeJson } from '@buyonline/connect-api';
import { reasonHeaders } from '../shared/dead-letter-headers.ts';

/** A dead-letter value larger than this keeps only the key and the position of the record. */
const MAX_SOURCE_VALUE_CHARS = 900_000;

/** A source record that cannot be produced: key, value and source position as JSON. */
export function sourceDeadLetter(record: SourceRecord, err: CdcError): KafkaJS.Message {
  // The original value is kept only while it fits: a record too large for Kafka is dead-lettered by key and position.
  const full = safeJson({ key: record.key, value: record.value, sourceOffset: record.sourceOffset });
  const value = full.length > MAX_SOURCE_VALUE_CHARS ? safeJson({ key: record.key, sourceOffset: record.sourceOffset, valueOmitted: true }) : full;
  return {
    key: safeJson(record.key),
    value,
    headers: { ...reasonHeaders(err, record.topic), 'dlq.source.position': JSON.stringify(record.sourceOffset) },
  };
}
