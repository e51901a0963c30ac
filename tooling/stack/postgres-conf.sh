# Shared by tooling/stack/stack.sh (the stack's PostgreSQL 15) and tooling/stack/postgres-version.sh
# (the other major versions and their standbys): what every cluster of the project is configured
# with, written in one place. Source it; it defines functions only.

# pg_write_stack_conf FILE PORT SOCKET_DIR MAX_CONNECTIONS WRITER [EXTRA_LINE...]: the included
# stack.conf (loopback only, logical decoding, room for the tests' slots), written on every start.
pg_write_stack_conf() {
  local file="$1" port="$2" sockets="$3" connections="$4" writer="$5"
  shift 5
  {
    printf '# Written by %s.\n' "$writer"
    printf '%s\n' \
      "listen_addresses = '127.0.0.1'" \
      "port = $port" \
      "unix_socket_directories = '$sockets'" \
      "unix_socket_permissions = 0700" \
      "wal_level = logical" \
      "max_replication_slots = 20" \
      "max_wal_senders = 20" \
      "max_connections = $connections" \
      "password_encryption = 'scram-sha-256'"
    (($# == 0)) || printf '%s\n' "$@"
  } >"$file"
}

# pg_write_hba FILE WRITER: trust over the 0700 socket folder, passwords over loopback.
pg_write_hba() {
  cat >"$1" <<EOF
# Written by $2. Sockets live in a 0700 folder: only root and the server user.
local   all          all                  trust
local   replication  all                  trust
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF
}

# pg_include_stack_conf DATA_DIR: postgresql.conf reads stack.conf (added once).
pg_include_stack_conf() {
  grep -q "^include 'stack.conf'" "$1/postgresql.conf" || printf "\ninclude 'stack.conf'\n" >>"$1/postgresql.conf"
}

# The role and database the tests and the demo use: SQL for psql as the superuser `postgres`.
pg_bootstrap_role_sql() {
  cat <<'SQL'
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
