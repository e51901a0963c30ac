import type { Logger } from './connector-api.ts';

/** A logger that drops every line: for code that must log somewhere but has nothing to say to anyone (a one-off read of a topic). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
