// Usage: node bench/dist/profile-summary.js FILE.cpuprofile… [--top N] [--json]
import { parseArgs } from 'node:util';
import { renderProfileSummary, summarizeProfileFile } from '../report/profile-summary.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, json: { type: 'boolean' } } });
if (positionals.length === 0) {
  process.stderr.write('Usage: node bench/dist/profile-summary.js FILE.cpuprofile… [--top N] [--json]\n');
  process.exit(2);
}
const summaries = positionals.map((file) => summarizeProfileFile(file, Number(values.top)));
process.stdout.write(values.json ? `${JSON.stringify(summaries, null, 2)}\n` : `${summaries.map(renderProfileSummary).join('\n\n')}\n`);
