import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Redacted } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { SdkSnowflakeClient, type SnowflakeSqlTarget } from '@buyonline/sink-stage/testing';
import { repoRoot } from './native-stack.ts';

/** The Snowflake emulator of the test command (tooling/fakesnow, on loopback). */
export const FAKESNOW_PORT = process.env.FAKESNOW_PORT ?? '28090';
export const FAKESNOW_URL = `http://127.0.0.1:${FAKESNOW_PORT}`;

/** Starts the emulator unless it runs (idempotent). */
export function fakesnowUp(): void {
  execFileSync('bash', [join(repoRoot, 'tooling', 'fakesnow', 'fakesnow.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FAKESNOW_PORT } });
}

/** The consumer's settings for a Snowflake stage on the emulator, loading what it delivers; each suite adds its table format. */
export function fakesnowStageEnv(database: string, target: SnowflakeSqlTarget): Record<string, string> {
  return {
    STAGE: 'snowflake',
    SNOWFLAKE_ACCESS_URL: FAKESNOW_URL,
    SNOWFLAKE_ACCOUNT: 'fakesnow',
    SNOWFLAKE_USERNAME: 'fake',
    SNOWFLAKE_PASSWORD: 'snow',
    SNOWFLAKE_DATABASE: database,
    SNOWFLAKE_SCHEMA: target.schema,
    SNOWFLAKE_STAGE: target.stageName,
    SNOWFLAKE_PATH_PREFIX: target.pathPrefix,
    SNOWFLAKE_PATH_STYLE: 'plain',
    SNOWFLAKE_LIST_WHOLE_STAGE: 'true',
    SNOWFLAKE_LOAD: 'true',
  };
}

/** A client of the emulator, as the test reads what the consumer wrote. */
export function fakesnowClient(database: string, schema: string): SdkSnowflakeClient {
  return new SdkSnowflakeClient({ account: 'fakesnow', username: 'fake', password: new Redacted('snow'), database, schema, accessUrl: FAKESNOW_URL }, noopContext().logger, 3);
}
