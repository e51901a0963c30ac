import pino from 'pino';
import type { Logger } from '@buyonline/connect-api';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** JSON lines on stdout (pino); secrets are Redacted values and print as <redacted>. */
export function createLogger(name: string, level: LogLevel): Logger {
  return pino({ name, level, base: { app: name }, timestamp: pino.stdTimeFunctions.isoTime }) as unknown as Logger;
}
