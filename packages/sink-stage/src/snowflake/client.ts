import { createPrivateKey } from 'node:crypto';
import { Backoff, ConfigError, type Logger, type Redacted, sleep } from '@buyonline/connect-api';
import type snowflake from 'snowflake-sdk';
import { classifySnowflakeError } from './errors.ts';

export type Row = Record<string, unknown>;

/** The few things the stage asks of Snowflake: run one statement, get its rows. */
export interface SnowflakeClient {
  readonly dryRun: boolean;
  execute(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

export interface SnowflakeAuth {
  account: string;
  username: string;
  password?: Redacted<string> | undefined;
  privateKey?: Redacted<string> | undefined;
  privateKeyPassphrase?: Redacted<string> | undefined;
  warehouse?: string | undefined;
  database: string;
  schema: string;
  role?: string | undefined;
  accessUrl?: string | undefined;
}

/**
 * snowflake-sdk connection options. A private key is decrypted here (PKCS#8 PEM out), so an
 * encrypted key and its passphrase never reach the SDK or a log line.
 */
export function connectionOptions(auth: SnowflakeAuth): snowflake.ConnectionOptions {
  const options: snowflake.ConnectionOptions = {
    account: auth.account,
    username: auth.username,
    database: auth.database,
    schema: auth.schema,
    application: 'buyonline-cdc',
    clientSessionKeepAlive: true,
    // the SDK's own login retries run for minutes; ours (with backoff, bounded) decide instead
    sfRetryMaxLoginRetries: 1,
  };
  if (auth.warehouse) options.warehouse = auth.warehouse;
  if (auth.role) options.role = auth.role;
  if (auth.accessUrl) options.accessUrl = auth.accessUrl;
  if (auth.privateKey) {
    let pem: string;
    try {
      const passphrase = auth.privateKeyPassphrase?.reveal();
      const key = createPrivateKey(passphrase === undefined ? { key: auth.privateKey.reveal() } : { key: auth.privateKey.reveal(), passphrase });
      pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
    } catch (err) {
      // the message of a crypto error names no key material; keep only that
      throw new ConfigError(`SNOWFLAKE_PRIVATE_KEY cannot be read (${(err as Error).message}); a PEM key, and its passphrase if encrypted`);
    }
    options.authenticator = 'SNOWFLAKE_JWT';
    options.privateKey = pem;
  } else if (auth.password) {
    options.password = auth.password.reveal();
  } else {
    throw new ConfigError('Snowflake needs a password or a private key');
  }
  return options;
}

let sdk: Promise<typeof snowflake> | undefined;
/** Loaded on first use: a consumer on the local stage never pays for the SDK (and its AWS/Azure clients). */
function loadSdk(): Promise<typeof snowflake> {
  sdk ??= import('snowflake-sdk').then((mod) => {
    const lib = ((mod as { default?: typeof snowflake }).default ?? mod) as typeof snowflake;
    // The SDK writes its own log file in the working directory unless told otherwise.
    lib.configure({ logLevel: 'OFF', additionalLogToConsole: false });
    return lib;
  });
  return sdk;
}

/**
 * One snowflake-sdk connection, opened on first use. Retriable failures (network, server,
 * expired session) are retried with backoff up to `attempts` times, reconnecting in between;
 * every statement the stage runs is idempotent (PUT of a deterministic name, LIST, COPY with
 * load history, CREATE … IF NOT EXISTS), so a retry cannot double anything.
 */
export class SdkSnowflakeClient implements SnowflakeClient {
  readonly dryRun = false;
  private connection: snowflake.Connection | undefined;

  constructor(
    private readonly auth: SnowflakeAuth,
    private readonly logger: Logger,
    private readonly attempts = 6,
    private readonly backoff = new Backoff(500, 15_000),
  ) {}

  private async connect(): Promise<snowflake.Connection> {
    if (this.connection?.isUp()) return this.connection;
    const lib = await loadSdk();
    const connection = lib.createConnection(connectionOptions(this.auth));
    await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(classifySnowflakeError(err, 'login')) : resolve())));
    this.connection = connection;
    this.logger.info({ account: this.auth.account, user: this.auth.username, accessUrl: this.auth.accessUrl }, 'connected to Snowflake');
    return connection;
  }

  private run(connection: snowflake.Connection, sqlText: string): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      connection.execute({
        sqlText,
        complete: (err, _stmt, rows) => (err ? reject(classifySnowflakeError(err, firstWords(sqlText))) : resolve((rows ?? []) as Row[])),
      }),
    );
  }

  async execute(sql: string): Promise<Row[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.run(await this.connect(), sql);
        this.backoff.reset();
        return rows;
      } catch (raw) {
        const err = classifySnowflakeError(raw, firstWords(sql));
        if (!err.retriable || attempt >= this.attempts) throw err;
        const wait = this.backoff.next();
        this.logger.warn({ err: err.message, attempt, retryInMs: wait }, 'Snowflake call failed; retrying');
        await this.dropConnection();
        await sleep(wait);
      }
    }
  }

  private async dropConnection(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    if (c?.isUp()) await new Promise<void>((resolve) => c.destroy(() => resolve()));
  }

  async close(): Promise<void> {
    await this.dropConnection();
  }
}

/** Prints (logs) each statement instead of running it; LIST finds nothing. */
export class DryRunClient implements SnowflakeClient {
  readonly dryRun = true;
  readonly statements: string[] = [];
  constructor(private readonly print: (sql: string) => void) {}
  async execute(sql: string): Promise<Row[]> {
    this.statements.push(sql);
    this.print(sql);
    return [];
  }
  async close(): Promise<void> {}
}

/** The statement's kind and object, for error messages (never the whole text, never binds). */
export function firstWords(sql: string): string {
  return sql.replace(/'file:\/\/[^']*'/, "'file://…'").split(/\s+/).slice(0, 4).join(' ');
}
