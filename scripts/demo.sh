#!/usr/bin/env bash
# Runs the pipeline on the native local stack with demo data and shows files landing:
# PostgreSQL products → producer (logical replication, exactly-once into Kafka as Avro) →
# consumer group of two → newline-delimited JSON files in ./.stage. After DEMO_SECONDS (or
# Ctrl-C) it stops what it started: the three apps (SIGTERM: drain, flush, commit) and the
# stack if it was not up before (DEMO_KEEP_STACK=1 keeps it). Run it again at will: the table,
# topic and consumer group carry on where the last run left them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bash scripts/bootstrap.sh
stack_was_up=0
bash tooling/stack/stack.sh status >/dev/null 2>&1 && stack_was_up=1
bash tooling/stack/stack.sh up
set -a; . .stack/endpoints.env; set +a
export STAGE_DIR="${DEMO_STAGE_DIR:-$root/.stage}" TOPIC="${TOPIC:-buyonline.public.products}" LOG_LEVEL=warn ROTATE_INTERVAL_MS=2000 COMMIT_INTERVAL_MS=2000
# The heap and malloc arenas the images ship with (APP_NODE_OPTIONS, APP_MALLOC_ARENA_MAX in packages/app-runtime/src/node-options.ts).
export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=128 --max-semi-space-size=8}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
port="${DEMO_HEALTH_PORT:-8088}"
mkdir -p .demo
producer() { node apps/producer/dist/main.js "$@"; }

# Every app is started as its own background process (not a shell function in a subshell), so
# the pids below are the Node processes themselves and stop() reaches them.
pids=()
stop_apps() {
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}
finish() {
  local rc=$?
  stop_apps
  if [ "$stack_was_up" -eq 0 ] && [ "${DEMO_KEEP_STACK:-0}" != 1 ]; then
    say "stop the stack this demo started (DEMO_KEEP_STACK=1 keeps it)"
    bash tooling/stack/stack.sh down || true
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

say "migrate and seed public.products with ${DEMO_ROWS:=2000} rows"
producer seed --rows "$DEMO_ROWS"

say "start the producer and two consumers of one group (logs in .demo/)"
HEALTH_PORT="$port" node apps/producer/dist/main.js run >.demo/producer.log 2>&1 & pids+=($!)
HEALTH_PORT="$((port + 1))" node apps/consumer/dist/main.js stream >.demo/consumer-1.log 2>&1 & pids+=($!)
HEALTH_PORT="$((port + 2))" node apps/consumer/dist/main.js stream >.demo/consumer-2.log 2>&1 & pids+=($!)
cat <<MSG
  while it runs, from another terminal:
    status      node apps/producer/dist/main.js status --url http://127.0.0.1:$port
                node apps/consumer/dist/main.js status --url http://127.0.0.1:$((port + 1))
    metrics     http://127.0.0.1:$port/metrics (producer), http://127.0.0.1:$((port + 1))/metrics and
                http://127.0.0.1:$((port + 2))/metrics (consumers)
    logs        .demo/producer.log, .demo/consumer-1.log, .demo/consumer-2.log
MSG

count_lines() { find "$STAGE_DIR/$TOPIC" -name '*.jsonl' -exec cat {} + 2>/dev/null | wc -l; }
end=$(( $(date +%s) + ${DEMO_SECONDS:-30} ))
while [ "$(date +%s)" -lt "$end" ]; do
  producer seed --rows 5 --updates 20 >/dev/null
  printf '  %s  files: %3d   records in the stage: %6d\n' "$(date +%T)" \
    "$(find "$STAGE_DIR/$TOPIC" -name '*.jsonl' 2>/dev/null | wc -l)" "$(count_lines)"
  sleep 2
done

say "reconcile: the stage against PostgreSQL, once the pipeline caught up (exit 3 while it differs)"
for attempt in $(seq 1 15); do
  if PG_TABLE=public.products node apps/consumer/dist/main.js reconcile >.demo/reconcile.log 2>&1; then break; fi
  [ "$attempt" -lt 15 ] || { cat .demo/reconcile.log; echo "the stage never matched PostgreSQL: see .demo/*.log" >&2; exit 1; }
  sleep 2
done
cat .demo/reconcile.log

say "stop the producer and the consumers (SIGTERM: drain, flush, commit)"
stop_apps
say "the stage: $STAGE_DIR/$TOPIC"
find "$STAGE_DIR/$TOPIC" -name '*.jsonl' | sort | tail -n 6
last="$(find "$STAGE_DIR/$TOPIC" -name '*.jsonl' | sort | tail -n 1)"
if [ -n "$last" ]; then
  say "one record"
  tail -n 1 "$last" | node -e 'process.stdin.on("data", d => console.log(JSON.stringify(JSON.parse(d), null, 2)))'
fi
say "where to look next"
cat <<MSG
  stage       $STAGE_DIR/$TOPIC ($(count_lines) records in the stage)
  logs        .demo/*.log
  again       bash scripts/demo.sh   (carries on where this run left the table, topic and group)
MSG
