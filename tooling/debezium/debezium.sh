#!/usr/bin/env bash
# Debezium 3 on Kafka Connect (distributed mode, one worker on loopback) against the stack's
# Kafka and registry: what `bash bench/run.sh --with-debezium` compares the pipeline with.
#
#   bash tooling/debezium/debezium.sh fetch    download the plugins (Maven Central), nothing else
#   bash tooling/debezium/debezium.sh start    start the worker (idempotent); waits for its REST API
#   bash tooling/debezium/debezium.sh stop     stop it (SIGTERM, SIGKILL after 20 s)
#   bash tooling/debezium/debezium.sh status   exit 0 when the worker answers, 3 otherwise
#   bash tooling/debezium/debezium.sh env      CONNECT_URL=…, CONNECT_PID=…, CONNECT_HEAP=… (exit 1 if not up)
#
# The worker runs on the stack's own Kafka jars (they include connect-runtime: `stack.sh
# kafka-libs`), with two plugin folders resolved by `mvn dependency:copy-dependencies` from the
# poms beside this script: Debezium's PostgreSQL connector and Apicurio's Avro converter (the
# converter writes the Confluent wire format with the registry's content ids, through the
# registry's v2 API). Exactly-once source support is on (exactly.once.source.support=enabled).
# Endpoints: KAFKA_BROKERS and SCHEMA_REGISTRY_URL from the environment, else .stack/endpoints.env.
# CONNECT_PORT (default 28083), CONNECT_HEAP (default "-Xms256m -Xmx2g", connect-distributed.sh's).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE="$REPO_ROOT/.stack/debezium"
LOGS="$REPO_ROOT/.stack/logs"
CACHE="${BUYONLINE_CACHE:-$HOME/.cache/buyonline-stack}"
CONNECT_PORT="${CONNECT_PORT:-28083}"
CONNECT_HEAP="${CONNECT_HEAP:--Xms256m -Xmx2g}"
KAFKA_JAVA="${KAFKA_JAVA:-/usr/bin/java}"
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"
PID_FILE="$STATE/connect.pid"
# Connect's group and internal topics, one set per clone: helpers share the stack's Kafka.
CLUSTER="buyonline-debezium-$(printf %s "$REPO_ROOT" | sha1sum | cut -c1-10)"

log() { printf '[debezium] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

plugins_dir() { echo "$CACHE/debezium-plugins-$(cat "$SCRIPT_DIR"/connector/pom.xml "$SCRIPT_DIR"/converter/pom.xml | sha1sum | cut -c1-10)"; }

fetch_plugins() {
  local dir; dir="$(plugins_dir)"
  [[ -f "$dir/.complete" ]] && return 0
  log "downloading Debezium's PostgreSQL connector and Apicurio's Avro converter (Maven Central)"
  mkdir -p "$CACHE" "$LOGS"
  local tmp; tmp="$(mktemp -d "$CACHE/.debezium.XXXXXX")"
  local plugin
  for plugin in connector converter; do
    # Kafka's own jars stay out: the worker's class loader serves org.apache.kafka.* anyway.
    if ! (cd "$SCRIPT_DIR/$plugin" && mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" \
        dependency:copy-dependencies -DoutputDirectory="$tmp/$plugin" -DincludeScope=runtime \
        -DexcludeGroupIds=org.apache.kafka) >>"$LOGS/debezium-download.log" 2>&1; then
      rm -rf "$tmp"
      die "mvn dependency:copy-dependencies ($plugin) failed: see $LOGS/debezium-download.log"
    fi
  done
  touch "$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

endpoint() { # endpoint NAME: from the environment, else .stack/endpoints.env
  local value="${!1:-}"
  if [[ -z "$value" && -s "$REPO_ROOT/.stack/endpoints.env" ]]; then
    value="$(sed -n "s/^$1=//p" "$REPO_ROOT/.stack/endpoints.env")"
  fi
  [[ -n "$value" ]] || die "$1 is not set and .stack/endpoints.env has none: start the stack first"
  echo "$value"
}

read_pid() { [[ -s "$PID_FILE" ]] && head -n1 "$PID_FILE" | tr -dc '0-9' || true; }
worker_pid() {
  local pid; pid="$(read_pid)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/worker.properties"; then
    echo "$pid"
  fi
}
answering() { curl -sf --max-time 5 "$CONNECT_URL/connector-plugins" 2>/dev/null | grep -q PostgresConnector; }

write_properties() {
  local brokers registry
  brokers="$(endpoint KAFKA_BROKERS)"
  registry="$(endpoint SCHEMA_REGISTRY_URL)"
  # Apicurio's converter speaks the registry's own API: the ccompat URL's registry, v2 path.
  registry="${registry%/apis/ccompat/*}/apis/registry/v2"
  mkdir -p "$STATE"
  cat >"$STATE/worker.properties" <<EOF
# Written by tooling/debezium/debezium.sh on every 'start'.
bootstrap.servers=$brokers
group.id=$CLUSTER
config.storage.topic=$CLUSTER.configs
offset.storage.topic=$CLUSTER.offsets
status.storage.topic=$CLUSTER.status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
listeners=$CONNECT_URL
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$CONNECT_PORT
plugin.path=$(plugins_dir)
exactly.once.source.support=enabled
key.converter=io.apicurio.registry.utils.converter.AvroConverter
value.converter=io.apicurio.registry.utils.converter.AvroConverter
key.converter.apicurio.registry.url=$registry
value.converter.apicurio.registry.url=$registry
key.converter.apicurio.registry.auto-register=true
value.converter.apicurio.registry.auto-register=true
key.converter.apicurio.registry.find-latest=true
value.converter.apicurio.registry.find-latest=true
key.converter.apicurio.registry.as-confluent=true
value.converter.apicurio.registry.as-confluent=true
key.converter.apicurio.registry.use-id=contentId
value.converter.apicurio.registry.use-id=contentId
key.converter.apicurio.registry.headers.enabled=false
value.converter.apicurio.registry.headers.enabled=false
EOF
}

cmd_start() {
  if [[ -n "$(worker_pid)" ]] && answering; then log "already running"; return 0; fi
  [[ -x "$KAFKA_JAVA" ]] || die "no Java at $KAFKA_JAVA"
  command -v mvn >/dev/null 2>&1 || die "mvn is missing"
  local libs; libs="$(bash "$REPO_ROOT/tooling/stack/stack.sh" kafka-libs)"
  fetch_plugins
  write_properties
  mkdir -p "$LOGS"
  if [[ -z "$(worker_pid)" ]]; then
    : >"$LOGS/connect.log"
    log "starting Kafka Connect on $CONNECT_URL"
    # shellcheck disable=SC2086 # CONNECT_HEAP is a list of JVM flags
    (cd "$STATE" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
      "$KAFKA_JAVA" $CONNECT_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$REPO_ROOT/tooling/stack/kafka/log4j2.properties" \
      -cp "$libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$STATE/worker.properties" \
      >>"$LOGS/connect.log" 2>&1 </dev/null) &
    local i; for i in {1..50}; do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  fi
  local deadline=$((SECONDS + ${CONNECT_TIMEOUT:-180}))
  until answering; do
    [[ -n "$(worker_pid)" ]] || { tail -n 30 "$LOGS/connect.log" >&2; die "the worker exited (log: $LOGS/connect.log)"; }
    ((SECONDS < deadline)) || die "the worker does not answer after ${CONNECT_TIMEOUT:-180} s (log: $LOGS/connect.log)"
    sleep 1
  done
  log "ready: $CONNECT_URL (log: $LOGS/connect.log)"
}

cmd_stop() {
  local pid; pid="$(worker_pid)"
  if [[ -n "$pid" ]]; then
    log "stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local i; for i in {1..200}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "still running after 20 s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$PID_FILE"
}

cmd_env() {
  local pid; pid="$(worker_pid)"
  [[ -n "$pid" ]] && answering || die "Kafka Connect is not up: bash tooling/debezium/debezium.sh start"
  printf 'CONNECT_URL=%s\nCONNECT_PID=%s\nCONNECT_HEAP=%s\n' "$CONNECT_URL" "$pid" "$CONNECT_HEAP"
}

case "${1:-}" in
  fetch) fetch_plugins; plugins_dir ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) [[ -n "$(worker_pid)" ]] && answering && echo "running pid $(worker_pid) $CONNECT_URL" || { echo stopped; exit 3; } ;;
  env) cmd_env ;;
  *) echo "usage: bash tooling/debezium/debezium.sh fetch|start|stop|status|env" >&2; exit 2 ;;
esac
