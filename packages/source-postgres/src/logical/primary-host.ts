import postgres from 'postgres';

/** A connection URL split at its host list: `postgres://u:p@h1:5432,h2:5433/db?x=y`. */
interface HostList {
  prefix: string;
  hosts: string[];
  rest: string;
}

const MULTI_HOST = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)([^/?#]*)(.*)$/;

function splitHosts(url: string): HostList | undefined {
  const match = MULTI_HOST.exec(url);
  if (!match) return undefined;
  const [, prefix = '', hosts = '', rest = ''] = match;
  return { prefix, hosts: hosts.split(',').filter((h) => h !== ''), rest };
}

/** Whether the URL lists several hosts (a primary and its standbys), so that one of them is to become the primary. */
export function listsSeveralHosts(url: string): boolean {
  return (splitHosts(url)?.hosts.length ?? 0) > 1;
}

/** The URL without `target_session_attrs`, which only a multi-host client understands. */
function withoutSessionAttrs(rest: string): string {
  const [path = '', query] = rest.split('?', 2) as [string, string | undefined];
  if (query === undefined) return rest;
  const kept = query.split('&').filter((p) => !p.startsWith('target_session_attrs='));
  return kept.length > 0 ? `${path}?${kept.join('&')}` : path;
}

/**
 * The one host of a URL that lists several (`h1:5432,h2:5432`, as libpq and postgres.js take
 * them, for a primary and its standbys) which is the writable primary now, as a single-host URL
 * for the replication connection (its client, node-postgres, takes one host). After a failover
 * the promoted standby is that host. A URL with one host is returned unchanged; when no host
 * answers as a primary, the first one (the connection then fails and is retried, as an outage).
 */
export async function primaryHostUrl(url: string): Promise<string> {
  const list = splitHosts(url);
  if (!list || list.hosts.length < 2) return url;
  const rest = withoutSessionAttrs(list.rest);
  for (const host of list.hosts) {
    const single = `${list.prefix}${host}${rest}`;
    const sql = postgres(single, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => undefined, fetch_types: false });
    try {
      const [row] = await sql<{ standby: boolean }[]>`select pg_is_in_recovery() as standby`;
      if (row && !row.standby) return single;
    } catch {
      // This host is down or refuses us: the next one may be the primary.
    } finally {
      await sql.end({ timeout: 1 }).catch(() => undefined);
    }
  }
  return `${list.prefix}${list.hosts[0]}${rest}`;
}
