import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as door from './index.ts';

describe("source-postgres's door", () => {
  it('publishes what the producer and reconcile use: the plugin, table names, slot and snapshot commands, the polling migration, identifier quoting', () => {
    expect(Object.keys(door).sort()).toEqual([
      'SnapshotVisibility',
      'capturePartitions',
      'dropSlot',
      'migrateTables',
      'objectName',
      'postgresSourcePlugin',
      'qualified',
      'qualifiedTable',
      'quoteIdent',
      'requestSnapshot',
      'resolveTables',
      'tableName',
      'topicFor',
    ]);
  });

  it('has no other entry point: internals stay blocked', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(manifest.exports)).toEqual(['.', './internal/*']);
    expect(manifest.exports['./internal/*']).toBeNull();
  });
});
