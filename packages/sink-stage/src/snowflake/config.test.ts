import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, Redacted } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { stageSinkConfigSchema } from '../config.ts';
import { connectionOptions } from './client.ts';

const base = { stage: 'snowflake', account: 'org-acct', username: 'loader', database: 'DB' };

describe('stage sink config', () => {
  it('defaults to the local stage when no stage is named', () => {
    const c = stageSinkConfigSchema.parse({ dir: '/tmp/x' });
    expect(c.stage).toBe('local');
  });
  it('parses a Snowflake config from environment strings, booleans included', () => {
    const c = stageSinkConfigSchema.parse({ ...base, password: 'pw', load: 'true', createObjects: '0', dryRun: 'false' });
    if (c.stage !== 'snowflake') throw new Error('expected snowflake');
    expect(c.load).toBe(true);
    expect(c.createObjects).toBe(false);
    expect(c.dryRun).toBe(false);
    expect(c.schema).toBe('PUBLIC');
    expect(c.pathStyle).toBe('hive');
    expect(c.password).toBeInstanceOf(Redacted);
  });
  it('never shows a secret in JSON, string or inspect output', () => {
    const c = stageSinkConfigSchema.parse({ ...base, password: 'hunter2-secret' });
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(inspect(c, { depth: 5 })).not.toContain('hunter2');
    expect(`${(c as { password: unknown }).password}`).not.toContain('hunter2');
  });
  it('needs exactly one of password and private key', () => {
    expect(stageSinkConfigSchema.safeParse(base).success).toBe(false);
    expect(stageSinkConfigSchema.safeParse({ ...base, password: 'a', privateKey: 'b' }).success).toBe(false);
    expect(stageSinkConfigSchema.safeParse({ ...base, stage: 'azure', password: 'a' }).success).toBe(false);
  });
});

describe('connectionOptions', () => {
  const auth = { account: 'org-acct', username: 'loader', database: 'DB', schema: 'PUBLIC' };
  it('password auth passes the password and the emulator URL', () => {
    const o = connectionOptions({ ...auth, password: new Redacted('pw'), accessUrl: 'http://127.0.0.1:28090', warehouse: 'WH' });
    expect(o).toMatchObject({ account: 'org-acct', username: 'loader', password: 'pw', accessUrl: 'http://127.0.0.1:28090', warehouse: 'WH' });
    expect(o.authenticator).toBeUndefined();
  });
  it('key-pair auth decrypts an encrypted key to PKCS#8 PEM for the SDK', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const o = connectionOptions({ ...auth, privateKey: new Redacted(privateKey), privateKeyPassphrase: new Redacted('open sesame') });
    expect(o.authenticator).toBe('SNOWFLAKE_JWT');
    expect(o.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(o.password).toBeUndefined();
  });
  it('a wrong passphrase is a ConfigError that does not echo the key', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    let caught: unknown;
    try {
      connectionOptions({ ...auth, privateKey: new Redacted(privateKey), privateKeyPassphrase: new Redacted('wrong') });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).not.toContain('PRIVATE KEY');
    expect((caught as Error).message).not.toContain('wrong');
  });
});

describe('a generic plugin: no demo default', () => {
  it('names no demo table among its defaults', () => {
    const c = stageSinkConfigSchema.parse({ ...base, password: 'pw', tableFormat: 'variant' });
    expect(JSON.stringify(c)).not.toMatch(/product/i);
    expect(c).not.toHaveProperty('targetTable');
  });

  it('loading the variant format without its table is an error naming targetTable', () => {
    const result = stageSinkConfigSchema.safeParse({ ...base, password: 'pw', tableFormat: 'variant', load: true });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['targetTable', 'required with tableFormat variant and load: the table every line is loaded into']]);
    expect(stageSinkConfigSchema.parse({ ...base, password: 'pw', tableFormat: 'variant', load: true, targetTable: 'CHANGES' })).toMatchObject({ targetTable: 'CHANGES' });
  });
});
