import type { TestProject } from 'vitest/node';
import { dockerAnswers, startContainers } from './containers.ts';
import type { Endpoints } from './endpoints.ts';
import { startNativeStack } from './native-stack.ts';

/**
 * Services, in order: endpoints given in the environment (PG_URL, KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL); testcontainers when a Docker daemon answers (E2E_PROVIDER=native
 * skips it); otherwise the project's native stack.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { PG_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, E2E_PROVIDER } = process.env;
  let endpoints: Endpoints;
  let teardown = async (): Promise<void> => undefined;
  if (PG_URL && KAFKA_BROKERS && SCHEMA_REGISTRY_URL && E2E_PROVIDER !== 'native' && E2E_PROVIDER !== 'containers') {
    endpoints = { pgUrl: PG_URL, brokers: KAFKA_BROKERS, registryUrl: SCHEMA_REGISTRY_URL, provider: 'environment' };
  } else if (E2E_PROVIDER !== 'native' && (await dockerAnswers())) {
    const stack = await startContainers();
    endpoints = stack.endpoints;
    teardown = stack.stop;
  } else {
    endpoints = startNativeStack();
  }
  process.stdout.write(`[e2e] services from ${endpoints.provider}: ${JSON.stringify(endpoints)}\n`);
  project.provide('endpoints', endpoints);
  return teardown;
}
