import { ConfigError, type PluginContext } from '@buyonline/connect-api';
import { readStageLines, type StageLine, type StageSinkConfig } from '@buyonline/sink-stage';

/**
 * What the stage holds for the topics, as stage lines (sink-stage's readStageLines): with
 * Snowflake, the tables COPY INTO fills, which reconcile needs loaded (and, typed, merged into
 * their current-state tables).
 */
export function readStageLinesFor(sink: StageSinkConfig, topics: readonly string[], ctx: PluginContext): AsyncIterable<StageLine> {
  if (sink.stage === 'snowflake') {
    if (!sink.load) throw new ConfigError('reconcile reads the tables COPY INTO fills: set SNOWFLAKE_LOAD=true');
    if (sink.dryRun) throw new ConfigError('reconcile cannot run with SNOWFLAKE_DRY_RUN=true');
    if (sink.tableFormat === 'typed' && !sink.merge) {
      throw new ConfigError('reconcile compares typed tables through their current-state tables: set SNOWFLAKE_MERGE=true (or SNOWFLAKE_TABLE_FORMAT=variant)');
    }
  }
  return readStageLines(sink, topics, ctx);
}
