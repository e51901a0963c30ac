import type { RecordMetadata } from '@buyonline/connect-api';
import type { TransactionalProducer } from './native-transactional-producer.ts';
import type { PreparedBatch } from './source-batch.ts';
import { DEFAULT_MAX_UNDELIVERED_BYTES, kafkaError, SourceTransaction } from './source-transaction.ts';

type Committed = (tx: SourceTransaction, metadata: RecordMetadata[]) => Promise<void>;

/**
 * The source worker's Kafka transactions, two at a time on two transactional producers: while
 * one commits (a round trip to the transaction coordinator, often the longest step), the next
 * one's records are already produced. Nothing is lost or reordered:
 *  - a transaction sends its first record only once every record (and position) of the one
 *    before it was delivered, so each partition, the offsets topic's included, holds them in
 *    source order;
 *  - it commits only after the one before it committed; when that failed, it is aborted with
 *    every other transaction not committed yet, and the worker resumes from the positions in
 *    Kafka, which are then those of the last committed transaction.
 * Both producers are initialised at the start, so a predecessor's open transactions are
 * aborted and a zombie is fenced on both ids.
 */
export class TransactionPipeline {
  private next = 0;
  private open: { tx: SourceTransaction; producer: number } | undefined;
  /** Resolves once the last closed transaction's records and positions are delivered. */
  private delivered: Promise<void> = Promise.resolve();
  /** Resolves once the last closed transaction committed (and its follow-up ran); each waits for the one before. */
  private committing: Promise<void> = Promise.resolve();
  /** Per producer: its last transaction's commit (a producer has one transaction at a time). */
  private readonly idle: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  private readonly uncommitted = new Set<SourceTransaction>();
  private failure: unknown;

  constructor(
    private readonly producers: readonly [TransactionalProducer, TransactionalProducer],
    private readonly now: () => number,
    /** Bytes a transaction hands the client before it waits for their delivery. */
    private readonly maxUndeliveredBytes = DEFAULT_MAX_UNDELIVERED_BYTES,
  ) {}

  /** Initialises transactions on both producers (fencing a predecessor on each id). */
  async connect(): Promise<void> {
    for (const producer of this.producers) {
      await producer.connect().catch((err: unknown) => {
        throw kafkaError('cannot initialise the transactional producer', err);
      });
    }
  }

  /** A transaction is open, or closed and not committed yet. */
  get busy(): boolean {
    return this.uncommitted.size > 0;
  }

  /** A transaction is open: the source transaction it carries goes on. */
  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Throws the failure of a commit that ran while the worker polled. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Produces a batch into the open transaction, or into a new one once the one before it is delivered. */
  async add(batch: PreparedBatch, deadLetterTopic: string): Promise<void> {
    this.throwIfFailed();
    if (!this.open) {
      await this.delivered;
      const producer = this.next;
      this.next = (this.next + 1) % this.producers.length;
      await this.idle[producer];
      const tx = await SourceTransaction.begin(this.producers[producer] as TransactionalProducer, this.now(), this.maxUndeliveredBytes);
      this.uncommitted.add(tx);
      this.open = { tx, producer };
    }
    await this.open.tx.add(batch, deadLetterTopic);
  }

  /**
   * Closes the open transaction: its positions go in, it commits after the one before it, and
   * `committed` runs then (in commit order). Returns at once; a failure surfaces on the next
   * `add`, `throwIfFailed` or `drain`.
   */
  close(offsetsTopic: string, committed: Committed): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const { tx } = open;
    const delivered = tx.close(offsetsTopic);
    const previous = this.committing;
    const commit = (async () => {
      await delivered;
      await previous;
      const metadata = await tx.commit();
      this.uncommitted.delete(tx);
      await committed(tx, metadata);
    })();
    commit.catch((err: unknown) => {
      this.failure ??= err;
    });
    delivered.catch(() => undefined); // surfaces through `commit`, and through the next `add`
    this.delivered = delivered;
    this.committing = commit;
    this.idle[open.producer] = commit;
  }

  /** Waits until every closed transaction committed; throws the first failure. */
  async drain(): Promise<void> {
    await this.committing;
    this.throwIfFailed();
  }

  /** After a failure: waits for commits in flight to settle, then aborts every transaction not committed. */
  async abort(): Promise<void> {
    await this.committing.catch(() => undefined);
    this.open = undefined;
    for (const tx of this.uncommitted) await tx.abort();
    this.uncommitted.clear();
  }

  async disconnect(onError: (err: unknown) => void): Promise<void> {
    for (const producer of this.producers) await producer.disconnect().catch(onError);
  }
}
