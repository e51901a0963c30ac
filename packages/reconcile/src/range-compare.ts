import { createHash } from 'node:crypto';
import type { TableRow } from './compare.ts';
import { displayKey, type KeyParts, keyComparator, type TableShape } from './shape.ts';

/** A stage row with how many of its lines were met twice (versions.ts `duplicates`). */
export interface StageRow extends TableRow {
  duplicates: number;
}

/** A changed key: the columns whose values differ. */
export interface ChangedKey {
  id: string;
  fields: string[];
}

/**
 * One range of keys: (after, upTo] in key order (null: unbounded), closed after `rangeKeys` keys
 * of either side. Both sides are hashed (sha256 of each row's canonical values in key order);
 * only when the hashes differ are its rows compared, naming each key that differs.
 */
export interface RangeResult {
  after: KeyParts | null;
  upTo: KeyParts | null;
  /** Keys in the range: PostgreSQL's, the stage's. */
  sourceRows: number;
  stageRows: number;
  sourceHash: string;
  stageHash: string;
  equal: boolean;
  /** In PostgreSQL, not in the stage. */
  lost: string[];
  /** In the stage, not in PostgreSQL. */
  extra: string[];
  changed: ChangedKey[];
  /** The same change (same Kafka record) in the stage twice. */
  duplicated: string[];
}

type Rows<T> = AsyncIterable<T> | Iterable<T>;

const rowText = (values: readonly (string | null | undefined)[]) => `${JSON.stringify(values)}\n`;

interface Pair {
  key: KeyParts;
  source: TableRow | undefined;
  stage: StageRow | undefined;
}

function closeRange(shape: TableShape, pairs: readonly Pair[], after: KeyParts | null, upTo: KeyParts | null): RangeResult {
  const source = createHash('sha256');
  const stage = createHash('sha256');
  let sourceRows = 0;
  let stageRows = 0;
  for (const { source: s, stage: t } of pairs) {
    if (s) {
      sourceRows++;
      source.update(rowText(s.values));
    }
    if (t) {
      stageRows++;
      // a column no line of the key carried is not compared: it takes PostgreSQL's value
      stage.update(rowText(s ? t.values.map((v, i) => (v === undefined ? s.values[i] : v)) : t.values));
      if (t.duplicates > 0) stage.update(`duplicated ${t.duplicates}\n`);
    }
  }
  const result: RangeResult = {
    after,
    upTo,
    sourceRows,
    stageRows,
    sourceHash: source.digest('hex'),
    stageHash: stage.digest('hex'),
    equal: false,
    lost: [],
    extra: [],
    changed: [],
    duplicated: [],
  };
  result.equal = result.sourceHash === result.stageHash;
  if (!result.equal) diffRows(shape, pairs, result);
  return result;
}

/** A differing range's rows, key by key. */
function diffRows(shape: TableShape, pairs: readonly Pair[], into: RangeResult): void {
  for (const { key, source: s, stage: t } of pairs) {
    const id = displayKey(key);
    if (t && t.duplicates > 0) into.duplicated.push(id);
    if (!t) into.lost.push(id);
    else if (!s) into.extra.push(id);
    else {
      const fields = shape.columns.filter((_, i) => t.values[i] !== undefined && t.values[i] !== s.values[i]).map((c) => c.name);
      if (fields.length > 0) into.changed.push({ id, fields });
    }
  }
}

/**
 * PostgreSQL's rows and the stage's latest rows of one table, both in key order, compared range
 * by range: a merge join that holds one range (at most `rangeKeys` keys of each side) at a time.
 * A side out of key order is an error, never a wrong answer.
 */
export async function* compareRanges(shape: TableShape, sourceRows: Rows<TableRow>, stageRows: Rows<StageRow>, rangeKeys: number): AsyncGenerator<RangeResult> {
  const compare = keyComparator(shape);
  const source = iterate(sourceRows, 'PostgreSQL', shape, compare);
  const stage = iterate(stageRows, 'stage', shape, compare);
  let s = await source.next();
  let t = await stage.next();
  let pairs: Pair[] = [];
  let after: KeyParts | null = null;
  let sourceKeys = 0;
  let stageKeys = 0;
  while (!s.done || !t.done) {
    const order = s.done ? 1 : t.done ? -1 : compare(s.value.key, t.value.key);
    const pair: Pair = { key: order > 0 ? (t.value as StageRow).key : (s.value as TableRow).key, source: order <= 0 ? (s.value as TableRow) : undefined, stage: order >= 0 ? (t.value as StageRow) : undefined };
    pairs.push(pair);
    if (pair.source) {
      sourceKeys++;
      s = await source.next();
    }
    if (pair.stage) {
      stageKeys++;
      t = await stage.next();
    }
    if (sourceKeys >= rangeKeys || stageKeys >= rangeKeys) {
      yield closeRange(shape, pairs, after, pair.key);
      after = pair.key;
      pairs = [];
      sourceKeys = 0;
      stageKeys = 0;
    }
  }
  // the last range is open above: keys past the last one read belong to it
  if (pairs.length > 0 || after === null) yield closeRange(shape, pairs, after, null);
}

async function* iterate<T extends TableRow>(rows: Rows<T>, label: string, shape: TableShape, compare: (a: KeyParts, b: KeyParts) => number): AsyncGenerator<T> {
  let last: KeyParts | undefined;
  for await (const row of rows) {
    if (last !== undefined && compare(last, row.key) >= 0) {
      throw new Error(`verify: the ${label} rows of ${shape.name} are not in key order (${displayKey(last)} before ${displayKey(row.key)})`);
    }
    last = row.key;
    yield row;
  }
}
