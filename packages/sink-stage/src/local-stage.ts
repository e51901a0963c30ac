import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CdcError, FencedError } from '@buyonline/kafka-common';
import {
  isTempFileName,
  parseStageFileName,
  partitionPath,
  type StageFileRef,
  stageFileName,
  tempFileName,
} from './file-naming.ts';
import type { StageStore } from './stage-store.ts';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ioError(message: string, cause: unknown): CdcError {
  return new CdcError('STAGE_IO', message, { cause, retriable: true });
}

/**
 * A stage in a local directory. Files are written to a temporary name, fsynced, linked to
 * their final name (which fails if it exists: a zombie cannot overwrite), the temp name is
 * removed and the directory fsynced. Only then does a file count.
 */
export class LocalStage implements StageStore {
  readonly writerId = `${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(private readonly root: string) {}

  describe(): string {
    return `local directory ${this.root}`;
  }

  private dir(topic: string, partition: number): string {
    return join(this.root, partitionPath(topic, partition));
  }

  async list(topic: string, partition: number): Promise<StageFileRef[]> {
    const dir = this.dir(topic, partition);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`cannot list ${dir}`, err);
    }
    return names
      .map(parseStageFileName)
      .filter((ref): ref is StageFileRef => ref !== undefined && ref.topic === topic && ref.partition === partition)
      .sort((a, b) => a.startOffset - b.startOffset);
  }

  async recover(topic: string, partition: number): Promise<{ nextOffset?: number; removedTemps: number }> {
    const dir = this.dir(topic, partition);
    await mkdir(dir, { recursive: true });
    let removedTemps = 0;
    for (const name of await readdir(dir)) {
      if (isTempFileName(name) && !name.includes(this.writerId)) {
        await unlink(join(dir, name)).catch(() => undefined);
        removedTemps++;
      }
    }
    const files = await this.list(topic, partition);
    const last = files.at(-1);
    return last ? { nextOffset: last.endOffset + 1, removedTemps } : { removedTemps };
  }

  async write(ref: StageFileRef, content: string): Promise<string> {
    const dir = this.dir(ref.topic, ref.partition);
    const finalPath = join(dir, stageFileName(ref));
    const tempPath = join(dir, tempFileName(ref, this.writerId));
    await mkdir(dir, { recursive: true });
    try {
      const handle = await open(tempPath, 'w');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw ioError(`cannot write ${tempPath}`, err);
    }
    const overlapping = (await this.list(ref.topic, ref.partition)).find((f) => f.endOffset >= ref.startOffset);
    if (overlapping) {
      await unlink(tempPath).catch(() => undefined);
      throw new FencedError(
        `${stageFileName(overlapping)} already covers offsets from ${ref.startOffset}: another consumer owns ${ref.topic}[${ref.partition}]`,
      );
    }
    try {
      await link(tempPath, finalPath);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new FencedError(`${finalPath} exists already: another consumer wrote this range`, { cause: err });
      }
      throw ioError(`cannot publish ${finalPath}`, err);
    }
    await unlink(tempPath);
    await fsyncPath(dir);
    return finalPath;
  }
}
