/**
 * Test support (never imported by production code): a converted value written back the way
 * PostgreSQL prints it (DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601), written
 * independently of column-types.ts so that a round trip checks the conversion.
 */

const pad = (n: number | bigint, width: number) => String(n).padStart(width, '0');

/** Year, month, day of a day count since 1970 (H. Hinnant's civil_from_days; year 0 is 1 BC). */
function civil(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function ymd(days: number): { text: string; bc: boolean } {
  const [y, m, d] = civil(days);
  return { text: `${pad(y > 0 ? y : 1 - y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, bc: y <= 0 };
}

export function dateText(days: number): string {
  if (days === 2_147_483_647) return 'infinity';
  if (days === -2_147_483_648) return '-infinity';
  const { text, bc } = ymd(days);
  return bc ? `${text} BC` : text;
}

export function timeText(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros % 1_000_000;
  const hms = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  return fraction === 0 ? hms : `${hms}.${pad(fraction, 6).replace(/0+$/, '')}`;
}

export function timestampText(value: number | bigint, zoned: boolean): string {
  const micros = BigInt(value);
  if (micros === 9_223_372_036_854_775_807n) return 'infinity';
  if (micros === -9_223_372_036_854_775_808n) return '-infinity';
  let days = micros / 86_400_000_000n;
  let rest = micros % 86_400_000_000n;
  if (rest < 0n) {
    rest += 86_400_000_000n;
    days -= 1n;
  }
  const { text, bc } = ymd(Number(days));
  return `${text} ${timeText(Number(rest))}${zoned ? '+00' : ''}${bc ? ' BC' : ''}`;
}

/** An element of array_out's text: quoted when it is empty, "NULL", or holds a quote, backslash, brace, delimiter or space. */
function arrayElement(text: string, delimiter: string): string {
  const quote = text === '' || text.toUpperCase() === 'NULL' || /[{}"\\\s]/.test(text) || text.includes(delimiter);
  return quote ? `"${text.replace(/[\\"]/g, '\\$&')}"` : text;
}

export function arrayText(values: readonly unknown[], delimiter: string, element: (value: unknown) => string): string {
  return `{${values.map((v) => (v === null ? 'NULL' : arrayElement(element(v), delimiter))).join(delimiter)}}`;
}

/** The text PostgreSQL prints for a converted scalar of type `typeName`. */
export function scalarText(typeName: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeName === 'date') return dateText(value as number);
  if (typeName === 'time') return timeText(value as number);
  if (typeName === 'timestamp') return timestampText(value as number | bigint, false);
  if (typeName === 'timestamptz') return timestampText(value as number | bigint, true);
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new Error(`no text for ${typeName} value ${String(value)}`);
}
