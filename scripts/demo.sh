#!/usr/bin/env bash
# Runs the pipeline on the native local stack with demo data and shows files landing:
# PostgreSQL products → producer (polling, exactly-once into Kafka as Avro) → consumer group
# → newline-delimited JSON files in ./.stage. Ctrl-C (or DEMO_SECONDS) stops it cleanly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bash scripts/bootstrap.sh
bash tooling/stack/stack.sh up
set -a; . .stack/endpoints.env; set +a
export STAGE_DIR="$root/.stage" TOPIC="${TOPIC:-buyonline.public.products}" LOG_LEVEL=warn ROTATE_INTERVAL_MS=2000 COMMIT_INTERVAL_MS=2000
# The heap the images ship with (APP_NODE_OPTIONS in packages/app-runtime/src/node-options.ts).
export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=128 --max-semi-space-size=8}"
mkdir -p .demo
producer() { node apps/producer/dist/main.js "$@"; }
consumer() { node apps/consumer/dist/main.js "$@"; }

say "migrate and seed public.products with ${DEMO_ROWS:=2000} rows"
producer seed --rows "$DEMO_ROWS"

say "start the producer and two consumers of one group (logs in .demo/)"
producer run >.demo/producer.log 2>&1 & pids=($!)
HEALTH_PORT=0 consumer stream >.demo/consumer-1.log 2>&1 & pids+=($!)
HEALTH_PORT=0 consumer stream >.demo/consumer-2.log 2>&1 & pids+=($!)
stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap 'stop; exit 130' INT TERM

count_lines() { find "$STAGE_DIR/$TOPIC" -name '*.jsonl' -exec cat {} + 2>/dev/null | wc -l; }
end=$(( $(date +%s) + ${DEMO_SECONDS:-30} ))
while [ "$(date +%s)" -lt "$end" ]; do
  producer seed --rows 5 --updates 20 >/dev/null
  printf '  %s  files: %3d   records in the stage: %6d\n' "$(date +%T)" \
    "$(find "$STAGE_DIR/$TOPIC" -name '*.jsonl' 2>/dev/null | wc -l)" "$(count_lines)"
  sleep 2
done

say "stop (SIGTERM: drain, flush, commit)"
stop
trap - INT TERM
say "the stage: $STAGE_DIR/$TOPIC"
find "$STAGE_DIR/$TOPIC" -name '*.jsonl' | sort | tail -n 6
say "one record"
last="$(find "$STAGE_DIR/$TOPIC" -name '*.jsonl' | sort | tail -n 1)"
tail -n 1 "$last" | node -e 'process.stdin.on("data", d => console.log(JSON.stringify(JSON.parse(d), null, 2)))'
echo "records in the stage: $(count_lines); the stack keeps running (bun run stack down | bash tooling/stack/stack.sh down)"
