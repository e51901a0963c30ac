import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { localStageConfigSchema } from './config.ts';
import { lastStageFiles } from './last-stage-files.ts';
import { LocalStage } from './local-stage.ts';

describe('lastStageFiles', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("names each partition's file holding the highest offsets, and null where the stage holds none", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'last-stage-files-'));
    dirs.push(dir);
    const stage = new LocalStage(dir);
    await stage.recover('shop.orders', 0);
    await stage.write({ topic: 'shop.orders', partition: 0, startOffset: 0, endOffset: 9 }, '{}\n');
    await stage.write({ topic: 'shop.orders', partition: 0, startOffset: 10, endOffset: 12 }, '{}\n');
    const config = localStageConfigSchema.parse({ stage: 'local', dir });
    const last = await lastStageFiles(config, noopContext(), [
      { topic: 'shop.orders', partition: 0 },
      { topic: 'shop.orders', partition: 1 },
    ]);
    expect(last).toEqual([
      { topic: 'shop.orders', partition: 0, lastFile: join(dir, 'shop.orders', 'partition=0', 'shop.orders+0+00000000000000000010+00000000000000000012.jsonl') },
      { topic: 'shop.orders', partition: 1, lastFile: null },
    ]);
  });
});
