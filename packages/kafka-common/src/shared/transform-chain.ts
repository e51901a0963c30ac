import { CdcError, DataError, describeError, type Transform, type TransformRecord } from '@buyonline/connect-api';

/** The record after each transform in order, or null when one dropped it. */
export function applyTransforms<R extends TransformRecord>(transforms: readonly Transform[], record: R): R | null {
  let current: R | null = record;
  for (const transform of transforms) {
    current = transform.apply(current);
    if (current === null) return null;
  }
  return current;
}

/**
 * What a transform's failure means: a bad record (its DataError, or any unexpected error on
 * this one record) is dead-lettered with the reason; a pipeline error (a ConfigError, a
 * connection error) is not about the record and stops or retries the worker instead.
 */
export function transformFailure(err: unknown): DataError {
  if (err instanceof DataError) return err;
  if (err instanceof CdcError) throw err;
  return new DataError(`transform failed: ${describeError(err)}`, { cause: err });
}
