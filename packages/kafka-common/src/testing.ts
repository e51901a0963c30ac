import type { Logger, Metrics, PluginContext } from './connector-api.ts';

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

const noMetrics: Metrics = { count: () => undefined, gauge: () => undefined, observe: () => undefined };

/** A context that logs and measures nothing: for tests and tools. */
export function noopContext(now: () => number = Date.now): PluginContext {
  return { logger: silentLogger, metrics: noMetrics, now };
}
