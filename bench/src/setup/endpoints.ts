import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Endpoints {
  PG_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
}

/** The repository root (bench/dist/… or bench/src/… → ../..). */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** The stack's endpoints: the environment's when all three are set, else .stack/endpoints.env. */
export function endpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  if (env.PG_URL && env.KAFKA_BROKERS && env.SCHEMA_REGISTRY_URL) {
    return { PG_URL: env.PG_URL, KAFKA_BROKERS: env.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL };
  }
  const file = join(repoRoot, '.stack', 'endpoints.env');
  const text = readFileSync(file, 'utf8');
  const vars = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  for (const name of ['PG_URL', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) {
    if (!vars[name]) throw new Error(`${file} has no ${name}: start the stack (bash tooling/stack/stack.sh up)`);
  }
  return vars as unknown as Endpoints;
}
