// The client's own module, not the package's index: the index also loads every rule executor and
// KMS driver (AWS, Azure, GCP, Vault SDKs), which we never use — measured, the producer's bundle
// 2.9 → 12.4 MB and its RSS at start 71 → 132 MB through the index, a fifth of the 128 MB heap the
// images give. The package (exact version in bun.lock) has no `exports` map, so this path is
// reachable but not promised: this file is the only place that names it, and typecheck fails the
// day an upgrade moves it.
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';

/** The Schema Registry client the serdes talk through (the one place that names the library). */
export type RegistryClient = SchemaRegistryClient;

export type SubjectRole = 'key' | 'value';

export function subjectFor(topic: string, role: SubjectRole): string {
  return `${topic}-${role}`;
}

/** How long one registry request may take before it counts as an outage. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * A client that gives up on a request after REQUEST_TIMEOUT_MS (axios' default is never) and
 * retries a failed request only briefly itself: the callers wait out longer outages with their
 * own backoff, so that they can log them, report them and stop on shutdown. Successful answers
 * only are cached, so a call after a failure really asks the registry again.
 */
export function createRegistryClient(url: string, options: { timeoutMs?: number } = {}): RegistryClient {
  return new SchemaRegistryClient({
    baseURLs: [url],
    cacheCapacity: 1000,
    createAxiosDefaults: { timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS },
    maxRetries: 1,
    retriesWaitMs: 200,
    retriesMaxWaitMs: 1000,
  });
}
