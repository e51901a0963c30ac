import type { AvroSchema } from '@buyonline/connect-api';
import type { StageFileRef } from './file-naming.ts';

/** A file's content: text, or its UTF-8 bytes in order as a list of chunks. */
export type StageFileContent = string | readonly Uint8Array[];

/** What a file's records said about their shape: the value schemas of its rows (each once) and the key's field names. */
export interface FileSchema {
  valueSchemas: readonly AvroSchema[];
  keyFields?: readonly string[];
}

/**
 * Where finished files go. The stage itself is the source of truth for what is written.
 * The sink task calls one method at a time: a call starts only once the one before it settled.
 */
export interface StageStore {
  describe(): string;
  /** Cleans up after a crash (temp files) and returns the offset after the last file, if any. */
  recover(topic: string, partition: number): Promise<{ nextOffset?: number; removedTemps: number }>;
  /** Makes one file durable under its final name; refuses to overwrite or overlap. */
  write(ref: StageFileRef, content: StageFileContent, schema?: FileSchema): Promise<string>;
  list(topic: string, partition: number): Promise<StageFileRef[]>;
}
