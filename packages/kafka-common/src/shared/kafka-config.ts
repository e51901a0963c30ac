import { z } from 'zod';

/** Where a worker's clients connect, and as whom. */
export interface KafkaConfig {
  /** Bootstrap servers, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** Kafka client.id (and the stem of a helper consumer's group id). */
  clientId: string;
}

/** Comma-separated bootstrap servers → their list; an empty entry (`a:9092,,b:9092`, a trailing comma) is refused, not skipped. */
export const brokerList = z
  .string()
  .min(1)
  .refine((s) => s.split(',').every((b) => b.trim() !== ''), {
    error: (issue) => `empty entry in the comma-separated broker list ${JSON.stringify(issue.input)} (two commas in a row, or one at either end)`,
  })
  .transform((s) => s.split(',').map((b) => b.trim()));

/** The Kafka settings the apps take (both declare them through app-runtime's shared settings). */
export const kafkaConfigSchema = z.object({
  brokers: brokerList.describe('Comma-separated bootstrap servers, e.g. 127.0.0.1:9092'),
  clientId: z.string().min(1).default('buyonline-cdc').describe('Kafka client.id'),
});

/** Where the Schema Registry is. */
export const registryConfigSchema = z.object({
  url: z.url().describe('Confluent-compatible Schema Registry base URL (Apicurio: …/apis/ccompat/v7)'),
});
export type RegistryConfig = z.output<typeof registryConfigSchema>;
