import { ConfigError, type PluginContext } from '@buyonline/connect-api';
import { readStageLines, type StageLine, type StageSinkConfig } from '@buyonline/sink-stage';

/**
 * What the stage holds for the topics, as stage lines (sink-stage's readStageLines). With
 * Snowflake, the tables COPY INTO fills, which both tools need loaded:
 * - `reconcile` compares latest states: typed tables through their current-state tables
 *   (`<table>_CURRENT`, which SNOWFLAKE_MERGE=true keeps);
 * - `verify` compares at a point, so it needs every version with its source LSN and txid: the
 *   VARIANT table, or the typed change tables (never `_CURRENT`, whose row of a key may be newer
 *   than the point; the merge is not needed).
 */
export function readStageLinesFor(sink: StageSinkConfig, topics: readonly string[], ctx: PluginContext, tool: 'reconcile' | 'verify' = 'reconcile'): AsyncIterable<StageLine> {
  if (sink.stage === 'snowflake') {
    if (!sink.load) throw new ConfigError(`${tool} reads the tables COPY INTO fills: set SNOWFLAKE_LOAD=true`);
    if (sink.dryRun) throw new ConfigError(`${tool} cannot run with SNOWFLAKE_DRY_RUN=true`);
    if (tool === 'reconcile' && sink.tableFormat === 'typed' && !sink.merge) {
      throw new ConfigError('reconcile compares typed tables through their current-state tables: set SNOWFLAKE_MERGE=true (or SNOWFLAKE_TABLE_FORMAT=variant)');
    }
  }
  return readStageLines(sink, topics, ctx, tool === 'verify' ? 'changes' : 'current');
}
