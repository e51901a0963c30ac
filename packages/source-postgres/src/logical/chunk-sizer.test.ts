import { describe, expect, it } from 'vitest';
import { ChunkSizer } from './chunk-sizer.ts';

const rows = (n: number, chars: number) => Array.from({ length: n }, (_, i) => ({ id: String(i), body: 'x'.repeat(chars) }));

describe('ChunkSizer', () => {
  it('reads a few rows of a table first, then as many as its widest row allows in the bytes, at most the rows', () => {
    const sizer = new ChunkSizer(5000, 8 * 1024 * 1024);
    expect(sizer.rows('t')).toBe(16);
    sizer.observe('t', rows(16, 100_000));
    const wide = sizer.rows('t');
    expect(wide).toBeGreaterThan(40);
    expect(wide * 100_000).toBeLessThanOrEqual(8 * 1024 * 1024);
    sizer.observe('t', rows(wide, 10));
    expect(sizer.rows('t')).toBe(5000);
  });

  it('shares the bytes between the chunks read at once, and reads at least one row however wide', () => {
    const sizer = new ChunkSizer(5000, 8 * 1024 * 1024);
    sizer.observe('t', rows(1, 1_000_000));
    expect(sizer.rows('t', 1)).toBe(8);
    expect(sizer.rows('t', 2)).toBe(4);
    sizer.observe('t', rows(1, 50_000_000));
    expect(sizer.rows('t')).toBe(1);
  });

  it('sizes each table by its own rows, and never more rows than configured', () => {
    const sizer = new ChunkSizer(3, 8 * 1024 * 1024);
    expect(sizer.rows('small')).toBe(3);
    sizer.observe('wide', rows(3, 4 * 1024 * 1024));
    expect([sizer.rows('small'), sizer.rows('wide')]).toEqual([3, 1]);
  });
});
