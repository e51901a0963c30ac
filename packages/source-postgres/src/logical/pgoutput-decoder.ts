import type { Client } from 'pg';
import type { Tuple } from '../change-records.ts';
import { quoteIdent } from '../sql-identifiers.ts';
import type { RelationColumn, RelationMessage } from './relation-columns.ts';

/**
 * pgoutput's logical replication messages (protocol versions 1 and 2), decoded with every column value
 * kept as the text PostgreSQL's output function wrote: no driver type parser ever sees a
 * replicated value, so the stream converts from exactly the text the snapshot reads
 * (https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html).
 *
 * In a tuple, a value is its text, `null` for SQL NULL ('n') and `undefined` for an unchanged
 * TOASTed value that was not sent ('u'; taken from the old image when one came).
 * Protocol 2 streams a large transaction before it commits (`streaming 'on'`, PostgreSQL 14+):
 * between Stream Start and Stream Stop every change, relation, type, truncate and message carries
 * the xid of its (sub)transaction first (`xid` here); Stream Commit or Stream Abort ends it.
 */
/** The (sub)transaction a message inside a stream belongs to (absent outside one). */
type Streamed = { xid?: number };

export type PgoutputMessage =
  | { tag: 'begin'; commitLsn: string; commitTime: bigint; xid: number }
  | { tag: 'stream-start'; xid: number; firstSegment: boolean }
  | { tag: 'stream-stop' }
  | { tag: 'stream-commit'; xid: number; flags: number; commitLsn: string; commitEndLsn: string; commitTime: bigint }
  | { tag: 'stream-abort'; xid: number; subxid: number }
  | { tag: 'commit'; flags: number; commitLsn: string; commitEndLsn: string; commitTime: bigint }
  | { tag: 'origin'; originLsn: string; originName: string }
  | ({ tag: 'relation' } & RelationMessage & Streamed)
  | ({ tag: 'type'; typeOid: number; typeSchema: string; typeName: string } & Streamed)
  | ({ tag: 'insert'; relation: RelationMessage; new: Tuple } & Streamed)
  | ({ tag: 'update'; relation: RelationMessage; key: Tuple | null; old: Tuple | null; new: Tuple } & Streamed)
  | ({ tag: 'delete'; relation: RelationMessage; key: Tuple | null; old: Tuple | null } & Streamed)
  | ({ tag: 'truncate'; cascade: boolean; restartIdentity: boolean; relations: RelationMessage[] } & Streamed)
  | ({ tag: 'message'; flags: number; transactional: boolean; messageLsn: string; prefix: string; content: Buffer } & Streamed);

/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** Replica identity by its byte: d, n, f, i. */
const REPLICA_IDENTITY: Record<number, string> = { 100: 'default', 110: 'nothing', 102: 'full', 105: 'index' };

/** Reads one message's bytes front to back (one reader serves every message: `start` points it at the next). */
class Reader {
  pos = 0;
  buf: Buffer = Buffer.alloc(0);

  start(buf: Buffer): this {
    this.buf = buf;
    this.pos = 0;
    return this;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`pgoutput: message ends after ${this.buf.length} bytes, ${this.pos + n} needed`);
  }
  uint8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  /** An LSN as PostgreSQL prints it, upper-case hex without padding (`16/B374D848`). */
  lsn(): string {
    this.need(8);
    const high = this.buf.readUInt32BE(this.pos);
    const low = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
  }
  /** µs since 1970 of a timestamp in µs since 2000. */
  time(): bigint {
    return this.uint64() + PG_EPOCH_MICROS;
  }
  string(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: a string without its terminating zero byte');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  text(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }
  bytes(length: number): Buffer {
    this.need(length);
    const b = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return b;
  }
}

export class PgoutputDecoder {
  private readonly relations = new Map<number, RelationMessage>();
  /** Between Stream Start and Stream Stop (protocol 2+): changes carry their xid first. */
  private xidPrefixed = false;

  private readonly reader = new Reader();

  decode(buf: Buffer): PgoutputMessage {
    const r = this.reader.start(buf);
    const tag = r.uint8();
    switch (tag) {
      case 0x42 /* B */:
        return { tag: 'begin', commitLsn: r.lsn(), commitTime: r.time(), xid: r.int32() };
      case 0x43 /* C */:
        return { tag: 'commit', flags: r.uint8(), commitLsn: r.lsn(), commitEndLsn: r.lsn(), commitTime: r.time() };
      case 0x4f /* O */:
        return { tag: 'origin', originLsn: r.lsn(), originName: r.string() };
      case 0x53 /* S */: {
        const xid = r.int32() >>> 0;
        this.xidPrefixed = true;
        return { tag: 'stream-start', xid, firstSegment: r.uint8() === 1 };
      }
      case 0x45 /* E */:
        this.xidPrefixed = false;
        return { tag: 'stream-stop' };
      case 0x63 /* c */:
        return { tag: 'stream-commit', xid: r.int32() >>> 0, flags: r.uint8(), commitLsn: r.lsn(), commitEndLsn: r.lsn(), commitTime: r.time() };
      case 0x41 /* A */:
        return { tag: 'stream-abort', xid: r.int32() >>> 0, subxid: r.int32() >>> 0 };
      case 0x52 /* R */:
        return this.relation(r);
      case 0x59 /* Y */:
        return { tag: 'type', ...this.xid(r), typeOid: r.int32() >>> 0, typeSchema: r.string(), typeName: r.string() };
      case 0x49 /* I */:
        return this.insert(r);
      case 0x55 /* U */:
        return this.update(r);
      case 0x44 /* D */:
        return this.delete(r);
      case 0x54 /* T */:
        return this.truncate(r);
      case 0x4d /* M */: {
        const xid = this.xid(r);
        const flags = r.uint8();
        const messageLsn = r.lsn();
        const prefix = r.string();
        return { tag: 'message', ...xid, flags, transactional: (flags & 1) === 1, messageLsn, prefix, content: r.bytes(r.int32()) };
      }
      default:
        throw new Error(`pgoutput: unknown message type ${JSON.stringify(String.fromCharCode(tag))} (0x${tag.toString(16)})`);
    }
  }

  /** The (sub)transaction xid that prefixes a message inside a stream. */
  private xid(r: Reader): Streamed {
    return this.xidPrefixed ? { xid: r.int32() >>> 0 } : {};
  }

  /** The xid prefixing a change inside a stream, or undefined (read without building an object per change). */
  private changeXid(r: Reader): number | undefined {
    return this.xidPrefixed ? r.int32() >>> 0 : undefined;
  }

  /** The relation a change names (after its xid, when streamed). */
  private relationOf(r: Reader): RelationMessage {
    const oid = r.int32() >>> 0;
    const relation = this.relations.get(oid);
    if (!relation) throw new Error(`pgoutput: a change of relation ${oid} before its Relation message`);
    return relation;
  }

  private relation(r: Reader): PgoutputMessage {
    const xid = this.xid(r);
    const relationOid = r.int32() >>> 0;
    const schema = r.string();
    const name = r.string();
    const identity = r.uint8();
    const replicaIdentity = REPLICA_IDENTITY[identity];
    if (!replicaIdentity) throw new Error(`pgoutput: unknown replica identity ${JSON.stringify(String.fromCharCode(identity))}`);
    const count = r.int16();
    const columns: RelationColumn[] = [];
    for (let i = 0; i < count; i++) columns.push({ flags: r.uint8(), name: r.string(), typeOid: r.int32() >>> 0, typeMod: r.int32() });
    const relation: RelationMessage = { relationOid, schema, name, replicaIdentity, columns };
    this.relations.set(relationOid, relation);
    return { tag: 'relation', ...xid, ...relation };
  }

  /** A TupleData: text values by column name; `fallback` gives unchanged TOASTed values their old text. */
  private tuple(r: Reader, relation: RelationMessage, fallback: Tuple | null): Tuple {
    const count = r.int16();
    const { columns } = relation;
    if (count > columns.length) throw new Error(`pgoutput: a tuple of ${count} columns for ${relation.schema}.${relation.name}, which has ${columns.length}`);
    const tuple: Tuple = {};
    for (let i = 0; i < count; i++) {
      const name = (columns[i] as RelationColumn).name;
      const kind = r.uint8();
      if (kind === 0x74 /* t */) setColumn(tuple, name, r.text(r.int32()));
      else if (kind === 0x6e /* n */) setColumn(tuple, name, null);
      else if (kind === 0x75 /* u */) setColumn(tuple, name, fallback?.[name]);
      else if (kind === 0x62 /* b */) throw new Error(`pgoutput: column ${name} came in binary, which was not asked for`);
      else throw new Error(`pgoutput: unknown tuple value kind ${JSON.stringify(String.fromCharCode(kind))}`);
    }
    return tuple;
  }

  /** A 'K' tuple: the replica identity's columns only (the others are sent as null placeholders). */
  private keyTuple(r: Reader, relation: RelationMessage): Tuple {
    const all = this.tuple(r, relation, null);
    const key: Tuple = {};
    for (const column of relation.columns) if (column.flags & 1) setColumn(key, column.name, all[column.name] ?? undefined);
    return key;
  }

  // A change message is built in one literal (no spread of an xid object): one object per change,
  // and `xid` is an own property only inside a stream, as the other messages have it.
  private insert(r: Reader): PgoutputMessage {
    const xid = this.changeXid(r);
    const relation = this.relationOf(r);
    expectByte(r, 0x4e, 'N', 'insert');
    const row = this.tuple(r, relation, null);
    return xid === undefined ? { tag: 'insert', relation, new: row } : { tag: 'insert', xid, relation, new: row };
  }

  private update(r: Reader): PgoutputMessage {
    const xid = this.changeXid(r);
    const relation = this.relationOf(r);
    let key: Tuple | null = null;
    let old: Tuple | null = null;
    const kind = r.uint8();
    if (kind === 0x4b /* K */) key = this.keyTuple(r, relation);
    else if (kind === 0x4f /* O */) old = this.tuple(r, relation, null);
    else if (kind !== 0x4e /* N */) throw new Error(`pgoutput: unknown update part ${JSON.stringify(String.fromCharCode(kind))}`);
    if (kind !== 0x4e) expectByte(r, 0x4e, 'N', 'update');
    const row = this.tuple(r, relation, old);
    return xid === undefined ? { tag: 'update', relation, key, old, new: row } : { tag: 'update', xid, relation, key, old, new: row };
  }

  private delete(r: Reader): PgoutputMessage {
    const xid = this.changeXid(r);
    const relation = this.relationOf(r);
    const kind = r.uint8();
    let key: Tuple | null = null;
    let old: Tuple | null = null;
    if (kind === 0x4b /* K */) key = this.keyTuple(r, relation);
    else if (kind === 0x4f /* O */) old = this.tuple(r, relation, null);
    else throw new Error(`pgoutput: unknown delete part ${JSON.stringify(String.fromCharCode(kind))}`);
    return xid === undefined ? { tag: 'delete', relation, key, old } : { tag: 'delete', xid, relation, key, old };
  }

  private truncate(r: Reader): PgoutputMessage {
    const xid = this.xid(r);
    const count = r.int32();
    const flags = r.uint8();
    const relations: RelationMessage[] = [];
    for (let i = 0; i < count; i++) {
      const oid = r.int32() >>> 0;
      const relation = this.relations.get(oid);
      if (!relation) throw new Error(`pgoutput: a truncate of relation ${oid} before its Relation message`);
      relations.push(relation);
    }
    return { tag: 'truncate', ...xid, cascade: (flags & 1) === 1, restartIdentity: (flags & 2) === 2, relations };
  }
}

function expectByte(r: Reader, byte: number, name: string, what: string): void {
  const got = r.uint8();
  if (got !== byte) throw new Error(`pgoutput: ${what} expected '${name}', got ${JSON.stringify(String.fromCharCode(got))}`);
}

export interface PgoutputOptions {
  publication: string;
  /** Logical messages (pg_logical_emit_message): watermarks and signals. */
  messages: boolean;
  /** Protocol 2 with `streaming 'on'`: large transactions stream before they commit (PostgreSQL 14+ only). */
  streaming: boolean;
}

/** START_REPLICATION's pgoutput options. */
export function pgoutputStartOptions(options: PgoutputOptions): string {
  const publication = options.publication.replaceAll("'", "''");
  const version = options.streaming ? "proto_version '2', streaming 'on'" : "proto_version '1'";
  return `${version}, publication_names '${publication}', messages '${options.messages}'`;
}

/**
 * pg-logical-replication's plugin contract (`name`, `start`, `parse`) around PgoutputDecoder: its
 * LogicalReplicationService runs the replication connection, and we own the decoding.
 */
export function pgoutputTextPlugin(options: PgoutputOptions) {
  const decoder = new PgoutputDecoder();
  return {
    options,
    name: 'pgoutput',
    parse: (buffer: Buffer): PgoutputMessage => decoder.decode(buffer),
    start: (client: Client, slot: string, lsn: string): Promise<unknown> => {
      return client.query(`START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${lsn} (${pgoutputStartOptions(options)})`);
    },
  };
}

/** A column's value as an own property: a column named `__proto__` would otherwise set the tuple's prototype, losing the value. */
function setColumn(tuple: Tuple, name: string, value: string | null | undefined): void {
  if (name === '__proto__') Object.defineProperty(tuple, name, { value, enumerable: true, writable: true, configurable: true });
  else tuple[name] = value;
}
