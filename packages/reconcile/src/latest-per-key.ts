import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KeyParts } from './shape.ts';
import { type FieldValue, type KeyVersion, mergeVersions } from './versions.ts';

export interface LatestPerKeyOptions {
  /** Where sort runs are written (removed by `close`). */
  dir: string;
  /** Most keys held in memory at once; more are spilled to a sorted run file. */
  runKeys: number;
  /** Most run files merged at once; more are first merged into longer runs. */
  fanIn: number;
  /** The order of keys (the table's, see shape.ts keyComparator). */
  compare: (a: KeyParts, b: KeyParts) => number;
}

export interface KeyState {
  key: KeyParts;
  version: KeyVersion;
}

export interface LatestPerKeyStats {
  /** Sort runs written to disk (0: everything fit in memory). */
  runs: number;
  /** Merge passes over the runs before the final one. */
  mergePasses: number;
}

type EncodedField = [string | null] | [string | null, string] | 0;
type Encoded = [key: string[], position: string, deleted: 0 | 1, table: string, duplicates: number, ...fields: EncodedField[]];

function encode({ key, version: v }: KeyState): string {
  const fields = v.fields.map((fv): EncodedField => {
    if (!fv) return 0;
    return fv[1] === v.position ? [fv[0]] : [fv[0], fv[1]];
  });
  return JSON.stringify([key as string[], v.position, v.deleted ? 1 : 0, v.table, v.duplicates ?? 0, ...fields] satisfies Encoded);
}

function decode(line: string): KeyState {
  const [key, position, deleted, table, duplicates, ...encoded] = JSON.parse(line) as Encoded;
  const fields = encoded.map((e): FieldValue | undefined => (e ? [e[0], e[1] ?? position] : undefined));
  const version: KeyVersion = { position, deleted: deleted === 1, table, fields };
  if (duplicates > 0) version.duplicates = duplicates;
  return { key, version };
}

async function writeRun(path: string, states: Iterable<KeyState> | AsyncIterable<KeyState>): Promise<void> {
  const out = createWriteStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  let chunk = '';
  for await (const state of states) {
    chunk += `${encode(state)}\n`;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished;
}

async function* readRun(path: string): AsyncGenerator<KeyState> {
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: 256 * 1024 }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line) yield decode(line);
}

/** A min-heap of run heads, by key. */
class Heads {
  private readonly items: { state: KeyState; run: AsyncGenerator<KeyState> }[] = [];

  constructor(private readonly compare: (a: KeyParts, b: KeyParts) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): { state: KeyState; run: AsyncGenerator<KeyState> } | undefined {
    return this.items[0];
  }

  push(item: { state: KeyState; run: AsyncGenerator<KeyState> }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare((a[p] as typeof item).state.key, item.state.key) <= 0) break;
      a[i] = a[p] as typeof item;
      i = p;
    }
    a[i] = item;
  }

  pop(): { state: KeyState; run: AsyncGenerator<KeyState> } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.compare((a[r] as typeof last).state.key, (a[l] as typeof last).state.key) < 0 ? r : l;
      if (this.compare((a[c] as typeof last).state.key, last.state.key) >= 0) break;
      a[i] = a[c] as typeof last;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/** Merges runs sorted by key into one sorted stream, one state per key (versions merged). */
async function* mergeRuns(paths: readonly string[], compare: (a: KeyParts, b: KeyParts) => number): AsyncGenerator<KeyState> {
  const heads = new Heads(compare);
  const advance = async (run: AsyncGenerator<KeyState>) => {
    const next = await run.next();
    if (!next.done) heads.push({ state: next.value, run });
  };
  for (const path of paths) await advance(readRun(path));
  while (heads.size > 0) {
    const first = heads.pop() as { state: KeyState; run: AsyncGenerator<KeyState> };
    let version = first.state.version;
    const key = first.state.key;
    await advance(first.run);
    while (heads.size > 0 && compare((heads.peek() as { state: KeyState }).state.key, key) === 0) {
      const same = heads.pop() as { state: KeyState; run: AsyncGenerator<KeyState> };
      version = mergeVersions(version, same.state.version);
      await advance(same.run);
    }
    yield { key, version };
  }
}

/**
 * The latest version of every key of a stage, in key order, in bounded memory: versions are
 * folded per key in a map of at most `runKeys` keys; a full map is sorted and written to a
 * run file (an external sort), and the runs are merged (at most `fanIn` at a time) while
 * they are read back. Memory: `runKeys` key states plus one read buffer per merged run,
 * whatever the number of lines or keys; disk: one line per key and run.
 */
export class LatestPerKey {
  /** By the key's JSON text. */
  private current = new Map<string, KeyState>();
  private readonly runs: string[] = [];
  private nextRun = 0;
  readonly stats: LatestPerKeyStats = { runs: 0, mergePasses: 0 };

  constructor(private readonly options: LatestPerKeyOptions) {}

  async add(key: KeyParts, version: KeyVersion): Promise<void> {
    const text = JSON.stringify(key);
    const known = this.current.get(text);
    this.current.set(text, { key, version: known ? mergeVersions(known.version, version) : version });
    if (this.current.size >= this.options.runKeys) await this.spill();
  }

  private sortedInMemory(): KeyState[] {
    const { compare } = this.options;
    const states = [...this.current.values()].sort((a, b) => compare(a.key, b.key));
    this.current = new Map();
    return states;
  }

  private runPath(): string {
    return join(this.options.dir, `run-${String(this.nextRun++).padStart(6, '0')}.jsonl`);
  }

  private async spill(): Promise<void> {
    if (this.current.size === 0) return;
    const path = this.runPath();
    await writeRun(path, this.sortedInMemory());
    this.runs.push(path);
    this.stats.runs++;
  }

  /** Every key once, in key order (`compare`), with its merged version. Call once, after the last `add`. */
  async *sorted(): AsyncGenerator<KeyState> {
    if (this.runs.length === 0) {
      yield* this.sortedInMemory();
      return;
    }
    await this.spill();
    while (this.runs.length > this.options.fanIn) {
      const group = this.runs.splice(0, this.options.fanIn);
      const path = this.runPath();
      await writeRun(path, mergeRuns(group, this.options.compare));
      for (const p of group) await rm(p, { force: true });
      this.runs.push(path);
      this.stats.mergePasses++;
    }
    yield* mergeRuns(this.runs, this.options.compare);
  }
}
