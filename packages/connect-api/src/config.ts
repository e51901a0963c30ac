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
