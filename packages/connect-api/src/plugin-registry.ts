import type { ConnectorPlugin, PluginKind } from './connector-api.ts';
import { ConfigError, describeError } from './errors.ts';
import { checkPlugin, exportedPlugins } from './plugin-registry-descriptor.ts';

/** The plugin of one kind: `PluginOf<'source'>` is a SourcePlugin. */
export type PluginOf<K extends PluginKind> = Extract<ConnectorPlugin, { kind: K }>;

/** Loads a module by specifier (an npm package name); the app decides where from. */
export type PluginImporter = (specifier: string) => Promise<unknown>;

export interface PluginRegistryOptions {
  /** How a package named in a pipeline file is loaded; `import(specifier)` by default. */
  importer?: PluginImporter;
}

const KIND_LABEL: Record<PluginKind, string> = { source: 'source connector', sink: 'sink connector', transform: 'transform' };

/** A scoped or plain npm package name, optionally with `#plugin` to pick one of several descriptors it exports. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(?:#[A-Za-z0-9._~-]+)?$/;

/** Whether `name` could be an npm package (`@acme/cdc-mysql`, `some-pkg`, `@acme/transforms#upper`). */
export function isPackageName(name: string): boolean {
  return name.length <= 214 && PACKAGE_NAME.test(name);
}

/**
 * The plugins an app knows, by kind and name. Apps fill it explicitly (`register`); a name that is
 * not registered but reads as an npm package is imported on `resolve` and takes the descriptor of
 * that kind the package exports (its default export, or the named export whose `kind` matches).
 */
export class PluginRegistry {
  private readonly byKind: Record<PluginKind, Map<string, ConnectorPlugin>> = { source: new Map(), sink: new Map(), transform: new Map() };
  private readonly importer: PluginImporter;

  constructor(options: PluginRegistryOptions = {}) {
    this.importer = options.importer ?? ((specifier) => import(specifier));
  }

  /** Adds plugins; a second plugin of the same kind and name is a mistake, not an override. */
  register(...plugins: ConnectorPlugin[]): this {
    for (const plugin of plugins) {
      const checked = checkPlugin(plugin, `registered plugin ${JSON.stringify((plugin as { name?: unknown } | undefined)?.name)}`);
      const known = this.byKind[checked.kind];
      if (known.has(checked.name)) throw new ConfigError(`${KIND_LABEL[checked.kind]} "${checked.name}" is registered twice`);
      known.set(checked.name, checked);
    }
    return this;
  }

  has(kind: PluginKind, name: string): boolean {
    return this.byKind[kind].has(name);
  }

  /** Registered names of one kind, sorted. */
  names(kind: PluginKind): string[] {
    return [...this.byKind[kind].keys()].sort();
  }

  /** A registered plugin; a ConfigError naming the known ones otherwise. */
  get<K extends PluginKind>(kind: K, name: string): PluginOf<K> {
    const plugin = this.byKind[kind].get(name);
    if (!plugin) throw new ConfigError(`unknown ${KIND_LABEL[kind]} "${name}": ${this.knownText(kind)}`);
    return plugin as PluginOf<K>;
  }

  /**
   * A registered plugin, or (for a name that reads as an npm package) the one that package
   * exports, registered under that name from then on.
   */
  async resolve<K extends PluginKind>(kind: K, name: string): Promise<PluginOf<K>> {
    const registered = this.byKind[kind].get(name);
    if (registered) return registered as PluginOf<K>;
    if (!isPackageName(name)) throw new ConfigError(`unknown ${KIND_LABEL[kind]} "${name}": ${this.knownText(kind)}`);
    const [specifier = name, pick] = name.split('#');
    let mod: unknown;
    try {
      mod = await this.importer(specifier);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const missing = isModuleNotFound(err, specifier);
      const why = missing ? 'it is not registered and no package of that name is installed' : 'the package failed to load';
      throw new ConfigError(`${KIND_LABEL[kind]} "${name}": ${why} (${describeError(err)}); ${this.knownText(kind)}`);
    }
    const plugin = this.pick(kind, name, specifier, pick, mod);
    this.byKind[kind].set(name, plugin);
    return plugin;
  }

  /** The one descriptor of `kind` (named `pick`, when given) that the module exports, checked. */
  private pick<K extends PluginKind>(kind: K, name: string, specifier: string, pick: string | undefined, mod: unknown): PluginOf<K> {
    const exported = exportedPlugins(mod);
    const ofKind = exported
      .filter((e) => e.kind === kind)
      .map((e) => checkPlugin(e.value, `package "${specifier}", export "${e.exportName}",`) as PluginOf<K>);
    const chosen = pick === undefined ? ofKind : ofKind.filter((p) => p.name === pick);
    if (chosen.length === 1 && chosen[0]) return chosen[0];
    if (chosen.length === 0) {
      const what = pick === undefined ? `no ${KIND_LABEL[kind]}` : `no ${KIND_LABEL[kind]} named "${pick}"`;
      const names = (e: (typeof exported)[number]) => `${e.kind} "${String((e.value as { name?: unknown }).name)}"`;
      const others = exported.length === 0 ? 'no plugin descriptor at all' : `only ${exported.map(names).join(', ')}`;
      throw new ConfigError(`${KIND_LABEL[kind]} "${name}": the package exports ${what} (${others})`);
    }
    throw new ConfigError(`${KIND_LABEL[kind]} "${name}": the package exports several (${chosen.map((p) => p.name).join(', ')}); pick one as "${specifier}#<name>"`);
  }

  private knownText(kind: PluginKind): string {
    const names = this.names(kind);
    return `known ${KIND_LABEL[kind]}s: ${names.length > 0 ? names.join(', ') : '(none)'}, or an npm package name that exports one`;
  }
}

/** Node's ERR_MODULE_NOT_FOUND (or a loader's equivalent) for this very package, not for one of its imports. */
function isModuleNotFound(err: unknown, specifier: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (package|module)|failed to (load|resolve) url/i.test(err.message);
  return notFound && err.message.includes(specifier);
}
