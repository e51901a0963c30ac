/** The bookkeeping columns polling reads: the writing transaction and the row's version. */
export const CDC_TXID = 'cdc_txid';
export const CDC_VERSION = 'cdc_version';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

/** FNV-1a, 32 bits, as 8 hex digits: a short stable tag for a name that had to be shortened. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * `<table>_<suffix>`, or, when that exceeds 63 bytes, the table name cut short plus a hash of
 * the full name: PostgreSQL would silently truncate it, and two long table names sharing a
 * prefix would then share one index name (the second `CREATE INDEX IF NOT EXISTS` doing nothing).
 */
export function objectName(table: string, suffix: string): string {
  const full = `${table}_${suffix}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_IDENTIFIER_BYTES) return full;
  const tail = `_${shortHash(full)}_${suffix}`;
  let head = table;
  while (Buffer.byteLength(head + tail, 'utf8') > MAX_IDENTIFIER_BYTES) head = [...head].slice(0, -1).join('');
  return head + tail;
}

/** The objects `migrateTables` adds to a table, by name (the products table kept these names before). */
export interface CdcObjects {
  /** The row trigger stamping cdc_txid and cdc_version, and its function (same name, table's schema). */
  trigger: string;
  /** The index polling pages through: (cdc_txid, <primary key columns>). */
  index: string;
}

export function cdcObjects(table: string, keyColumns: readonly string[]): CdcObjects {
  return {
    trigger: objectName(table, 'cdc_stamp'),
    index: objectName(table, `cdc_txid_${keyColumns.join('_')}_idx`),
  };
}
