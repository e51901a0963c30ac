/** Chunks start small (a partition that sees a few records a minute holds little) and double up to this. */
const FIRST_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * The lines of one file, encoded to UTF-8 as they arrive into a few large buffers: no array
 * of strings to keep alive (and copy at each garbage collection) until the file is written, no
 * join, no second encoding when it is written, and the byte count is what the encoder wrote.
 */
export class LineChunks {
  private readonly filled: Buffer[] = [];
  private filledBytes = 0;
  private chunk: Buffer | undefined;
  private used = 0;
  private nextChunkBytes = FIRST_CHUNK_BYTES;
  /** Lines appended. */
  lines = 0;

  /** UTF-8 bytes appended, newlines included. */
  get bytes(): number {
    return this.filledBytes + this.used;
  }

  /** Appends `text` and a newline. */
  appendLine(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair 4 for its two), so this much room always holds the line.
    let chunk = this.chunk;
    if (chunk === undefined || chunk.length - this.used < text.length * 3 + 1) {
      // Near a chunk's end (or for a long line) the exact size, not the worst case: a 1 MB line takes 1 MB, not a 3 MB chunk.
      const room = Buffer.byteLength(text) + 1;
      if (chunk === undefined || chunk.length - this.used < room) chunk = this.startChunk(room);
    }
    this.used += chunk.write(text, this.used);
    chunk[this.used++] = NEWLINE;
    this.lines++;
  }

  /** The content, in order: views of the chunks, as many bytes as were written. */
  chunks(): Buffer[] {
    return this.chunk === undefined || this.used === 0 ? [...this.filled] : [...this.filled, this.chunk.subarray(0, this.used)];
  }

  private startChunk(room: number): Buffer {
    if (this.chunk !== undefined && this.used > 0) {
      this.filled.push(this.chunk.subarray(0, this.used));
      this.filledBytes += this.used;
    }
    // Not zero-filled: only the bytes written are ever read.
    const chunk = Buffer.allocUnsafe(Math.max(room, this.nextChunkBytes));
    this.nextChunkBytes = Math.min(this.nextChunkBytes * 2, MAX_CHUNK_BYTES);
    this.chunk = chunk;
    this.used = 0;
    return chunk;
  }
}
