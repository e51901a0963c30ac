import { formatPath } from './schema-fields.ts';

/** The environment as the apps read it: variables, and the `--config` file's values below them. */
export type EnvValues = Readonly<Record<string, unknown>>;

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** A variable's text: strings as they are, numbers and booleans (from a JSON `--config` file) printed. */
export function envText(env: EnvValues, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` (the default when VAR is unset or empty) in every string
 * of `value`, keys left alone; `$$` is a literal `$`. Problems are collected with their path
 * (`source.url: ${PG_URL} is not set`), not thrown, so one error can list them all.
 */
export function substituteEnv(value: unknown, env: EnvValues, path: (string | number)[], problems: string[]): unknown {
  if (typeof value === 'string') return substituteString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...path, i], problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k], problems)]));
  }
  return value;
}

function substituteString(text: string, env: EnvValues, path: (string | number)[], problems: string[]): string {
  return text.replace(REFERENCE, (match, inner: string | undefined) => {
    if (match === '$$') return '$';
    const parsed = inner === undefined ? null : VARIABLE.exec(inner);
    if (!parsed) {
      problems.push(`${formatPath(path)}: ${inner === undefined ? 'an unterminated ${' : `\${${inner}} is not a variable reference`} (write \${NAME} or \${NAME:-default}; $$ for a literal $)`);
      return match;
    }
    const [, name = '', fallback] = parsed;
    const found = envText(env, name);
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      problems.push(`${formatPath(path)}: \${${name}} is not set (set the variable, or write \${${name}:-default})`);
      return match;
    }
    return found;
  });
}
