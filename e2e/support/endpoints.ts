/** Where the e2e suite's services are, and who started them. */
export interface Endpoints {
  pgUrl: string;
  brokers: string;
  registryUrl: string;
  provider: 'environment' | 'testcontainers' | 'native';
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: Endpoints;
  }
}
