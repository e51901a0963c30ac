import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints } from './endpoints.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** Starts (or reuses) the project's native stack: PostgreSQL, Kafka, Apicurio on loopback. */
export function startNativeStack(): Endpoints {
  execFileSync('bash', [join(repoRoot, 'tooling', 'stack', 'stack.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const env = Object.fromEntries(
    readFileSync(join(repoRoot, '.stack', 'endpoints.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const { PG_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = env;
  if (!PG_URL || !KAFKA_BROKERS || !SCHEMA_REGISTRY_URL) throw new Error('.stack/endpoints.env is incomplete: run `bun run stack up`');
  return { pgUrl: PG_URL, brokers: KAFKA_BROKERS, registryUrl: SCHEMA_REGISTRY_URL, provider: 'native' };
}
