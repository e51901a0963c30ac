import type { AvroSchema } from '@buyonline/connect-api';

/**
 * What a transform derives from an input schema, built once per schema object: the source hands
 * the same schema object with every record of a table, and the registry serde caches by identity,
 * so the same input object must always give the same output object.
 */
export class SchemaCache<T, Context = undefined> {
  readonly #derived = new WeakMap<AvroSchema, T>();

  constructor(private readonly build: (schema: AvroSchema, context: Context) => T) {}

  /** What `build` made of this schema object; `context` (the record at hand) is read on the first call only. */
  get(schema: AvroSchema, context: Context): T {
    let derived = this.#derived.get(schema);
    if (derived === undefined) {
      derived = this.build(schema, context);
      this.#derived.set(schema, derived);
    }
    return derived;
  }
}

/** A Map that forgets everything when it grows past `limit` (topic names, routes: a handful in practice). */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(private readonly limit = 10_000) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, value);
  }
}
