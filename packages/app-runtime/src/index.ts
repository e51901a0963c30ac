export { type AppIdentity, sharedAppSettings } from './app-settings.ts';
export { envWithConfigFile, readEnvConfig, type EnvConfigOptions } from './env-config.ts';
export { envText, substituteEnv, type EnvValues } from './env-substitute.ts';
export { startHealthServer, type HealthServer, type HealthServerOptions, type HealthState } from './health-server.ts';
export { type LivenessCheck, LoopLiveness, type LoopLivenessOptions } from './loop-liveness.ts';
export { renderHelp, type HelpOptions, type HelpShortcutGroup } from './help.ts';
export { createLogger, LOG_LEVELS, type LogLevel } from './logger.ts';
export { APP_NODE_OPTIONS } from './node-options.ts';
export { emittedMetricNames } from './metric-usage.ts';
export { checkMetricSpecs, PrometheusMetrics } from './metrics.ts';
export { describeProgress, formatBytes, formatCount, formatDuration, ProgressMeter, type ProgressView } from './progress.ts';
export { ProgressBar, progressOutput, type ProgressBarOptions, type ProgressOutput } from './progress-bar.ts';
export { StatusBoard, type StatusUnitView, type StatusView } from './status-board.ts';
export { fetchStatus, printStatus, statusUrl } from './status-client.ts';
export { ProgressWatch, type ProgressWatchOptions } from './progress-watch.ts';
export { renderStatus } from './status-render.ts';
export { PIPELINE_APP_SECTIONS, PipelineFile, type PipelineAppSection, type PipelineSection } from './pipeline-file.ts';
export {
  buildPluginConfig,
  configOf,
  configureChain,
  configurePlugin,
  shortcutHints,
  shortcutSpec,
  type BuiltPlugin,
  type ConfiguredPlugin,
  type EnvShortcut,
  type EnvShortcuts,
  type EnvShortcutSpec,
  type PluginSettings,
} from './plugin-config.ts';
export { packageEntry, packageImporter, packageSearchPaths, type PackageImporterOptions } from './plugin-loader.ts';
export { runApp } from './run-app.ts';
export { configKeys, fieldInfo, fieldSchema, formatPath, unknownKeys, type FieldInfo } from './schema-fields.ts';
