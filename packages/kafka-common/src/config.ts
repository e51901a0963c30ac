import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** A secret that never shows up in logs, JSON or inspection. */
export class Redacted<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '<redacted>';
  }
}

export const redactedString = z
  .string()
  .min(1)
  .transform((value) => new Redacted(value));

/** Comma-separated bootstrap servers → their list; an empty entry (`a:9092,,b:9092`, a trailing comma) is refused, not skipped. */
export const brokerList = z
  .string()
  .min(1)
  .refine((s) => s.split(',').every((b) => b.trim() !== ''), {
    error: (issue) => `empty entry in the comma-separated broker list ${JSON.stringify(issue.input)} (two commas in a row, or one at either end)`,
  })
  .transform((s) => s.split(',').map((b) => b.trim()));

export const kafkaConfigSchema = z.object({
  brokers: brokerList.describe('Comma-separated bootstrap servers, e.g. 127.0.0.1:9092'),
  clientId: z.string().min(1).default('buyonline-cdc').describe('Kafka client.id'),
});
export type KafkaConfig = z.output<typeof kafkaConfigSchema>;

export const registryConfigSchema = z.object({
  url: z.url().describe('Confluent-compatible Schema Registry base URL (Apicurio: …/apis/ccompat/v7)'),
});
export type RegistryConfig = z.output<typeof registryConfigSchema>;

/**
 * Parses `input` with `schema`; on failure throws a ConfigError that names every bad key
 * (prefixed with `prefix`, e.g. the environment variable family) and what was wrong.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, describeKey: (path: string) => string = (p) => p): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `  ${describeKey(path) || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}
