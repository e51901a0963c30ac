// For tests and the benchmark only (`@buyonline/kafka-common/testing`); production code never
// imports it: reading back what the workers wrote, and the registry subjects they wrote under.
import { AvroJsonDeserializer } from './serde/avro-json-deserializer.ts';
import { createRegistryClient } from './serde/registry-client.ts';

export { subjectFor } from './serde/registry-client.ts';

/** Decodes what the source worker produced (Confluent-framed Avro → JSON-ready values), as the sink worker does. */
export function topicDecoder(registryUrl: string): AvroJsonDeserializer {
  return new AvroJsonDeserializer(createRegistryClient(registryUrl));
}
