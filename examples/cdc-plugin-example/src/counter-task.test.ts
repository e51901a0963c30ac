import { noopContext, staticOffsets } from '@buyonline/connect-api/testing';
import { describe, expect, it } from 'vitest';
import { counterSourcePlugin } from './index.ts';

const config = (input: Record<string, unknown>) => counterSourcePlugin.configSchema.parse(input);
const signal = () => new AbortController().signal;

describe('counter source', () => {
  it('counts from the stored position, one record per number with its next position', async () => {
    const task = counterSourcePlugin.create(config({ intervalMs: 1, batchSize: 3, counter: 'c1', topic: 't' }), noopContext(() => 1_700_000_000_000));
    await task.start(staticOffsets([[{ counter: 'c1' }, { next: 41 }]]));
    const records = await task.poll(signal());
    expect(records.map((r) => r.key)).toEqual([{ n: 41 }, { n: 42 }, { n: 43 }]);
    expect(records.map((r) => r.sourceOffset)).toEqual([{ next: 42 }, { next: 43 }, { next: 44 }]);
    expect(records[0]).toMatchObject({ topic: 't', sourcePartition: { counter: 'c1' }, value: { op: 'c', after: { n: 41, at_ms: 1_700_000_000_000 } } });
  });

  it('starts at 0 without a stored position, stops at the limit, and returns at once when aborted', async () => {
    const task = counterSourcePlugin.create(config({ intervalMs: 1, batchSize: 10, limit: 4 }), noopContext());
    await task.start(staticOffsets());
    expect((await task.poll(signal())).map((r) => r.key)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await task.poll(signal())).toEqual([]);
    const aborted = new AbortController();
    aborted.abort();
    const slow = counterSourcePlugin.create(config({ intervalMs: 60_000 }), noopContext());
    await slow.start(staticOffsets());
    expect(await slow.poll(aborted.signal)).toEqual([]);
  });

  it('refuses a bad config with the key named', () => {
    const result = counterSourcePlugin.configSchema.safeParse({ intervalMs: 0, counter: 'Has Spaces' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['counter', 'intervalMs']);
  });
});
