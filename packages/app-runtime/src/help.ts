import type { z } from 'zod';

/** Renders `--help` from the env schema, so the help and the parser cannot disagree. */
export function renderHelp(usage: string, commands: Record<string, string>, schema: z.ZodObject): string {
  const lines = [usage, '', 'Commands:'];
  for (const [name, text] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${text}`);
  lines.push('', 'Options:', '  --config FILE  JSON file with any of the settings below (the environment wins)', '  --help         this text', '', 'Settings (environment variables):');
  for (const [key, field] of Object.entries(schema.shape)) {
    const f = field as z.ZodType;
    const def = (f as unknown as { def: { defaultValue?: unknown } }).def.defaultValue;
    const suffix = def === undefined ? (f.safeParse(undefined).success ? '' : ' (required)') : ` [default: ${String(def)}]`;
    lines.push(`  ${key.padEnd(20)} ${f.description ?? ''}${suffix}`);
  }
  return `${lines.join('\n')}\n`;
}
