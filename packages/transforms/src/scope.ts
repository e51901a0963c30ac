import type { TransformRecord } from '@buyonline/connect-api';
import { z } from 'zod';
import { regexText } from './config-parts.ts';
import { BoundedMap } from './schema-cache.ts';
import { TopicTables } from './topic-tables.ts';

/**
 * The keys every transform takes to limit what it touches (as Kafka Connect's predicates):
 * a record outside the scope passes through unchanged. With both, a record must match both.
 */
export const scopeShape = {
  tables: z
    .array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, 'expected <schema>.<table>, e.g. public.customers'))
    .min(1)
    .optional()
    .describe('Only records of these tables (<schema>.<table>, as the source names them); every table when absent.'),
  topics: regexText
    .optional()
    .describe('Only records whose topic matches this regular expression (the whole name, as Kafka Connect’s TopicNameMatches); every topic when absent.'),
};

export interface ScopeConfig {
  tables?: string[] | undefined;
  topics?: string | undefined;
}

/** Decides whether a record is in a transform's scope (a tombstone: by the table last seen on its topic). */
export class Scope {
  readonly #tables: ReadonlySet<string> | undefined;
  readonly #topics: RegExp | undefined;
  readonly #topicMatches = new BoundedMap<string, boolean>();
  readonly #topicTables: TopicTables;

  constructor(config: ScopeConfig, topicTables: TopicTables = new TopicTables()) {
    this.#tables = config.tables ? new Set(config.tables) : undefined;
    this.#topics = config.topics === undefined ? undefined : new RegExp(`^(?:${config.topics})$`);
    this.#topicTables = topicTables;
  }

  /** True when the transform applies to this record. */
  covers(record: TransformRecord): boolean {
    if (this.#topics && !this.#topicMatch(record.topic)) return false;
    if (!this.#tables) return true;
    const table = this.#topicTables.identify(record);
    return table !== undefined && this.#tables.has(table.qualified);
  }

  #topicMatch(topic: string): boolean {
    let matches = this.#topicMatches.get(topic);
    if (matches === undefined) {
      matches = (this.#topics as RegExp).test(topic);
      this.#topicMatches.set(topic, matches);
    }
    return matches;
  }
}
