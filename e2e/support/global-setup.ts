import type { TestProject } from 'vitest/node';
import { type ContainerNetwork, dockerProblem, startContainers } from './containers.ts';
import type { Endpoints } from './endpoints.ts';
import { startNativeStack } from './native-stack.ts';

/**
 * Where the services come from, by E2E_PROVIDER:
 * - `containers`: testcontainers (images from E2E_IMAGE_*); fails when no Docker engine answers;
 * - `native`: the project's native stack (tooling/stack/stack.sh);
 * - unset: endpoints given in the environment (PG_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL), else
 *   testcontainers when a Docker engine answers, else the native stack.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { PG_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, E2E_PROVIDER } = process.env;
  if (E2E_PROVIDER && E2E_PROVIDER !== 'containers' && E2E_PROVIDER !== 'native') {
    throw new Error(`E2E_PROVIDER=${E2E_PROVIDER}: expected "containers", "native" or unset`);
  }
  let endpoints: Endpoints;
  let network: ContainerNetwork | null = null;
  let teardown = async (): Promise<void> => undefined;
  const problem = E2E_PROVIDER === 'native' ? 'E2E_PROVIDER=native' : await dockerProblem();
  if (E2E_PROVIDER === 'containers' && problem) {
    throw new Error(`E2E_PROVIDER=containers but no Docker engine answers (${problem}); run \`bash tooling/docker/docker.sh up\` and \`eval "$(bash tooling/docker/docker.sh env | sed 's/^/export /')"\``);
  }
  if (!E2E_PROVIDER && PG_URL && KAFKA_BROKERS && SCHEMA_REGISTRY_URL) {
    endpoints = { pgUrl: PG_URL, brokers: KAFKA_BROKERS, registryUrl: SCHEMA_REGISTRY_URL, provider: 'environment' };
  } else if (E2E_PROVIDER === 'containers' || (E2E_PROVIDER !== 'native' && !problem)) {
    const started = Date.now();
    const stack = await startContainers();
    process.stdout.write(`[e2e] containers started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    endpoints = stack.endpoints;
    network = stack.network;
    teardown = stack.stop;
  } else {
    endpoints = startNativeStack();
  }
  process.stdout.write(`[e2e] services from ${endpoints.provider}: ${JSON.stringify(endpoints)}\n`);
  project.provide('endpoints', endpoints);
  project.provide('containerNetwork', network);
  return teardown;
}
