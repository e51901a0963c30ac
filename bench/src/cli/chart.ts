// Usage: node bench/dist/chart.js [RESULT.json] [--out FILE.svg]   (defaults: bench/results/last-run.json → bench/results/chart.svg)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from '../report/chart.ts';
import type { BenchResult } from '../report/result.ts';
import { repoRoot } from '../setup/endpoints.ts';

const results = join(repoRoot, 'bench', 'results');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: join(results, 'chart.svg') } } });
const file = positionals[0] ?? join(results, 'last-run.json');
writeFileSync(values.out, renderChart(JSON.parse(readFileSync(file, 'utf8')) as BenchResult));
process.stdout.write(`${values.out}\n`);
