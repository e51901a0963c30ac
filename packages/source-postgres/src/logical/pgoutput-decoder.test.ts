import { describe, expect, it } from 'vitest';
import { PgoutputDecoder } from './pgoutput-decoder.ts';

/** Builds a message the way the walsender writes it: big-endian integers, zero-terminated strings. */
class Bytes {
  private readonly parts: Buffer[] = [];
  char(c: string): this {
    this.parts.push(Buffer.from(c, 'latin1'));
    return this;
  }
  u8(n: number): this {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  i16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  i32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  u64(n: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    this.parts.push(Buffer.from(`${s}\0`, 'utf8'));
    return this;
  }
  text(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.char('t').i32(b.length).raw(b);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const relation = () =>
  new Bytes()
    .char('R')
    .i32(16384)
    .str('shop')
    .str('hosts')
    .char('d')
    .i16(3)
    .u8(1)
    .str('id')
    .i32(23)
    .i32(-1)
    .u8(0)
    .str('ips')
    .i32(1041)
    .i32(-1)
    .u8(0)
    .str('big')
    .i32(25)
    .i32(-1)
    .done();

function decoderWithRelation(): PgoutputDecoder {
  const decoder = new PgoutputDecoder();
  decoder.decode(relation());
  return decoder;
}

describe('PgoutputDecoder', () => {
  it('reads Begin and Commit with their LSNs, times (µs since 1970) and xid', () => {
    const decoder = new PgoutputDecoder();
    const begin = decoder.decode(new Bytes().char('B').u64(0x16_b374d848n).u64(1_000_000n).i32(777).done());
    expect(begin).toEqual({ tag: 'begin', commitLsn: '16/B374D848', commitTime: 946_684_801_000_000n, xid: 777 });
    const commit = decoder.decode(new Bytes().char('C').u8(0).u64(0x16_b374d848n).u64(0x16_b374d880n).u64(0n).done());
    expect(commit).toEqual({ tag: 'commit', flags: 0, commitLsn: '16/B374D848', commitEndLsn: '16/B374D880', commitTime: 946_684_800_000_000n });
  });

  it('keeps every value as the text PostgreSQL wrote: arrays, points and numbers are never parsed', () => {
    const decoder = decoderWithRelation();
    const insert = decoder.decode(new Bytes().char('I').i32(16384).char('N').i16(3).text('1').text('{10.0.0.1,10.0.0.2}').text('(1,2) ünï').done());
    expect(insert).toMatchObject({ tag: 'insert', relation: { schema: 'shop', name: 'hosts' }, new: { id: '1', ips: '{10.0.0.1,10.0.0.2}', big: '(1,2) ünï' } });
  });

  it('reads a Relation with its columns, flags, type OIDs and modifiers', () => {
    const message = new PgoutputDecoder().decode(relation());
    expect(message).toEqual({
      tag: 'relation',
      relationOid: 16384,
      schema: 'shop',
      name: 'hosts',
      replicaIdentity: 'default',
      columns: [
        { flags: 1, name: 'id', typeOid: 23, typeMod: -1 },
        { flags: 0, name: 'ips', typeOid: 1041, typeMod: -1 },
        { flags: 0, name: 'big', typeOid: 25, typeMod: -1 },
      ],
    });
  });

  it('marks NULL as null and an unchanged TOASTed value as undefined, or its old text when an old image came', () => {
    const decoder = decoderWithRelation();
    const noOld = decoder.decode(new Bytes().char('U').i32(16384).char('N').i16(3).text('1').char('n').char('u').done());
    expect(noOld).toEqual(expect.objectContaining({ tag: 'update', key: null, old: null }));
    const fresh = (noOld as { new: Record<string, unknown> }).new;
    expect(fresh).toEqual({ id: '1', ips: null, big: undefined });
    expect('big' in fresh).toBe(true);
    const withOld = decoder.decode(
      new Bytes().char('U').i32(16384).char('O').i16(3).text('1').char('n').text('long text').char('N').i16(3).text('1').text('{}').char('u').done(),
    );
    expect(withOld).toMatchObject({ old: { id: '1', ips: null, big: 'long text' }, new: { id: '1', ips: '{}', big: 'long text' } });
  });

  it("reads a 'K' image as the identity's columns only", () => {
    const decoder = decoderWithRelation();
    const update = decoder.decode(new Bytes().char('U').i32(16384).char('K').i16(3).text('1').char('n').char('n').char('N').i16(3).text('2').char('n').text('x').done());
    expect(update).toMatchObject({ key: { id: '1' }, old: null, new: { id: '2', ips: null, big: 'x' } });
    const del = decoder.decode(new Bytes().char('D').i32(16384).char('K').i16(3).text('2').char('n').char('n').done());
    expect(del).toEqual({ tag: 'delete', relation: expect.objectContaining({ name: 'hosts' }), key: { id: '2' }, old: null });
    const full = decoder.decode(new Bytes().char('D').i32(16384).char('O').i16(3).text('2').char('n').text('x').done());
    expect(full).toMatchObject({ key: null, old: { id: '2', ips: null, big: 'x' } });
  });

  it('reads Truncate, logical Message, Origin and Type', () => {
    const decoder = decoderWithRelation();
    expect(decoder.decode(new Bytes().char('T').i32(1).u8(3).i32(16384).done())).toMatchObject({
      tag: 'truncate',
      cascade: true,
      restartIdentity: true,
      relations: [{ name: 'hosts' }],
    });
    const message = decoder.decode(new Bytes().char('M').u8(1).u64(0x10n).str('buyonline-signal').i32(2).raw(Buffer.from('{}')).done());
    expect(message).toMatchObject({ tag: 'message', transactional: true, messageLsn: '0/10', prefix: 'buyonline-signal' });
    expect((message as { content: Buffer }).content.toString()).toBe('{}');
    expect(decoder.decode(new Bytes().char('O').u64(0x20n).str('upstream').done())).toEqual({ tag: 'origin', originLsn: '0/20', originName: 'upstream' });
    expect(decoder.decode(new Bytes().char('Y').i32(90001).str('public').str('mood').done())).toEqual({ tag: 'type', typeOid: 90001, typeSchema: 'public', typeName: 'mood' });
  });

  it('reads protocol 2 Stream Start, Stop, Commit and Abort', () => {
    const decoder = new PgoutputDecoder();
    expect(decoder.decode(new Bytes().char('S').i32(901).u8(1).done())).toEqual({ tag: 'stream-start', xid: 901, firstSegment: true });
    expect(decoder.decode(new Bytes().char('E').done())).toEqual({ tag: 'stream-stop' });
    expect(decoder.decode(new Bytes().char('S').i32(901).u8(0).done())).toEqual({ tag: 'stream-start', xid: 901, firstSegment: false });
    expect(decoder.decode(new Bytes().char('E').done())).toEqual({ tag: 'stream-stop' });
    const commit = decoder.decode(new Bytes().char('c').i32(901).u8(0).u64(0x16_b374d848n).u64(0x16_b374d880n).u64(2_000_000n).done());
    expect(commit).toEqual({ tag: 'stream-commit', xid: 901, flags: 0, commitLsn: '16/B374D848', commitEndLsn: '16/B374D880', commitTime: 946_684_802_000_000n });
    expect(decoder.decode(new Bytes().char('A').i32(901).i32(905).done())).toEqual({ tag: 'stream-abort', xid: 901, subxid: 905 });
  });

  it('inside a stream, reads the (sub)transaction xid that prefixes each change, relation, type, truncate and message', () => {
    const decoder = new PgoutputDecoder();
    decoder.decode(new Bytes().char('S').i32(901).u8(1).done());
    const rel = new Bytes().char('R').i32(905).raw(relation().subarray(1)).done();
    expect(decoder.decode(rel)).toMatchObject({ tag: 'relation', xid: 905, name: 'hosts', columns: [{ name: 'id' }, { name: 'ips' }, { name: 'big' }] });
    expect(decoder.decode(new Bytes().char('Y').i32(905).i32(90001).str('public').str('mood').done())).toEqual({ tag: 'type', xid: 905, typeOid: 90001, typeSchema: 'public', typeName: 'mood' });
    expect(decoder.decode(new Bytes().char('I').i32(905).i32(16384).char('N').i16(3).text('1').char('n').text('x').done())).toMatchObject({
      tag: 'insert',
      xid: 905,
      new: { id: '1', ips: null, big: 'x' },
    });
    expect(decoder.decode(new Bytes().char('U').i32(901).i32(16384).char('N').i16(3).text('1').char('n').text('y').done())).toMatchObject({ tag: 'update', xid: 901, new: { big: 'y' } });
    expect(decoder.decode(new Bytes().char('D').i32(901).i32(16384).char('K').i16(3).text('1').char('n').char('n').done())).toMatchObject({ tag: 'delete', xid: 901, key: { id: '1' } });
    expect(decoder.decode(new Bytes().char('T').i32(901).i32(1).u8(0).i32(16384).done())).toMatchObject({ tag: 'truncate', xid: 901, relations: [{ name: 'hosts' }] });
    const message = decoder.decode(new Bytes().char('M').i32(901).u8(1).u64(0x10n).str('buyonline-signal').i32(2).raw(Buffer.from('{}')).done());
    expect(message).toMatchObject({ tag: 'message', xid: 901, transactional: true, prefix: 'buyonline-signal' });
    decoder.decode(new Bytes().char('E').done());
    // After Stream Stop, a committed transaction's changes carry no xid again.
    expect(decoder.decode(new Bytes().char('I').i32(16384).char('N').i16(3).text('2').char('n').text('z').done())).toMatchObject({ tag: 'insert', new: { id: '2' } });
  });

  it('refuses what it cannot read, saying what', () => {
    const decoder = decoderWithRelation();
    expect(() => decoder.decode(new Bytes().char('I').i32(99).char('N').i16(0).done())).toThrow(/relation 99 before its Relation message/);
    expect(() => decoder.decode(new Bytes().char('I').i32(16384).char('N').i16(1).char('b').i32(1).u8(0).done())).toThrow(/binary/);
    expect(() => decoder.decode(new Bytes().char('I').i32(16384).char('N').i16(1).char('t').i32(10).done())).toThrow(/message ends/);
    expect(() => decoder.decode(new Bytes().char('Z').done())).toThrow(/unknown message type "Z"/);
  });
});
