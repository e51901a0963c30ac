import { randomUUID } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CdcError, FencedError } from '@buyonline/connect-api';
import {
  type ChainSlot,
  isTempFileName,
  parseStageFileName,
  partitionPath,
  type StageFileRef,
  stageFileName,
} from './file-naming.ts';
import { PublicationChain } from './publication-chain.ts';
import type { StageFileContent, StageStore } from './stage-store.ts';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes the whole content at the handle's position: chunks in one call each time (a call may write fewer bytes than it was given). */
async function writeContent(handle: FileHandle, content: StageFileContent): Promise<void> {
  if (typeof content === 'string') return handle.writeFile(content, 'utf8');
  let rest = content.filter((chunk) => chunk.length > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    let done = 0;
    while (done < rest.length && bytesWritten >= (rest[done] as Uint8Array).length) bytesWritten -= (rest[done++] as Uint8Array).length;
    rest = rest.slice(done);
    if (bytesWritten > 0) rest[0] = (rest[0] as Uint8Array).subarray(bytesWritten);
  }
}

function ioError(message: string, cause: unknown): CdcError {
  return new CdcError('STAGE_IO', message, { cause, retriable: true });
}

export interface LocalStageOptions {
  /**
   * Keep the publication chain (default): writers racing for one partition never both publish
   * overlapping ranges. Off for a spool that only one process writes (the Snowflake stage's).
   */
  fenced?: boolean;
}

/**
 * A stage in a local directory. A file is written to a temporary name and fsynced; its writer
 * then claims the slot after the last file it knows of in the partition's publication chain
 * (an atomic symlink: another writer's claim of the same slot fails), links the temp file to
 * its final name (which fails if it exists), removes the temp name and fsyncs the directory.
 * Only then does a file count. A consumer that takes a partition over (`recover`) reserves the
 * end of the chain first, so a zombie that still holds the partition's buffers is fenced at
 * its next file.
 */
export class LocalStage implements StageStore {
  readonly writerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly fenced: boolean;
  private readonly chains = new Map<string, PublicationChain>();
  /** Per partition folder: the slot this writer's next file claims. */
  private readonly slots = new Map<string, ChainSlot>();

  constructor(
    private readonly root: string,
    options: LocalStageOptions = {},
  ) {
    this.fenced = options.fenced ?? true;
  }

  describe(): string {
    return `local directory ${this.root}`;
  }

  private dir(topic: string, partition: number): string {
    return join(this.root, partitionPath(topic, partition));
  }

  private chain(dir: string): PublicationChain {
    let chain = this.chains.get(dir);
    if (!chain) {
      chain = new PublicationChain(dir, this.writerId);
      this.chains.set(dir, chain);
    }
    return chain;
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
      .sort((a, b) => a.startOffset - b.startOffset || a.endOffset - b.endOffset);
  }

  /** The highest end offset of the partition's files (not the end of the one that starts last). */
  private async listedEnd(topic: string, partition: number): Promise<number> {
    return (await this.list(topic, partition)).reduce((end, f) => Math.max(end, f.endOffset), -1);
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
    const listed = await this.listedEnd(topic, partition);
    if (!this.fenced) return listed >= 0 ? { nextOffset: listed + 1, removedTemps } : { removedTemps };
    const slot = await this.chain(dir).reserve({ next: listed + 1, attempt: 0 });
    this.slots.set(dir, slot);
    return slot.next > 0 ? { nextOffset: slot.next, removedTemps } : { removedTemps };
  }

  async write(ref: StageFileRef, content: StageFileContent): Promise<string> {
    const dir = this.dir(ref.topic, ref.partition);
    const name = stageFileName(ref);
    const finalPath = join(dir, name);
    await mkdir(dir, { recursive: true });
    const chain = this.chain(dir);
    // A writer that did not recover the partition joins the chain where it ends now.
    const slot = this.fenced ? (this.slots.get(dir) ?? (await chain.walk({ next: (await this.listedEnd(ref.topic, ref.partition)) + 1, attempt: 0 }))) : undefined;
    if (slot && ref.startOffset < slot.next) {
      throw new FencedError(`the stage already holds offsets up to ${slot.next - 1} of ${ref.topic}[${ref.partition}]: ${name} would overlap them`);
    }
    const tempName = chain.tempName(name);
    const tempPath = join(dir, tempName);
    try {
      const handle = await open(tempPath, 'wx');
      try {
        await writeContent(handle, content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      throw ioError(`cannot write ${tempPath}`, err);
    }
    if (slot && !(await this.claimOrDrop(chain, slot, tempName, tempPath))) {
      throw new FencedError(`another consumer published after offset ${slot.next - 1} of ${ref.topic}[${ref.partition}] first: ${name} is not published`);
    }
    try {
      await link(tempPath, finalPath);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new FencedError(`${finalPath} exists already: another consumer wrote this range`, { cause: err });
      // Our claim was settled by a consumer that took the partition over: it removed our temp file.
      if (code === 'ENOENT' && slot) throw new FencedError(`${ref.topic}[${ref.partition}] was taken over while ${name} was being published`, { cause: err });
      throw ioError(`cannot publish ${finalPath}`, err);
    }
    await unlink(tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw ioError(`cannot remove ${tempPath}`, err);
    });
    await fsyncPath(dir);
    if (slot) this.slots.set(dir, { next: ref.endOffset + 1, attempt: 0 });
    return finalPath;
  }

  private async claimOrDrop(chain: PublicationChain, slot: ChainSlot, tempName: string, tempPath: string): Promise<boolean> {
    let claimed: boolean;
    try {
      claimed = await chain.claim(slot, tempName);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      throw ioError(`cannot claim the next file of ${tempPath}`, err);
    }
    if (!claimed) await unlink(tempPath).catch(() => undefined);
    return claimed;
  }
}
