#!/usr/bin/env bash
# The PostgreSQL version matrix: for each major version other than the stack's own 15
# (PG_VERSIONS, default "14 16 17 18"), start that server (tooling/stack/postgres-version.sh,
# binaries from npm), run the source's tests (unit + integration) and the core e2e against it —
# snapshot, a stream of inserts/updates/deletes under concurrent writers, kill -9 of the producer
# and of a consumer, exactly-once and reconcile (e2e/crash.e2e.test.ts, log-based capture) —
# with Kafka and the registry from the native stack, then stop it again. On 17 and later also a
# failover: a hot standby that synchronizes failover slots, the primary killed and the standby
# promoted under a streaming capture (src/logical/failover.integration.test.ts), then again, on a
# fresh pair, under the whole producer with writers (e2e/failover.e2e.test.ts: about 70 s more per
# version, the pair made afresh in about 8 s).
# Needs the native stack up and the apps built (scripts/test.sh does both before calling it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
versions="${PG_VERSIONS:-14 16 17 18}"
set -a; . .stack/endpoints.env; set +a
status=0
for major in $versions; do
  echo "pg-versions: PostgreSQL $major"
  url="$(bash tooling/stack/postgres-version.sh up "$major" | sed -n 's/^PG_URL=//p')"
  [[ -n "$url" ]] || { echo "pg-versions: PostgreSQL $major did not start" >&2; status=1; continue; }
  (cd packages/source-postgres && PG_URL="$url" bunx vitest run) || status=1
  (cd e2e && PG_URL="$url" bunx vitest run crash.e2e.test.ts -t 'logical capture') || status=1
  # (keepalive-standby) A hot standby as the source, 16+: captured from the standby, nothing written (~25 s with making the standby).
  if ((major >= 16)); then standby="$(bash tooling/stack/postgres-version.sh standby "$major" | sed -n 's/^PG_STANDBY_URL=//p')"; (cd packages/source-postgres && PG_URL="$url" PG_STANDBY_URL="$standby" bunx vitest run src/logical/standby-source.integration.test.ts) || status=1; fi
  if ((major >= 17)); then
    # Failover slots: a hot standby of this primary, then kill -9 of the primary and promotion
    # of the standby under a streaming capture (the test does both).
    # Each failover leaves the old primary dead and the standby promoted: a fresh pair for each.
    standby="$(bash tooling/stack/postgres-version.sh standby "$major" | sed -n 's/^PG_STANDBY_URL=//p')"
    (cd packages/source-postgres && PG_URL="$url" PG_STANDBY_URL="$standby" bunx vitest run src/logical/failover.integration.test.ts) || status=1
    bash tooling/stack/postgres-version.sh purge "$major" >/dev/null 2>&1 || true
    standby="$(bash tooling/stack/postgres-version.sh standby "$major" | sed -n 's/^PG_STANDBY_URL=//p')"
    (cd e2e && PG_URL="$url" PG_STANDBY_URL="$standby" bunx vitest run failover.e2e.test.ts) || status=1
    bash tooling/stack/postgres-version.sh purge "$major" >/dev/null 2>&1 || true
  fi
  bash tooling/stack/postgres-version.sh down "$major" || true
done
echo "pg-versions: $([[ $status == 0 ]] && echo passed || echo FAILED) on PostgreSQL $versions"
exit "$status"
