import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FencedError } from '@buyonline/kafka-common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStage, partitionPath, type StageFileRef, stageFileName } from './index.ts';

const TOPIC = 'shop.public.orders';
const ref = (startOffset: number, endOffset: number, partition = 0): StageFileRef => ({
  topic: TOPIC,
  partition,
  startOffset,
  endOffset,
});

let root: string;
let dir: string;
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
    expect(await readdir(dir)).toEqual([stageFileName(ref(0, 1))]);
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
    expect((await readdir(dir)).sort()).toEqual([stageFileName(ref(0, 4)), stageFileName(ref(5, 9)), ownTemp].sort());
  });

  it('fences a second writer whose range overlaps a published file, and leaves that file alone', async () => {
    const owner = new LocalStage(root);
    await owner.write(ref(10, 19), 'owner\n');
    const zombie = new LocalStage(root);
    for (const overlap of [ref(10, 19), ref(10, 14), ref(15, 25), ref(5, 12)]) {
      await expect(zombie.write(overlap, 'zombie\n')).rejects.toBeInstanceOf(FencedError);
    }
    expect(await readdir(dir)).toEqual([stageFileName(ref(10, 19))]);
    expect(await readFile(join(dir, stageFileName(ref(10, 19))), 'utf8')).toBe('owner\n');
  });

  it('accepts a range that starts right after the last file', async () => {
    const stage = new LocalStage(root);
    await stage.write(ref(10, 19), 'a\n');
    await new LocalStage(root).write(ref(20, 29), 'b\n');
    expect(await stage.list(TOPIC, 0)).toEqual([ref(10, 19), ref(20, 29)]);
  });
});
