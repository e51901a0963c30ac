import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStageFileName } from '@buyonline/sink-stage/testing';

/**
 * One stage line: the row's fields, then `__op` (`r`, `c`, `u`, `d`; `t` for a TRUNCATE of the
 * table, which carries no row), `__deleted`, `__source` (position at the source) and `__kafka`.
 */
export interface StageLine {
  id: number;
  name: string;
  category: string | null;
  price: string;
  updated_timestamp: string;
  __op: string;
  __deleted: boolean;
  __source: { txid: number | null; lsn: string | null; position: string } | null;
  __kafka: { topic: string; partition: number; offset: number; key: { id: number } };
  file: string;
}

export interface StageContents {
  lines: StageLine[];
  files: string[];
  tempFiles: string[];
}

/** Every line of every finished file of `topic` in the stage; also lists leftover temp files. */
export function readStage(root: string, topic: string): StageContents {
  const lines: StageLine[] = [];
  const files: string[] = [];
  const tempFiles: string[] = [];
  const topicDir = join(root, topic);
  if (!existsSync(topicDir)) return { lines, files, tempFiles };
  for (const partitionDir of readdirSync(topicDir)) {
    for (const name of readdirSync(join(topicDir, partitionDir))) {
      if (name.endsWith('.tmp')) {
        tempFiles.push(name);
        continue;
      }
      const ref = parseStageFileName(name);
      if (!ref) continue;
      files.push(name);
      const text = readFileSync(join(topicDir, partitionDir, name), 'utf8');
      for (const raw of text.split('\n')) {
        if (raw) lines.push({ ...(JSON.parse(raw) as Omit<StageLine, 'file'>), file: name });
      }
    }
  }
  return { lines, files, tempFiles };
}
