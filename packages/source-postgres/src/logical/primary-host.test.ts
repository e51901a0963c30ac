import { describe, expect, it } from 'vitest';
import { primaryHostUrl } from './primary-host.ts';

describe('primaryHostUrl', () => {
  it('returns a single-host URL unchanged, without connecting', async () => {
    const url = 'postgres://u:p@127.0.0.1:1/db?target_session_attrs=read-write';
    expect(await primaryHostUrl(url)).toBe(url);
  });

  it('falls back to the first host, without target_session_attrs, when no host answers as a primary', async () => {
    // Ports 1 and 2 on loopback refuse at once: no host is the primary.
    expect(await primaryHostUrl('postgres://u:p@127.0.0.1:1,127.0.0.1:2/db?sslmode=disable&target_session_attrs=read-write')).toBe(
      'postgres://u:p@127.0.0.1:1/db?sslmode=disable',
    );
  });
});
