import { describe, expect, it } from 'vitest';
import { type CpuProfile, packageOf, shortPath, summarizeProfile } from './profile-summary.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('write', 'file:///nowhere/node_modules/.bun/avsc@5.7.9/node_modules/avsc/lib/types.js', 9) },
      { id: 5, callFrame: frame('write', 'file:///nowhere/node_modules/.bun/avsc@5.7.9/node_modules/avsc/lib/types.js', 9) },
      { id: 6, callFrame: frame('decode', 'file:///nowhere/packages/source-postgres/src/logical/stream-decoder.ts', 99) },
    ],
    samples: [2, 2, 2, 2, 3, 4, 5, 5, 6, 6],
  };
  const s = summarizeProfile(profile, 'p');

  it('splits idle, GC and busy time by samples', () => {
    expect(s).toMatchObject({ samples: 10, idlePct: 40, gcPct: 10, busyPct: 60, durationMs: 10_000 });
  });
  it('adds up one function reached by several paths, 1-based lines', () => {
    expect(s.top[0]).toMatchObject({ name: 'write', location: 'node_modules/avsc/lib/types.js:10', package: 'avsc', samples: 3, pct: 30, busyPct: 50 });
    expect(s.top.map((f) => f.name)).toEqual(['write', 'decode']);
  });
  it('groups by package, GC on its own, idle left out', () => {
    expect(s.packages).toEqual([
      { package: 'avsc', samples: 3, busyPct: 50 },
      { package: 'packages/source-postgres', samples: 2, busyPct: 33.3 },
      { package: '(garbage collector)', samples: 1, busyPct: 16.7 },
    ]);
  });
});

describe('packageOf', () => {
  it('names scoped packages, ours, and node', () => {
    expect(packageOf('f', '../../../node_modules/.bun/@confluentinc+x@1/node_modules/@confluentinc/kafka-javascript/lib/a.js')).toBe('@confluentinc/kafka-javascript');
    expect(packageOf('f', '../../../packages/kafka-common/src/a.ts')).toBe('packages/kafka-common');
    expect(packageOf('f', 'node:internal/streams/readable')).toBe('node');
    expect(shortPath('../../apps/producer/src/main.ts')).toBe('apps/producer/src/main.ts');
  });
});
