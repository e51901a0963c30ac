// Usage: node bench/dist/dashboard.js [--rows N] [--rate ROWS_PER_S] [--seconds S] [--out DIR]
// A short pipeline run on the native stack (snapshot of N rows, then paced updates, then a burst),
// its apps' /metrics scraped every second, drawn as the Grafana dashboard's panels:
// DIR/dashboard.svg (the README's picture), DIR/dashboard-run.json (the series drawn, and the run),
// and DIR/buyonline-cdc.json (the dashboard to import into Grafana).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { evaluate, type Scrape } from '../dashboard/evaluate.ts';
import { grafanaDashboard } from '../dashboard/grafana.ts';
import { PANELS } from '../dashboard/panels.ts';
import { parsePromText } from '../dashboard/prom-text.ts';
import { renderDashboard } from '../dashboard/svg.ts';
import { consumerEnv, producerEnv } from '../pipeline/app-env.ts';
import { paced, flatOut, UpdatePlan } from '../pipeline/update-load.ts';
import { NodeApp, runApp, stopRunningApps } from '../process/node-app.ts';
import { endpoints, repoRoot } from '../setup/endpoints.ts';
import { benchNames } from '../setup/names.ts';
import { dropEverything } from '../setup/scratch.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    out: { type: 'string', default: join(repoRoot, 'docs', 'grafana') },
  },
});
const rows = Number(values.rows);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface StatusUnit {
  kind: string;
  phase?: string;
  lagMessages?: number;
}

async function statusUnits(port: number): Promise<StatusUnit[]> {
  const res = await fetch(`http://127.0.0.1:${port}/status`).catch(() => undefined);
  if (!res?.ok) return [];
  return ((await res.json()) as { units: StatusUnit[] }).units;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const env = endpoints();
const names = benchNames(`dash_${Date.now().toString(36)}`);
const stageDir = mkdtempSync(join(tmpdir(), 'buyonline-dashboard-'));
const sql = postgres(env.PG_URL, { max: 4, onnotice: () => undefined });
const marks: { at: number; what: string }[] = [];
try {
  const [producerPort, consumerPort] = [await freePort(), await freePort()];
  await runApp('producer', ['seed', '--rows', String(rows)], { env: producerEnv(env, names) });
  await sql.unsafe(`analyze "${names.schema}".products`); // the snapshot's estimated total (pg_class.reltuples)
  const started = Date.now();
  const load1 = loadavg()[0] ?? 0;
  const scrapes: Scrape[] = [];
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      const t = Date.now();
      const texts = await Promise.all([producerPort, consumerPort].map((port) => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '')));
      // drawn from the first scrape both apps answered
      if (scrapes.length > 0 || texts.every((text) => text !== '')) scrapes.push({ t, samples: texts.flatMap(parsePromText) });
      await sleep(Math.max(0, 1000 - (Date.now() - t)));
    }
  })();
  const producer = new NodeApp('producer', ['run'], { env: { ...producerEnv(env, names), HEALTH_PORT: String(producerPort) } });
  const consumer = new NodeApp('consumer', ['stream'], { env: { ...consumerEnv(env, names, stageDir), HEALTH_PORT: String(consumerPort) } });
  marks.push({ at: Date.now(), what: `producer and consumer started: snapshot of ${rows} rows` });
  await waitUntil('the snapshot', async () => (await statusUnits(producerPort)).some((u) => u.kind === 'table' && u.phase === 'stream'), 600_000);
  marks.push({ at: Date.now(), what: 'snapshot done' });
  const plan = new UpdatePlan(names.table, rows, 10);
  marks.push({ at: Date.now(), what: `paced updates: ${rate} rows/s in transactions of 10 rows for ${seconds} s` });
  const load = await paced(sql, plan, rate * seconds, rate);
  marks.push({ at: Date.now(), what: `a burst: ${rate * 10} rows as fast as 4 writers commit` });
  await flatOut(sql, plan, rate * 10, 4, load.transactions);
  marks.push({ at: Date.now(), what: 'burst done' });
  await waitUntil(
    'the consumer to catch up',
    async () => {
      const parts = (await statusUnits(consumerPort)).filter((u) => u.kind === 'partition');
      return parts.length > 0 && parts.every((p) => p.lagMessages === 0);
    },
    300_000,
  );
  await sleep(5_000);
  scraping = false;
  await scraper;
  await Promise.all([producer.stop(), consumer.stop()]);
  const t0 = scrapes[0]?.t ?? started;
  const elapsed = ((scrapes.at(-1)?.t ?? started) - t0) / 1000;
  const drawn = PANELS.map((panel) => {
    const series = new Map();
    for (const target of panel.targets) for (const [legend, points] of evaluate(target, scrapes)) series.set(legend, points);
    return { panel, series };
  });
  const day = new Date(started).toISOString().slice(0, 10);
  const subtitle = `Scraped every second from the apps' /metrics during a local run (${day}, native stack, this machine): snapshot of ${rows.toLocaleString('en-US')} rows, ${rate.toLocaleString('en-US')} updated rows/s for ${seconds} s, then a burst of ${(rate * 10).toLocaleString('en-US')}; load average ${load1.toFixed(1)} on ${cpus().length} cores at the start. Rendered by bench/src/cli/dashboard.ts.`;
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'dashboard.svg'), renderDashboard('BuyOnline CDC — the Grafana dashboard\u2019s panels, from a real run', subtitle, drawn, elapsed));
  writeFileSync(join(values.out, 'buyonline-cdc.json'), `${JSON.stringify(grafanaDashboard(), null, 2)}\n`);
  writeFileSync(
    join(values.out, 'dashboard-run.json'),
    `${JSON.stringify(
      {
        run: { rows, rate, seconds, startedAt: new Date(started).toISOString(), loadAverage: load1, cores: cpus().length, scrapes: scrapes.length, marks: marks.map((m) => ({ atSeconds: Number(((m.at - t0) / 1000).toFixed(2)), what: m.what })) },
        panels: drawn.map(({ panel, series }) => ({ title: panel.title, unit: panel.unit, series: Object.fromEntries([...series].map(([k, pts]) => [k, pts.map((p: { x: number; y: number }) => [Number(p.x.toFixed(2)), Number(p.y.toPrecision(4))])])) })),
      },
      null,
      1,
    )}\n`,
  );
  process.stdout.write(`${join(values.out, 'dashboard.svg')}\n`);
} finally {
  await stopRunningApps();
  const problems = await dropEverything(sql, env, names);
  if (problems.length > 0) process.stderr.write(`cleanup: ${problems.join('; ')}\n`);
  await sql.end({ timeout: 5 });
  rmSync(stageDir, { recursive: true, force: true });
}
