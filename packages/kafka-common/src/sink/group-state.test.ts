import { describe, expect, it } from 'vitest';
import { subscribedTopics } from './group-state.ts';

describe('subscribedTopics', () => {
  const existing = ['shop.public.orders', 'shop.public.lines', 'other.x', 'dlq'];

  it('takes names as they are and matches patterns against the topics there', () => {
    expect(subscribedTopics(['dlq', '^shop\\.public\\..*'], existing).sort()).toEqual(['dlq', 'shop.public.lines', 'shop.public.orders']);
  });

  it('leaves out a named topic that does not exist (yet)', () => {
    expect(subscribedTopics(['missing', 'other.x'], existing)).toEqual(['other.x']);
  });
});
