#!/usr/bin/env bash
# The container path, as CI runs it (after scripts/test.sh, which runs the native path):
#   1. the project's Docker engine and every image, built here offline (tooling/docker/docker.sh);
#   2. the e2e suite on testcontainers (E2E_PROVIDER=containers, images from E2E_IMAGE_*):
#      CI_CONTAINERS_E2E=main (default) runs the main scenario with the producer and three
#      consumers as containers (docker kill, restarts, exactly-once); =full runs every scenario;
#   3. compose: the whole topology with docker-compose.override.local.yml (`up --build --wait`),
#      rows inserted and updated in its PostgreSQL, their JSON lines awaited in the stage
#      volume, then `down -v`.
# Containers are reached only through ports published on 127.0.0.1, and talk on the engine's bridge.
# The engine keeps running afterwards (images cached); `bash tooling/docker/docker.sh down` stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
mode="${CI_CONTAINERS_E2E:-main}"
case "$mode" in main | full) ;; *) echo "CI_CONTAINERS_E2E=$mode: expected main or full" >&2; exit 2 ;; esac

started=$SECONDS
phase_started=$SECONDS
timings=()
phase() { # phase NAME: closes the previous phase's timer
  timings+=("$(printf '%-34s %4d s' "$1" $((SECONDS - phase_started)))")
  phase_started=$SECONDS
}
compose_up=0
summary() {
  local status=$?
  ((compose_up)) && compose_down
  echo "ci-containers: container path (testcontainers e2e: $mode; compose with docker-compose.override.local.yml)"
  printf '  %s\n' "${timings[@]}"
  echo "ci-containers: $([[ $status == 0 ]] && echo passed || echo FAILED) after $((SECONDS - started)) s"
}
trap summary EXIT

# ---------------------------------------------------------------- engine and images
bash tooling/docker/docker.sh build
eval "$(bash tooling/docker/docker.sh env | sed 's/^/export /')"
phase "engine + images"

# ---------------------------------------------------------------- e2e on testcontainers
if [[ ! -d node_modules ]]; then bash scripts/bootstrap.sh; fi
# The other scenarios run the apps from their bundles on the host.
bunx turbo run build --filter=@buyonline/producer --filter=@buyonline/consumer --output-logs=errors-only
files=(containers.e2e.test.ts)
[[ "$mode" == full ]] && files=()
(cd e2e && E2E_PROVIDER=containers node node_modules/vitest/vitest.mjs run "${files[@]}")
phase "e2e on testcontainers ($mode)"

# ---------------------------------------------------------------- compose
compose=(docker compose -p buyonline-ci -f docker-compose.yml -f docker-compose.override.local.yml)
compose_down() { "${compose[@]}" down -v --remove-orphans --timeout 30 >/dev/null 2>&1 || true; }
compose_down
compose_up=1
"${compose[@]}" up -d --build --wait --wait-timeout 300
phase "compose up --build --wait"

marker="ci-$(date +%s)-$RANDOM"
psql() { "${compose[@]}" exec -T postgres psql -X -qAt -v ON_ERROR_STOP=1 -U buyonline -d buyonline "$@"; }
psql -c "insert into public.products (name, category, price) values ('$marker-a', 'ci', 10.00), ('$marker-b', 'ci', 20.00)"
psql -c "update public.products set price = 11.50 where name = '$marker-a'"
expected_ids="$(psql -c "select id from public.products where name like '$marker-%' order by id" | paste -sd' ')"
echo "ci-containers: inserted ids $expected_ids ($marker-a, $marker-b), updated $marker-a to 11.50"

stage_lines() { "${compose[@]}" exec -T consumer find /stage -name '*.jsonl' -exec cat {} + 2>/dev/null | grep -F "\"$marker-" || true; }
deadline=$((SECONDS + 120))
until lines="$(stage_lines)" \
  && grep -q "\"name\":\"$marker-a\".*\"price\":\"11.50\"" <<<"$lines" \
  && grep -q "\"name\":\"$marker-b\".*\"price\":\"20.00\"" <<<"$lines"; do
  if ((SECONDS > deadline)); then
    echo "ci-containers: the stage volume does not hold the rows after 120 s; found:" >&2
    printf '%s\n' "$lines" >&2
    "${compose[@]}" logs --tail 50 producer consumer >&2 || true
    exit 1
  fi
  sleep 1
done
echo "ci-containers: the stage volume holds:"
sed 's/^/  /' <<<"$lines" | cut -c1-200
phase "compose: rows in the stage"

"${compose[@]}" down -v --remove-orphans --timeout 30
compose_up=0
phase "compose down -v"
