import { join } from 'node:path';
import type { PluginContext, TopicPartitionRef } from '@buyonline/connect-api';
import type { StageSinkConfig } from './config.ts';
import { partitionPath, type StageFileRef, stageFileName } from './file-naming.ts';
import { createStageStore, snowflakeClientFor } from './plugin.ts';
import { remoteFileName, stageLocation } from './snowflake/sql.ts';

/** The last file the stage holds of one partition: its path (local) or stage location (Snowflake); null when it holds none. */
export interface LastStageFile extends TopicPartitionRef {
  lastFile: string | null;
}

/** The file holding the highest offsets (not the one that starts last). */
function lastOf(refs: readonly StageFileRef[]): StageFileRef | undefined {
  return refs.reduce<StageFileRef | undefined>((last, f) => (last === undefined || f.endOffset > last.endOffset ? f : last), undefined);
}

/**
 * What the stage holds last of each partition, as the sink lists its own files: the local
 * directory's `<topic>/partition=<p>/` folder, or (Snowflake) a LIST of the partition's stage
 * folder (the files uploaded, not the spool). Reads only: no object is created, nothing is claimed.
 */
export async function lastStageFiles(config: StageSinkConfig, ctx: PluginContext, partitions: readonly TopicPartitionRef[]): Promise<LastStageFile[]> {
  const read = config.stage === 'snowflake' ? { ...config, createObjects: false } : config;
  const client = read.stage === 'snowflake' ? snowflakeClientFor(read, ctx) : undefined;
  const store = createStageStore(read, ctx, client);
  try {
    const out: LastStageFile[] = [];
    for (const { topic, partition } of partitions) {
      const last = lastOf(await store.list(topic, partition));
      let lastFile: string | null = null;
      if (last) lastFile = read.stage === 'snowflake' ? `${stageLocation(read, topic, partition)}${remoteFileName(last)}` : join(read.dir, partitionPath(topic, partition), stageFileName(last));
      out.push({ topic, partition, lastFile });
    }
    return out;
  } finally {
    await client?.close();
  }
}
