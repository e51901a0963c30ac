import { describe, expect, it } from 'vitest';
import { LineChunks } from './line-chunks.ts';

const joined = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

function filled(lines: readonly string[]): LineChunks {
  const content = new LineChunks();
  for (const line of lines) content.appendLine(line);
  return content;
}

describe('LineChunks', () => {
  it('holds nothing at first', () => {
    const content = new LineChunks();
    expect([content.lines, content.bytes, content.chunks()]).toEqual([0, 0, []]);
  });

  it('holds the lines as UTF-8, each with its newline, and counts their bytes as written', () => {
    // One byte to four bytes a character, a surrogate pair, an empty line.
    const lines = ['{"a":1}', 'crème brûlée', '', '→ 日本', '🦀 and 𝄞', '{"b":"x"}'];
    const content = filled(lines);
    expect(Buffer.concat(content.chunks()).toString('utf8')).toBe(joined(lines));
    expect(content.bytes).toBe(Buffer.byteLength(joined(lines)));
    expect(content.lines).toBe(lines.length);
  });

  it('spreads many lines over several chunks, none of them cut, and keeps them in order', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"id":${i},"note":"${i % 7 === 0 ? 'ünïcödé ' : ''}${'x'.repeat(i % 300)}"}`);
    const content = filled(lines);
    const chunks = content.chunks();
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.at(-1)).toBe(0x0a);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(joined(lines));
    expect(content.bytes).toBe(Buffer.byteLength(joined(lines)));
  });

  it('takes a line longer than any chunk', () => {
    const lines = ['small', 'é'.repeat(3_000_000), 'after'];
    const content = filled(lines);
    expect(Buffer.concat(content.chunks()).toString('utf8')).toBe(joined(lines));
    expect(content.bytes).toBe(Buffer.byteLength(joined(lines)));
  });

  it('keeps long lines in about their own size (a 1 MB line in 1 MB, not in a chunk sized for the worst case of 3 MB)', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `{"id":${i},"body":"${'x'.repeat(1_000_000)}"}`);
    const content = filled(lines);
    const held = new Set(content.chunks().map((c) => c.buffer));
    const allocated = [...held].reduce((n, b) => n + b.byteLength, 0);
    expect(allocated).toBeLessThan(content.bytes * 1.1);
    expect(Buffer.concat(content.chunks()).toString('utf8')).toBe(joined(lines));
  });

  it('gives views that later lines do not change', () => {
    const content = filled(['one']);
    const before = content.chunks();
    content.appendLine('two');
    expect(Buffer.concat(before).toString('utf8')).toBe('one\n');
    expect(Buffer.concat(content.chunks()).toString('utf8')).toBe('one\ntwo\n');
  });
});
