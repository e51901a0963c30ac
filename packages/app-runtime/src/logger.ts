import pino from 'pino';
import type { Logger } from '@buyonline/connect-api';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** JSON lines on stdout (pino); secrets are Redacted values and print as <redacted>. */
export function createLogger(name: string, level: LogLevel): Logger {
  return pino({ name, level, base: { app: name }, timestamp: pino.stdTimeFunctions.isoTime }) as unknown as Logger;
}
