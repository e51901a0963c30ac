import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { readStageLines } from './index.ts';
import { partitionPath, stageFileName } from './testing.ts';

const TOPIC = 'shop.public.orders';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stage(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stage-reader-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const file = (topic: string, partition: number, first: number, last: number) => join(partitionPath(topic, partition), stageFileName({ topic, partition, startOffset: first, endOffset: last }));

async function all(lines: AsyncIterable<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
  const out = [];
  for await (const l of lines) out.push(l);
  return out;
}

describe('readStageLines: a local stage', () => {
  it("reads every line of the topics' finished files, file by file, an int64 past 2^53 exactly; other topics and unfinished files are not read", async () => {
    const root = stage({
      [file(TOPIC, 1, 0, 0)]: '{"id":3}\n',
      [file(TOPIC, 0, 0, 1)]: '{"id":1}\n\n{"id":12345678901234567890}\n',
      [file('shop.public.other', 0, 0, 0)]: '{"id":9}\n',
      [join(partitionPath(TOPIC, 0), 'half-written.tmp')]: '{"id":8',
    });
    expect(await all(readStageLines({ stage: 'local', dir: root }, [TOPIC, 'shop.public.absent'], noopContext()))).toEqual([{ id: 1 }, { id: 12_345_678_901_234_567_890n }, { id: 3 }]);
  });

  it('a line that is not JSON is a DataError naming the file and the line', async () => {
    const root = stage({ [file(TOPIC, 0, 0, 1)]: '{"id":1}\n{"id":\n' });
    await expect(all(readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()))).rejects.toThrow(DataError);
    await expect(all(readStageLines({ stage: 'local', dir: root }, [TOPIC], noopContext()))).rejects.toThrow(/partition=0\/.*line 2 is not JSON/);
  });
});
