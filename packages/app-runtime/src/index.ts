export { parsePluginConfig, readEnvConfig } from './env-config.ts';
export { startHealthServer, type HealthServer, type HealthState } from './health-server.ts';
export { renderHelp } from './help.ts';
export { createLogger, type LogLevel } from './logger.ts';
export { PrometheusMetrics } from './metrics.ts';
export { runApp } from './run-app.ts';
