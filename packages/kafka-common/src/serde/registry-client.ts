// The client alone: the package's index also loads every rule executor and KMS driver (AWS, Azure, GCP, Vault SDKs), which we never use.
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
