/** LSNs arrive as `0/1535D40` or `00000000/01535F98`: compare them as 64-bit integers. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  if (hi === undefined || lo === undefined) throw new RangeError(`not an LSN: ${lsn}`);
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export function bigIntToLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Canonical text form (`0/1535D40`), so equal LSNs compare equal as strings too. */
export function normalizeLsn(lsn: string): string {
  return bigIntToLsn(lsnToBigInt(lsn));
}

export function compareLsn(a: string, b: string): number {
  const x = lsnToBigInt(a);
  const y = lsnToBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The position one byte after `lsn`: after everything at it, and at or before anything committed later. */
export function lsnAfter(lsn: string): string {
  return bigIntToLsn(lsnToBigInt(lsn) + 1n);
}
