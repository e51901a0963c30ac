import type { z } from 'zod';
import { type EnvShortcuts, shortcutSpec } from './plugin-config.ts';
import { fieldInfo, fieldSchema } from './schema-fields.ts';

/** A plugin's variables, shown with the description and default of the key each one sets. */
export interface HelpShortcutGroup {
  /** e.g. `Source "postgres" (pipeline file: source)`. */
  title: string;
  /** Where the keys live in a pipeline file: `source`, `sink`. */
  path: string;
  configSchema: z.ZodType;
  shortcuts: EnvShortcuts;
}

export interface HelpOptions {
  /** Command-line options besides --help, e.g. `{ '--pipeline FILE': '…' }`. */
  options?: Readonly<Record<string, string>>;
  /** The plugins' variables, one group per plugin; a variable of an earlier group is not repeated. */
  shortcuts?: readonly HelpShortcutGroup[];
}

const DEFAULT_OPTIONS = { '--config FILE': 'JSON file with any of the settings below, by variable name (the environment wins)' };

function formatDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Renders `--help` from the env schema and the plugins' schemas, so the help and the parsers cannot disagree. */
export function renderHelp(usage: string, commands: Record<string, string>, schema: z.ZodObject, help: HelpOptions = {}): string {
  const lines = [usage, '', 'Commands:'];
  for (const [name, text] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${text}`);
  lines.push('', 'Options:');
  const options = { ...(help.options ?? {}), ...DEFAULT_OPTIONS, '--help': 'this text' };
  const width = Math.max(...Object.keys(options).map((o) => o.length));
  for (const [option, text] of Object.entries(options)) lines.push(`  ${option.padEnd(width)}  ${text}`);
  lines.push('', 'Settings (environment variables):');
  for (const [key, field] of Object.entries(schema.shape)) {
    const info = fieldInfo(field);
    const def = formatDefault(info.defaultValue);
    const suffix = def === undefined ? (info.required ? ' (required)' : '') : ` [default: ${def}]`;
    lines.push(`  ${key.padEnd(20)} ${info.description ?? ''}${suffix}`);
  }
  const shown = new Set<string>();
  for (const group of help.shortcuts ?? []) {
    lines.push('', `${group.title}:`);
    for (const [variable, shortcut] of Object.entries(group.shortcuts)) {
      // a variable two plugins share (STAGE_DIR for both stages) is described once, by the first
      if (shown.has(variable)) continue;
      shown.add(variable);
      const spec = shortcutSpec(shortcut);
      const info = fieldInfo(fieldSchema(group.configSchema, spec.key));
      const pluginDefault = formatDefault(info.defaultValue);
      let suffix = info.required && pluginDefault === undefined && spec.default === undefined ? ' (required)' : '';
      if (spec.default !== undefined) suffix = ` [default: ${spec.default}; with a pipeline file: ${pluginDefault ?? 'none'}]`;
      else if (pluginDefault !== undefined) suffix = ` [default: ${pluginDefault}]`;
      lines.push(`  ${variable.padEnd(20)} ${spec.help ?? info.description ?? ''} (${group.path}.${spec.key})${suffix}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
