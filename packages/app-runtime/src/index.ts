// The door: what the two apps use (settings, environment and pipeline-file config, help,
// logger, metrics, health and status, progress, plugin loading, the run loop). Helpers that
// only tests, e2e and the benchmark use are behind `./testing` (testing.ts).
export { sharedAppSettings } from './app-settings.ts';
export { envWithConfigFile, readEnvConfig } from './env-config.ts';
export { envText, type EnvValues } from './env-substitute.ts';
export { startHealthServer } from './health-server.ts';
export { renderHelp } from './help.ts';
export { createLogger, type LogLevel } from './logger.ts';
export { PrometheusMetrics } from './metrics.ts';
export { formatCount } from './progress.ts';
export { ProgressBar } from './progress-bar.ts';
export { StatusBoard } from './status-board.ts';
export { printStatus, statusUrl } from './status-client.ts';
export { ProgressWatch } from './progress-watch.ts';
export { PipelineFile } from './pipeline-file.ts';
export { buildPluginConfig, configOf, configureChain, configurePlugin, shortcutHints, type ConfiguredPlugin, type EnvShortcuts } from './plugin-config.ts';
export { packageImporter } from './plugin-loader.ts';
export { runApp } from './run-app.ts';
