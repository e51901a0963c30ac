// Summarizes a V8 CPU profile (.cpuprofile, as `node --cpu-prof` writes it): how busy the
// process was, how much went to GC, the functions with the most self time and the packages
// they belong to. The apps are bundled, so positions in dist/main.js are mapped back through
// its source map to the original file (packages/<pkg>/src/…, node_modules/<pkg>/…).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  name: string;
  /** file:line, mapped to the original source where a source map says. */
  location: string;
  package: string;
  samples: number;
  /** Of all samples. */
  pct: number;
  /** Of the samples that were not idle. */
  busyPct: number;
}

export interface PackageTime {
  package: string;
  samples: number;
  busyPct: number;
}

export interface ProfileSummary {
  name: string;
  samples: number;
  durationMs: number;
  idlePct: number;
  gcPct: number;
  busyPct: number;
  top: FunctionTime[];
  packages: PackageTime[];
}

const META = new Set(['(root)', '(idle)', '(program)', '(garbage collector)']);

/** Where a position in a file is in its original source: source maps read once per file. */
class SourceLocator {
  private readonly maps = new Map<string, SourceMap | null>();

  locate(frame: CallFrame): { file: string; line: number } {
    const generated = { file: frame.url, line: frame.lineNumber + 1 };
    if (!frame.url.startsWith('file://')) return generated;
    const map = this.mapOf(frame.url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource) return { file: fileURLToPath(frame.url), line: generated.line };
    return { file: entry.originalSource, line: (entry.originalLine ?? 0) + 1 };
  }

  private mapOf(url: string): SourceMap | null {
    let map = this.maps.get(url);
    if (map !== undefined) return map;
    map = null;
    const mapFile = `${fileURLToPath(url)}.map`;
    if (existsSync(mapFile)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
      } catch {
        map = null; // unreadable map: generated positions it is
      }
    }
    this.maps.set(url, map);
    return map;
  }
}

/** A readable path: from the last node_modules/, or from packages/, apps/, bench/, e2e/. */
export function shortPath(file: string): string {
  const path = file.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) return path.slice(nm);
  const ours = /(?:^|\/)((?:packages|apps|bench|e2e)\/.*)$/.exec(path);
  return ours?.[1] ?? path.replace(/^(\.\.?\/)+/, '');
}

/** node_modules/<pkg> (scoped: @scope/pkg), packages/<pkg>, apps/<app>, node (its internals), or the file. */
export function packageOf(name: string, file: string): string {
  if (META.has(name) && file === '') return name;
  if (file.startsWith('node:')) return 'node';
  if (file === '') return '(no source: native, or built by new Function as avsc codecs are)';
  const path = shortPath(file);
  const nm = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return nm[1] as string;
  const ours = /^((?:packages|apps|bench|e2e)\/[^/]+)/.exec(path);
  return ours?.[1] ?? path;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

export function summarizeProfile(profile: CpuProfile, name: string, top = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);

  const locator = new SourceLocator();
  const functions = new Map<string, FunctionTime>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, count] of hits) {
    const frame = (nodes.get(id) as ProfileNode).callFrame;
    const fn = frame.functionName || '(anonymous)';
    total += count;
    if (fn === '(idle)') {
      idle += count;
      continue;
    }
    if (fn === '(garbage collector)') gc += count;
    const where = frame.url === '' ? { file: '', line: 0 } : locator.locate(frame);
    const pkg = packageOf(fn, where.file);
    packages.set(pkg, (packages.get(pkg) ?? 0) + count);
    if (META.has(fn)) continue;
    const location = where.file === '' ? '(no source)' : `${shortPath(where.file)}:${where.line}`;
    const key = `${fn} ${location}`;
    const entry = functions.get(key) ?? { name: fn, location, package: pkg, samples: 0, pct: 0, busyPct: 0 };
    entry.samples += count;
    functions.set(key, entry);
  }
  const busy = total - idle;
  return {
    name,
    samples: total,
    durationMs: Math.round((profile.endTime - profile.startTime) / 1000),
    idlePct: pct(idle, total),
    gcPct: pct(gc, total),
    busyPct: pct(busy, total),
    top: [...functions.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, top)
      .map((f) => ({ ...f, pct: pct(f.samples, total), busyPct: pct(f.samples, busy) })),
    packages: [...packages.entries()].map(([p, samples]) => ({ package: p, samples, busyPct: pct(samples, busy) })).sort((a, b) => b.samples - a.samples),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function summarizeProfileFile(file: string, top = 25): ProfileSummary {
  return summarizeProfile(readProfile(file), basename(file), top);
}

const col = (value: number, width = 6) => `${value.toFixed(1)} %`.padStart(width + 2);

export function renderProfileSummary(s: ProfileSummary): string {
  const lines = [
    `${s.name}: ${s.samples.toLocaleString('en-US')} samples over ${(s.durationMs / 1000).toFixed(1)} s · busy ${s.busyPct} % · idle ${s.idlePct} % · GC ${s.gcPct} % (${pct(s.gcPct, s.busyPct)} % of busy)`,
    `  top ${s.top.length} functions by self time (% of all samples, % of busy):`,
    ...s.top.map((f) => `  ${col(f.pct)} ${col(f.busyPct)}  ${f.name}  ${f.location}`),
    '  by package (% of busy):',
    ...s.packages.slice(0, 20).map((p) => `  ${col(p.busyPct)}  ${p.package}`),
  ];
  return lines.join('\n');
}
