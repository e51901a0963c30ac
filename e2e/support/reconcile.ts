import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './native-stack.ts';
import type { Scenario } from './scenario.ts';

export interface ReconcileReport {
  equal: boolean;
  source: { rows: number; checksum: string };
  stage: { rows: number; checksum: string };
  /** Exact counts; the lists below hold the first keys of each kind (up to 1000), in id order. */
  counts: { missing: number; extra: number; differing: number };
  missing: string[];
  extra: string[];
  differing: { id: string; fields: string[] }[];
  lines: number;
  stageLabel: string;
}

export interface ReconcileRun {
  /** 0 equal, 3 mismatch, 1 failure, 2 bad configuration. */
  code: number | null;
  /** Undefined when the command failed before it could compare. */
  report: ReconcileReport | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node apps/consumer/dist/main.js reconcile --json` with the scenario's environment
 * (PG_URL, PG_TABLE, TOPIC, STAGE_DIR; `extra` adds e.g. STAGE=snowflake and SNOWFLAKE_*),
 * and returns its exit code and report. The output also goes to the scenario's log folder.
 */
export function runReconcile(scenario: Scenario, extra: Record<string, string> = {}, timeoutMs = 120_000): Promise<ReconcileRun> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PG_URL: scenario.endpoints.pgUrl,
    PG_TABLE: `${scenario.schema}.products`,
    KAFKA_BROKERS: scenario.endpoints.brokers,
    SCHEMA_REGISTRY_URL: scenario.endpoints.registryUrl,
    TOPIC: scenario.topic,
    STAGE_DIR: scenario.stageDir,
    ...extra,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'apps', 'consumer', 'dist', 'main.js'), 'reconcile', '--json'],
      { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        mkdirSync(scenario.logDir, { recursive: true });
        appendFileSync(join(scenario.logDir, 'reconcile.log'), `--- exit ${code}\n${stdout}${stderr}`);
        const line = stdout
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('{"reconcile"'));
        const report = line ? (JSON.parse(line) as { reconcile: ReconcileReport }).reconcile : undefined;
        resolve({ code, report, stdout, stderr });
      },
    );
  });
}

/** A table's verdict in `reconcile --json`. */
export interface ReconciledTable {
  schema: string;
  /** The table's name without its schema. */
  name: string;
  status: 'equal' | 'mismatch' | 'skipped';
  reason?: string;
  counts?: { missing: number; extra: number; differing: number };
  missing?: string[];
  extra?: string[];
  differing?: { id: string; fields: string[] }[];
}

/** `consumer reconcile --json` with a pipeline file to say what to compare (every table its source captures). */
export function runReconcileWithFile(
  pipelineFile: string,
  services: { pgUrl: string; brokers: string; registryUrl: string },
  logDir: string,
  timeoutMs = 120_000,
): Promise<{ code: number | null; tables: ReconciledTable[]; output: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PG_URL: services.pgUrl, KAFKA_BROKERS: services.brokers, SCHEMA_REGISTRY_URL: services.registryUrl, PIPELINE_FILE: pipelineFile };
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'apps', 'consumer', 'dist', 'main.js'), 'reconcile', '--json'], { env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(join(logDir, 'reconcile.log'), `--- exit ${err ? err.code : 0}\n${stdout}${stderr}`);
      const line = stdout.split('\n').find((l) => l.startsWith('{"reconcile"'));
      const tables = line ? (JSON.parse(line) as { reconcile: { tables: ReconciledTable[] } }).reconcile.tables : [];
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, tables, output: (stdout + stderr).slice(-3000) });
    });
  });
}
