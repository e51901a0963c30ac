// For tests and the benchmark only (`@buyonline/kafka-common/testing`); production code never
// imports it: reading back what the workers wrote, and the registry subjects they wrote under.
import { AvroJsonDeserializer, createRegistryClient } from './serde/schema-registry.ts';

export { subjectFor } from './serde/schema-registry.ts';

/** Decodes what the source worker produced (Confluent-framed Avro → JSON-ready values), as the sink worker does. */
export function topicDecoder(registryUrl: string): AvroJsonDeserializer {
  return new AvroJsonDeserializer(createRegistryClient(registryUrl));
}
