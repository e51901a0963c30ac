import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@buyonline/connect-api';
import { describe, expect, it } from 'vitest';
import { setupStatements } from '../index.ts';
import { copyFileStatement, copyStatement, errorLocation, listStatement, parseListedFile, putStatement, qualifiedName, quoteIdent, quoteLiteral, remoteFileName, selectLoadedStatement, type SnowflakeSqlTarget, stageLocation, stageReference, tableExistsStatement } from './sql.ts';

const target: SnowflakeSqlTarget = {
  database: 'ANALYTICS',
  schema: 'cdc',
  stageName: 'BUYONLINE_CDC',
  pathPrefix: 'cdc',
  pathStyle: 'hive',
  targetTable: 'PRODUCTS_CHANGES',
  variantColumn: 'RECORD',
};
const ref = { topic: 'buyonline.public.products', partition: 2, startOffset: 100, endOffset: 199 };

describe('identifiers and literals', () => {
  it('quotes identifiers, doubling embedded quotes, keeping case', () => {
    expect(quoteIdent('products')).toBe('"products"');
    expect(quoteIdent('my "odd" name')).toBe('"my ""odd"" name"');
    expect(() => quoteIdent('')).toThrow(ConfigError);
  });
  it('quotes names with dots, upper case and unicode as one identifier each', () => {
    expect(quoteIdent('a.b')).toBe('"a.b"');
    expect(quoteIdent('PRODUCTS')).toBe('"PRODUCTS"');
    expect(quoteIdent('prodüct ✓')).toBe('"prodüct ✓"');
    expect(qualifiedName('DB', 'my.schema', 'Odd "T"')).toBe('"DB"."my.schema"."Odd ""T"""');
    expect(() => quoteIdent('a\0b')).toThrow(ConfigError);
  });
  it('escapes string literals', () => {
    expect(quoteLiteral("it's")).toBe("'it\\'s'");
    expect(quoteLiteral('a\\b')).toBe("'a\\\\b'");
  });
});

describe('stage references and paths', () => {
  it('names a named, a user and a table stage', () => {
    expect(stageReference(target)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"');
    expect(stageReference({ ...target, stageName: '~' })).toBe('@~');
    expect(stageReference({ ...target, stageName: '%PRODUCTS_CHANGES' })).toBe('@"ANALYTICS"."cdc".%"PRODUCTS_CHANGES"');
  });
  it('puts each partition in its own folder under the prefix, hive style or plain', () => {
    expect(stageLocation(target, ref.topic, 2)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"/cdc/buyonline.public.products/partition=2/');
    expect(stageLocation({ ...target, pathStyle: 'plain', pathPrefix: '/a/b/' }, ref.topic, 2)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"/a/b/buyonline.public.products/2/');
    expect(stageLocation({ ...target, pathPrefix: '' }, 't', 0)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"/t/partition=0/');
  });
  it('refuses paths that would need quoting or climb out of the prefix', () => {
    expect(() => stageLocation(target, "to'pic", 0)).toThrow(ConfigError);
    expect(() => stageLocation(target, 'a b', 0)).toThrow(ConfigError);
    expect(() => stageLocation({ ...target, pathPrefix: 'x/../y' }, 't', 0)).toThrow(ConfigError);
  });
});

describe('statements', () => {
  it('PUTs the spooled file under its deterministic name, compressed, without overwriting', () => {
    expect(putStatement('/var/spool/t/partition=2/f.jsonl', target, ref)).toBe(
      "PUT 'file:///var/spool/t/partition=2/f.jsonl' @\"ANALYTICS\".\"cdc\".\"BUYONLINE_CDC\"/cdc/buyonline.public.products/partition=2/ AUTO_COMPRESS=TRUE OVERWRITE=FALSE PARALLEL=1",
    );
    expect(() => putStatement('relative/f.jsonl', target, ref)).toThrow(ConfigError);
    expect(() => putStatement("/tmp/it's.jsonl", target, ref)).toThrow(ConfigError);
  });
  it('LISTs the partition folder, or the whole stage', () => {
    expect(listStatement(target, ref.topic, 2, false)).toBe('LIST @"ANALYTICS"."cdc"."BUYONLINE_CDC"/cdc/buyonline.public.products/partition=2/');
    expect(listStatement(target, ref.topic, 2, true)).toBe('LIST @"ANALYTICS"."cdc"."BUYONLINE_CDC"');
  });
  it('COPYs the partition folder as JSON into the target table, aborting on a bad file', () => {
    expect(copyStatement(target, ref.topic, 2)).toBe(
      'COPY INTO "ANALYTICS"."cdc"."PRODUCTS_CHANGES" FROM @"ANALYTICS"."cdc"."BUYONLINE_CDC"/cdc/buyonline.public.products/partition=2/ FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT',
    );
  });
  it('creates database, schema, stage, (when loading) the table and the claims table, idempotently', () => {
    expect(setupStatements(target, { load: true })).toEqual([
      'CREATE DATABASE IF NOT EXISTS "ANALYTICS"',
      'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."cdc"',
      'CREATE STAGE IF NOT EXISTS "ANALYTICS"."cdc"."BUYONLINE_CDC" FILE_FORMAT=(TYPE=JSON)',
      'CREATE TABLE IF NOT EXISTS "ANALYTICS"."cdc"."PRODUCTS_CHANGES" ("RECORD" VARIANT)',
      'CREATE TABLE IF NOT EXISTS "ANALYTICS"."cdc"."BUYONLINE_CDC_CLAIMS" ("RECORD" VARIANT)',
    ]);
    expect(setupStatements(target, { load: false })).toHaveLength(4);
    expect(setupStatements({ ...target, stageName: '~' }, { load: false })).toHaveLength(3);
    expect(tableExistsStatement(target)).toBe(
      `SELECT COUNT(*) AS "N" FROM "ANALYTICS".INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'cdc' AND TABLE_NAME = 'PRODUCTS_CHANGES'`,
    );
    expect(selectLoadedStatement(target)).toBe('SELECT "RECORD" AS "RECORD" FROM "ANALYTICS"."cdc"."PRODUCTS_CHANGES"');
  });
});

describe('file names in the stage', () => {
  const name = remoteFileName(ref);
  it('is the local name plus .gz', () => {
    expect(name).toBe('buyonline.public.products+2+00000000000000000100+00000000000000000199.jsonl.gz');
  });
  it('reads LIST rows back: named stages prefix the lower-cased stage name', () => {
    expect(parseListedFile(`buyonline_cdc/cdc/buyonline.public.products/partition=2/${name}`, target, ref.topic, 2)).toEqual(ref);
    expect(parseListedFile(`cdc/buyonline.public.products/partition=2/${name}`, { ...target, stageName: '~' }, ref.topic, 2)).toEqual(ref);
  });
  it('ignores other partitions, other prefixes, uncompressed and foreign files', () => {
    expect(parseListedFile(`buyonline_cdc/cdc/buyonline.public.products/partition=1/${name}`, target, ref.topic, 2)).toBeUndefined();
    expect(parseListedFile(`buyonline_cdc/x/cdc/buyonline.public.products/partition=2/${name}`, target, ref.topic, 2)).toBeUndefined();
    expect(parseListedFile(`buyonline_cdc/cdc/buyonline.public.products/partition=2/${name.slice(0, -3)}`, target, ref.topic, 2)).toBeUndefined();
    expect(parseListedFile('buyonline_cdc/cdc/buyonline.public.products/partition=2/notes.txt.gz', target, ref.topic, 2)).toBeUndefined();
    expect(parseListedFile(`buyonline_cdc/cdc/buyonline.public.products/2/${name}`, { ...target, pathStyle: 'plain' }, ref.topic, 2)).toEqual(ref);
  });

  it('loads one file by its full path, and puts refused files under <prefix>/_errors/', () => {
    const one = { topic: 'buyonline.public.products', partition: 2, startOffset: 10, endOffset: 19 };
    expect(copyFileStatement(target, one)).toBe(
      `COPY INTO "ANALYTICS"."cdc"."PRODUCTS_CHANGES" FROM @"ANALYTICS"."cdc"."BUYONLINE_CDC"/cdc/buyonline.public.products/partition=2/${remoteFileName(one)} FILE_FORMAT=(TYPE=JSON) ON_ERROR=ABORT_STATEMENT`,
    );
    expect(errorLocation(target, one.topic, 2)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"/cdc/_errors/buyonline.public.products/partition=2/');
    expect(errorLocation({ ...target, pathPrefix: '' }, one.topic, 2)).toBe('@"ANALYTICS"."cdc"."BUYONLINE_CDC"/_errors/buyonline.public.products/partition=2/');
  });
});

describe('one quoting helper for Snowflake', () => {
  it('no other file of the package quotes identifiers or literals itself', () => {
    const src = join(import.meta.dirname, '..');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== join('snowflake', 'sql.ts'));
    const inline = files.filter((f) => /replaceAll\('"', '""'\)|replaceAll\("'", "\\\\'"\)/.test(readFileSync(join(src, f), 'utf8')));
    expect(inline).toEqual([]);
  });
});
