import type { Logger } from '@buyonline/connect-api';
import { CdcError, describeError } from '@buyonline/connect-api';

/**
 * Runs `main` with an AbortSignal that SIGTERM/SIGINT abort (drain, flush, commit, close);
 * a second signal exits at once. Exit codes: 0 ok, 1 failure, 2 bad configuration.
 */
export async function runApp(logger: Logger | undefined, main: (signal: AbortSignal) => Promise<number | void>): Promise<never> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger?.error({ signal: sig }, 'second signal: exiting without draining');
      process.exit(130);
    }
    logger?.info({ signal: sig }, 'signal received: draining');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let code = 0;
  try {
    code = (await main(controller.signal)) ?? 0;
  } catch (err) {
    // by code, not class: a plugin bundled with its own copy of connect-api throws its own ConfigError
    const errorCode = err instanceof CdcError ? err.code : (err as { code?: unknown } | null)?.code;
    code = errorCode === 'CONFIG_INVALID' ? 2 : 1;
    const message = describeError(err);
    if (logger) logger.error({ err: message, code: errorCode }, 'fatal');
    process.stderr.write(`error: ${message}\n`);
  }
  // process.exit drops what a pipe has not taken yet: a large report on stdout would be cut.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to the stream so far has been handed to the OS. */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write('', () => resolve())) stream.once('drain', () => resolve());
  });
}
