import { lstat, readlink, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChainSlot, claimName, finalNameOfTemp, parseStageFileName } from './file-naming.ts';

const RESERVATION = 'reserved.';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * The order in which one partition's files were published, kept in the partition's folder as
 * symlinks that `symlink()` creates atomically or not at all (EEXIST). Before a file is
 * published, its writer claims the slot after its predecessor (`.next+<predecessor end + 1>+<attempt>`,
 * pointing at the writer's fsynced temp file); only the writer whose claim was created may link
 * its temp file to the final name. So every published file has exactly one predecessor, each
 * predecessor at most one successor, and the files form one chain of increasing, disjoint
 * ranges — whatever the writers' rotation points, and however many race.
 *
 * A new owner takes the chain over by walking it to its end and creating a reservation in the
 * first free slot: a zombie's next claim then finds its slot taken. A claim whose file is not
 * published (its writer crashed or stalls between claim and link) is settled by the walker:
 * it removes the claimant's temp file, after which the claimant's link can only fail; if the
 * final name still does not exist, the claim is dead for good and the next attempt of the same
 * slot is tried.
 */
export class PublicationChain {
  private sequence = 0;

  constructor(
    private readonly dir: string,
    private readonly writerId: string,
  ) {}

  /** Follows the chain from `from` to the first free slot. */
  async walk(from: ChainSlot): Promise<ChainSlot> {
    let slot = from;
    for (;;) {
      let target: string;
      try {
        target = await readlink(join(this.dir, claimName(slot)));
      } catch (err) {
        if (errno(err) === 'ENOENT') return slot;
        throw err;
      }
      const published = await this.settle(target);
      slot = published === undefined ? { next: slot.next, attempt: slot.attempt + 1 } : { next: published + 1, attempt: 0 };
    }
  }

  /** The end offset of the file a claim stands for, once published; undefined for a reservation or a dead claim. */
  private async settle(target: string): Promise<number | undefined> {
    const finalName = finalNameOfTemp(target);
    const ref = finalName === undefined ? undefined : parseStageFileName(finalName);
    if (finalName === undefined || ref === undefined) return undefined; // a reservation
    const finalPath = join(this.dir, finalName);
    if (await exists(finalPath)) return ref.endOffset;
    // Without its temp file the claimant cannot link any more: after this, the file exists or never will.
    await unlink(join(this.dir, target)).catch((err: unknown) => {
      if (errno(err) !== 'ENOENT') throw err;
    });
    return (await exists(finalPath)) ? ref.endOffset : undefined;
  }

  /**
   * Takes the chain over from its end: returns the slot this writer's first file claims.
   * Another writer's claim after the returned slot's predecessor cannot succeed any more.
   */
  async reserve(from: ChainSlot): Promise<ChainSlot> {
    let slot = await this.walk(from);
    for (;;) {
      if (await this.claim(slot, `${RESERVATION}${this.writerId}-${this.sequence++}`)) return { next: slot.next, attempt: slot.attempt + 1 };
      slot = await this.walk(slot);
    }
  }

  /** A unique temp name for one write (never reused, so a settled claim stays settled). */
  tempName(finalName: string): string {
    return `${finalName}.${this.writerId}-${this.sequence++}.tmp`;
  }

  /** Creates the claim of `slot`, pointing at `target`; false when the slot is taken. */
  async claim(slot: ChainSlot, target: string): Promise<boolean> {
    try {
      await symlink(target, join(this.dir, claimName(slot)));
      return true;
    } catch (err) {
      if (errno(err) === 'EEXIST') return false;
      throw err;
    }
  }
}
