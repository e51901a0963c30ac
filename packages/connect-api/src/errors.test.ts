import { describe, expect, it } from 'vitest';
import { CdcError, ConfigError, ConnectionError, DataError, isRetriable } from './index.ts';

/** What another copy of this package (bundled into a plugin) makes: the same shape, its own classes. */
function foreign(name: string, code: string, retriable: boolean): Error {
  const err = new Error('from a bundled plugin');
  err.name = name;
  Object.assign(err, { code, retriable });
  Object.defineProperty(err, Symbol.for('buyonline.cdc-error'), { value: true });
  return err;
}

describe('CdcError across copies of the package', () => {
  it('is recognised by class and retried when it says so', () => {
    const connection = foreign('ConnectionError', 'CONNECTION_FAILED', true);
    expect(connection instanceof CdcError).toBe(true);
    expect(connection instanceof ConnectionError).toBe(true);
    expect(connection instanceof DataError).toBe(false);
    expect(isRetriable(connection)).toBe(true);
    expect(foreign('DataError', 'DATA_INVALID', false) instanceof DataError).toBe(true);
  });

  it('leaves ordinary errors alone and keeps the normal class checks', () => {
    const plain = Object.assign(new Error('x'), { name: 'ConfigError', code: 'CONFIG_INVALID' });
    expect(plain instanceof ConfigError).toBe(false);
    expect(new ConfigError('bad') instanceof CdcError).toBe(true);
    expect(new ConfigError('bad') instanceof DataError).toBe(false);
    expect(isRetriable(new ConnectionError('down'))).toBe(true);
  });
});
