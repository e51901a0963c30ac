import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { renderHelp } from './index.ts';
import { pgLikeSchema } from './test-fixtures.ts';

describe('renderHelp', () => {
  it('documents the app settings and each plugin variable from the schema of the key it sets', () => {
    const appSchema = z.object({
      KAFKA_BROKERS: z.string().describe('Kafka bootstrap servers.'),
      HEALTH_PORT: z.coerce.number().default(8088).describe('Port of /health.'),
      TRANSACTIONAL_ID: z.string().optional().describe('Kafka transactional.id.'),
    });
    const text = renderHelp('Usage: app [run]', { run: 'run it' }, appSchema, {
      options: { '--pipeline FILE': 'pipeline file (YAML or JSON)' },
      shortcuts: [{ title: 'Source "postgres" (pipeline file: source)', path: 'source', configSchema: pgLikeSchema, shortcuts: { PG_URL: 'url', PG_TABLE: { key: 'tables', default: 'public.products' }, SLOT_NAME: 'slot', PG_TABLE_REGEX: 'tableRegex', PG_URL_FILE: { key: 'url', help: 'File holding the URL.' } } }],
    });
    expect(text).toBe(
      [
        'Usage: app [run]',
        '',
        'Commands:',
        '  run        run it',
        '',
        'Options:',
        '  --pipeline FILE  pipeline file (YAML or JSON)',
        '  --config FILE    JSON file with any of the settings below, by variable name (the environment wins)',
        '  --help           this text',
        '',
        'Settings (environment variables):',
        '  KAFKA_BROKERS        Kafka bootstrap servers. (required)',
        '  HEALTH_PORT          Port of /health. [default: 8088]',
        '  TRANSACTIONAL_ID     Kafka transactional.id.',
        '',
        'Source "postgres" (pipeline file: source):',
        '  PG_URL               Connection URL; a secret. (source.url) (required)',
        '  PG_TABLE             Captured tables, <schema>.<table>. (source.tables) [default: public.products; with a pipeline file: none]',
        '  SLOT_NAME            Replication slot. (source.slot) [default: buyonline_cdc]',
        '  PG_TABLE_REGEX       Also capture the tables matching this. (source.tableRegex)',
        '  PG_URL_FILE          File holding the URL. (source.url) (required)',
        '',
      ].join('\n'),
    );
  });
});
