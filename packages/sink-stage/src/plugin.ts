import type { SinkPlugin } from '@buyonline/kafka-common';
import { stageSinkConfigSchema } from './config.ts';
import { LocalStage } from './local-stage.ts';
import { StageSinkTask } from './stage-sink-task.ts';

export const stageSinkPlugin: SinkPlugin<typeof stageSinkConfigSchema> = {
  name: 'stage',
  version: '0.1.0',
  kind: 'sink',
  description: 'Writes newline-delimited JSON files, exactly once per Kafka offset, into a stage.',
  configSchema: stageSinkConfigSchema,
  create(config, ctx) {
    return new StageSinkTask(config, new LocalStage(config.dir), ctx);
  },
};
