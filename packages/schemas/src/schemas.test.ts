import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { productKeySchema, productValueSchema } from './index.ts';

describe('products Avro schemas', () => {
  it('are valid Avro and keep price as decimal(12,2), timestamps as timestamp-micros', () => {
    const value = avro.Type.forSchema(productValueSchema as unknown as avro.Schema, { wrapUnions: false });
    const key = avro.Type.forSchema(productKeySchema as unknown as avro.Schema);
    expect(JSON.stringify(key.schema())).toContain('"id"');
    const product = productValueSchema.fields[1].type[1];
    expect(product.fields.find((f) => f.name === 'price')?.type).toEqual({
      type: 'bytes',
      logicalType: 'decimal',
      precision: 12,
      scale: 2,
    });
    expect(value.name).toBe('com.buyonline.products.ProductChange');
    expect(JSON.stringify(productValueSchema)).toContain('"logicalType":"timestamp-micros"');
  });

  it('name the subjects records by their full name', () => {
    expect(`${productValueSchema.namespace}.${productValueSchema.name}`).toBe('com.buyonline.products.ProductChange');
  });
});
