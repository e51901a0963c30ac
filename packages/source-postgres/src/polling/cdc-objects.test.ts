import { describe, expect, it } from 'vitest';
import { objectName } from '../index.ts';
import { cdcObjects } from './cdc-objects.ts';

describe('CDC object names', () => {
  it('keep the names the products table had', () => {
    expect(cdcObjects('products', ['id'])).toEqual({ trigger: 'products_cdc_stamp', index: 'products_cdc_txid_id_idx' });
    expect(cdcObjects('lines', ['order_id', 'sku']).index).toBe('lines_cdc_txid_order_id_sku_idx');
  });

  it('stay within 63 bytes and apart when long names share a prefix', () => {
    const a = objectName(`${'é'.repeat(30)}_one`, 'cdc_txid_id_idx');
    const b = objectName(`${'é'.repeat(30)}_two`, 'cdc_txid_id_idx');
    for (const name of [a, b]) {
      expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(63);
      expect(name.endsWith('_cdc_txid_id_idx')).toBe(true);
      expect(name.startsWith('éé')).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(objectName(`${'é'.repeat(30)}_one`, 'cdc_txid_id_idx')).toBe(a); // stable
  });
});
