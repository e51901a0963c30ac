import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CdcError, Logger, Metrics } from '@buyonline/connect-api';
import { reasonHeaders } from '../shared/dead-letter-headers.ts';

/** A message as the consumer read it: its coordinates and its bytes. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key?: Buffer | string | null | undefined;
  value: Buffer | null;
  timestamp?: number | undefined;
}

/** A consumed message the sink cannot take: its original bytes, and where the group read it. */
export function sinkDeadLetter(message: ConsumedMessage, err: CdcError, groupId: string): KafkaJS.Message {
  return {
    key: message.key ? asBuffer(message.key) : null,
    value: message.value ?? null,
    headers: {
      ...reasonHeaders(err, message.topic),
      'dlq.partition': String(message.partition),
      'dlq.offset': String(message.offset),
      'dlq.group': groupId,
    },
  };
}

/** Sends the sink's poison records to its dead-letter topic, one at a time, and counts them. */
export class SinkDeadLetterReporter {
  private sent = 0;

  constructor(
    private readonly producer: Pick<KafkaJS.Producer, 'send'>,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  get deadLettered(): number {
    return this.sent;
  }

  async report(message: ConsumedMessage, err: CdcError): Promise<void> {
    this.log.error(
      { topic: message.topic, partition: message.partition, offset: message.offset, err: err.message },
      'poison record sent to the dead-letter topic',
    );
    await this.producer.send({ topic: this.topic, messages: [sinkDeadLetter(message, err, this.groupId)] });
    this.sent++;
    this.metrics.count('sink_dead_letter_total', 1, { reason: err.code });
  }
}

export function asBuffer(key: Buffer | string): Buffer {
  return typeof key === 'string' ? Buffer.from(key) : key;
}
