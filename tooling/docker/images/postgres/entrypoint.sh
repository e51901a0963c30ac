#!/bin/bash
# First start: initdb, then create the role and database through a socket-only temporary server
# (like the official image, "ready to accept connections" is logged twice on a fresh volume).
set -euo pipefail
: "${POSTGRES_USER:=buyonline}" "${POSTGRES_PASSWORD:=buyonline}" "${POSTGRES_DB:=$POSTGRES_USER}"
if [[ "${1:-}" == -* ]]; then set -- postgres "$@"; fi
if [[ "${1:-}" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
  pwfile="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
unix_socket_directories = '/var/run/postgresql'
CONF
  printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [[ "$POSTGRES_DB" != postgres ]]; then
    psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
fi
exec "$@"
