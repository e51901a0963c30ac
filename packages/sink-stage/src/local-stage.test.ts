import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FencedError } from '@buyonline/connect-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStageFileName, partitionPath, stageFileName, type StageFileRef } from './file-naming.ts';
import { LocalStage } from './local-stage.ts';

const TOPIC = 'shop.public.orders';
const ref = (startOffset: number, endOffset: number, partition = 0): StageFileRef => ({
  topic: TOPIC,
  partition,
  startOffset,
  endOffset,
});

let root: string;
let dir: string;
/** The entries of a folder other than the publication chain's hidden claims. */
const entries = async (path: string) => (await readdir(path)).filter((n) => !n.startsWith('.'));
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-stage-'));
  dir = join(root, partitionPath(TOPIC, 0));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LocalStage', () => {
  it('publishes a file under its final name, with the content as given and no temp left', async () => {
    const stage = new LocalStage(root);
    const path = await stage.write(ref(0, 1), '{"a":1}\n{"a":2}\n');
    expect(path).toBe(join(dir, stageFileName(ref(0, 1))));
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(await entries(dir)).toEqual([stageFileName(ref(0, 1))]);
  });

  it('writes content given as UTF-8 chunks byte for byte, in order', async () => {
    const stage = new LocalStage(root);
    const chunks = [Buffer.from('{"a":"crème'), Buffer.alloc(0), Buffer.from(' brûlée"}\n'), Buffer.alloc(3 * 1024 * 1024, 'x'), Buffer.from('\n')];
    const path = await stage.write(ref(0, 1), chunks);
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
    expect(await entries(dir)).toEqual([stageFileName(ref(0, 1))]);
  });

  it('lists the files of one partition in offset order', async () => {
    const stage = new LocalStage(root);
    await stage.write(ref(0, 9), 'x\n');
    await stage.write(ref(10, 99), 'x\n');
    await stage.write(ref(100, 100), 'x\n');
    await stage.write(ref(0, 4, 1), 'x\n');
    expect(await stage.list(TOPIC, 0)).toEqual([ref(0, 9), ref(10, 99), ref(100, 100)]);
    expect(await stage.list(TOPIC, 1)).toEqual([ref(0, 4, 1)]);
    expect(await stage.list('other', 0)).toEqual([]);
  });

  it('recovers nothing from an empty stage', async () => {
    expect(await new LocalStage(root).recover(TOPIC, 0)).toEqual({ removedTemps: 0 });
  });

  it('recovers the offset after the last file and removes temp files of other writers only', async () => {
    const crashed = new LocalStage(root);
    await crashed.write(ref(0, 4), 'x\n');
    await crashed.write(ref(5, 9), 'x\n');
    const staleTemp = `${stageFileName(ref(10, 14))}.1-deadbeef.tmp`;
    await writeFile(join(dir, staleTemp), 'half a file');

    const next = new LocalStage(root);
    const ownTemp = `${stageFileName(ref(10, 12))}.${next.writerId}.tmp`;
    await writeFile(join(dir, ownTemp), 'being written');

    expect(await next.recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 1 });
    expect((await entries(dir)).sort()).toEqual([stageFileName(ref(0, 4)), stageFileName(ref(5, 9)), ownTemp].sort());
  });

  it('fences a second writer whose range overlaps a published file, and leaves that file alone', async () => {
    const owner = new LocalStage(root);
    await owner.write(ref(10, 19), 'owner\n');
    const zombie = new LocalStage(root);
    for (const overlap of [ref(10, 19), ref(10, 14), ref(15, 25), ref(5, 12)]) {
      await expect(zombie.write(overlap, 'zombie\n')).rejects.toBeInstanceOf(FencedError);
    }
    expect(await entries(dir)).toEqual([stageFileName(ref(10, 19))]);
    expect(await readFile(join(dir, stageFileName(ref(10, 19))), 'utf8')).toBe('owner\n');
  });

  it('accepts a range that starts right after the last file', async () => {
    const stage = new LocalStage(root);
    await stage.write(ref(10, 19), 'a\n');
    await new LocalStage(root).write(ref(20, 29), 'b\n');
    expect(await stage.list(TOPIC, 0)).toEqual([ref(10, 19), ref(20, 29)]);
  });

  it('recovers past the highest end offset, not past the end of the file that starts last', async () => {
    // A wider file and a narrower one inside it (left by a writer before the chain existed).
    await writeFile(join(await mkdirP(dir), stageFileName(ref(100, 199))), 'x\n');
    await writeFile(join(dir, stageFileName(ref(120, 150))), 'x\n');
    expect(await new LocalStage(root).recover(TOPIC, 0)).toEqual({ nextOffset: 200, removedTemps: 0 });
    await expect(new LocalStage(root).write(ref(151, 160), 'x\n')).rejects.toBeInstanceOf(FencedError);
  });

  it('a writer that takes the partition over fences the previous writer at its next file', async () => {
    const zombie = new LocalStage(root);
    await zombie.recover(TOPIC, 0);
    await zombie.write(ref(0, 9), 'zombie\n');
    const owner = new LocalStage(root);
    expect(await owner.recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 0 });
    await expect(zombie.write(ref(10, 19), 'zombie\n')).rejects.toBeInstanceOf(FencedError);
    await owner.write(ref(10, 14), 'owner\n');
    await expect(zombie.write(ref(15, 19), 'zombie\n')).rejects.toBeInstanceOf(FencedError);
    expect(await owner.list(TOPIC, 0)).toEqual([ref(0, 9), ref(10, 14)]);
  });

  it('a claim whose writer died before publishing is settled: the next owner goes on from the file before it', async () => {
    const owner = new LocalStage(root);
    await owner.recover(TOPIC, 0);
    await owner.write(ref(0, 9), 'a\n');
    // A writer claimed the slot after offset 9 and crashed before linking its (complete) temp file.
    const temp = `${stageFileName(ref(10, 19))}.1-crashed-0.tmp`;
    await writeFile(join(dir, temp), 'complete but never published\n');
    await symlink(temp, join(dir, `.next+${'10'.padStart(20, '0')}+0`));
    const next = new LocalStage(root);
    expect(await next.recover(TOPIC, 0)).toEqual({ nextOffset: 10, removedTemps: 1 });
    await next.write(ref(10, 12), 'b\n');
    expect(await next.list(TOPIC, 0)).toEqual([ref(0, 9), ref(10, 12)]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

async function mkdirP(path: string): Promise<string> {
  await import('node:fs/promises').then((fs) => fs.mkdir(path, { recursive: true }));
  return path;
}

/** mulberry32, so a failing trial can be replayed from its number. */
function prng(seed: number): (min: number, max: number) => number {
  let a = seed >>> 0;
  return (min, max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return min + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * (max - min + 1));
  };
}

const overlaps = (files: StageFileRef[]) =>
  files.flatMap((a, i) => files.slice(i + 1).filter((b) => a.startOffset <= b.endOffset && b.startOffset <= a.endOffset).map((b) => [a, b]));

describe('LocalStage under racing writers', () => {
  /**
   * Each trial: an owner published [0,99] and goes on as a zombie with its own rotation points,
   * while one or two consumers take the partition over (recover, then write from 100 with
   * theirs) at the same moment. Random yields shuffle who reaches which step first.
   */
  it('never lets two writers publish overlapping ranges of one partition (200 trials)', async () => {
    const ranges = [ref(100, 150), ref(100, 199), ref(120, 199), ref(100, 100), ref(151, 199)];
    let bothTried = 0;
    for (let trial = 0; trial < 200; trial++) {
      const rand = prng(trial);
      const trialRoot = await mkdtemp(join(tmpdir(), 'local-stage-race-'));
      try {
        const zombie = new LocalStage(trialRoot);
        await zombie.recover(TOPIC, 0);
        await zombie.write(ref(0, 99), 'first\n');
        const yieldSome = async () => {
          for (let n = rand(0, 6); n > 0; n--) await new Promise((r) => setImmediate(r));
        };
        const attempt = async (stage: LocalStage, range: StageFileRef, recovers: boolean) => {
          await yieldSome();
          if (recovers) {
            const { nextOffset } = await stage.recover(TOPIC, 0);
            if ((nextOffset ?? 0) > range.startOffset) return 'behind';
            await yieldSome();
          }
          try {
            await stage.write(range, `${range.startOffset}-${range.endOffset}\n`);
            return 'published';
          } catch (err) {
            if (err instanceof FencedError) return 'fenced';
            throw err;
          }
        };
        const pick = () => ranges[rand(0, ranges.length - 1)] ?? ref(100, 199);
        const writers = [attempt(zombie, pick(), false), attempt(new LocalStage(trialRoot), pick(), true)];
        if (rand(0, 1) === 1) writers.push(attempt(new LocalStage(trialRoot), pick(), true));
        const outcomes = await Promise.all(writers);
        if (outcomes.filter((o) => o !== 'behind').length >= 2) bothTried++;

        const names = await readdir(join(trialRoot, partitionPath(TOPIC, 0)));
        const files = names.map(parseStageFileName).filter((f): f is StageFileRef => f !== undefined);
        expect(overlaps(files), `trial ${trial}: ${outcomes.join(', ')}; ${names.join(' ')}`).toEqual([]);
        // Every writer told "published" really is in the stage.
        expect(files.length, `trial ${trial}: ${outcomes.join(', ')}`).toBe(1 + outcomes.filter((o) => o === 'published').length);
        expect(names.filter((n) => n.endsWith('.tmp')), `trial ${trial}`).toEqual([]);
      } finally {
        await rm(trialRoot, { recursive: true, force: true });
      }
    }
    expect(bothTried).toBeGreaterThan(150);
  }, 120_000);
});
