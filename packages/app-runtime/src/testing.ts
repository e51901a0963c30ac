// For tests, e2e and the benchmark only (`@buyonline/app-runtime/testing`; production code never
// imports it): the heap and malloc arenas the apps are run with, the checks the apps' tests make of their metric
// specs against the names their code emits, and the look into a config schema their env tests use.
export { emittedMetricNames } from './metric-usage.ts';
export { checkMetricSpecs } from './metrics.ts';
export { APP_MALLOC_ARENA_MAX, APP_NODE_OPTIONS } from './node-options.ts';
export { shortcutSpec } from './plugin-config.ts';
export { configKeys, fieldInfo, fieldSchema } from './schema-fields.ts';
