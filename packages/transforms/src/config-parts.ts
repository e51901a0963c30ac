import { z } from 'zod';
import { AVRO_NAME } from './row-schema.ts';

/** A JavaScript regular expression, checked when the configuration is read. */
export const regexText = z
  .string()
  .min(1)
  .refine(
    (text) => {
      try {
        new RegExp(text);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'not a valid regular expression' },
  );

/** A column of the row (an Avro field name, as the source names it). */
export const columnName = z.string().regex(AVRO_NAME, 'expected a column name: letters, digits and _, not starting with a digit');

/** A non-empty list of distinct column names. */
export function columnList(what: string) {
  return z
    .array(columnName)
    .min(1, `list at least one column to ${what}`)
    .refine((names) => new Set(names).size === names.length, { error: 'a column is listed twice' });
}
