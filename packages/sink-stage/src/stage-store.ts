import type { StageFileRef } from './file-naming.ts';

/** Where finished files go. The stage itself is the source of truth for what is written. */
export interface StageStore {
  describe(): string;
  /** Cleans up after a crash (temp files) and returns the offset after the last file, if any. */
  recover(topic: string, partition: number): Promise<{ nextOffset?: number; removedTemps: number }>;
  /** Makes one file durable under its final name; refuses to overwrite or overlap. */
  write(ref: StageFileRef, content: string): Promise<string>;
  list(topic: string, partition: number): Promise<StageFileRef[]>;
}
