// Records per second through each transform and a chain of three, on one core:
// `bun scripts/bench.ts [records]`. The records are built up front; only apply() is timed.
import { parseConfig, type Transform, type TransformPlugin, type TransformRecord } from '@buyonline/connect-api';
import { noopContext } from '@buyonline/connect-api/testing';
import { columnsTransform } from '../src/columns.ts';
import { envelopeTransform } from '../src/envelope.ts';
import { filterTransform } from '../src/filter.ts';
import { maskTransform } from '../src/mask.ts';
import { renameTransform } from '../src/rename.ts';
import { routeTransform } from '../src/route.ts';
import { change, customerRow } from '../src/testing/fixtures.ts';

const count = Number(process.argv[2] ?? 200_000);
/** A deep copy that is not frozen (the fixtures freeze theirs; the source's records are not), schemas shared. */
function thaw(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(thaw);
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'valueSchema' || k === 'keySchema' ? v : thaw(v)]));
}
const records = Array.from(
  { length: count },
  (_, i) => thaw(change(i % 3 === 0 ? 'c' : 'u', customerRow({ id: i }), customerRow({ id: i, balance: `${i}.25` }))) as TransformRecord,
);

function make(plugin: TransformPlugin, config: unknown): Transform {
  return plugin.create(parseConfig(plugin.configSchema, config), noopContext());
}

function run(name: string, transforms: Transform[]): void {
  const apply = (r: TransformRecord) => transforms.reduce<TransformRecord | null>((cur, t) => (cur === null ? null : t.apply(cur)), r);
  for (let i = 0; i < 20_000; i++) apply(records[i % count] as TransformRecord); // warm-up
  const start = performance.now();
  let kept = 0;
  for (const record of records) if (apply(record) !== null) kept++;
  const seconds = (performance.now() - start) / 1000;
  console.log(`${name.padEnd(40)} ${Math.round(count / seconds).toLocaleString('en').padStart(12)} records/s  (${kept} kept)`);
}

run('columns drop [photo, tags]', [make(columnsTransform, { drop: ['photo', 'tags'] })]);
run('mask hash [email]', [make(maskTransform, { columns: ['email'] })]);
run('mask redact [email]', [make(maskTransform, { columns: ['email'], method: 'redact' })]);
run('rename {name: full_name}', [make(renameTransform, { fields: { name: 'full_name' } })]);
run('filter ops [c] + balance > 1000', [make(filterTransform, { ops: ['c', 'u'], where: { column: 'balance', operator: 'gt', value: 1000 } })]);
run('route {schema}.{table}', [make(routeTransform, { template: 'lake.{schema}.{table}' })]);
run('envelope debezium', [make(envelopeTransform, { format: 'debezium' })]);
run('envelope flatten', [make(envelopeTransform, { format: 'flatten' })]);
run('chain: filter + mask hash + route', [
  make(filterTransform, { ops: ['c', 'u'], where: { column: 'status', operator: 'eq', value: 'active' } }),
  make(maskTransform, { columns: ['email'] }),
  make(routeTransform, { template: 'lake.{schema}.{table}' }),
]);
