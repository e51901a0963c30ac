#!/usr/bin/env bash
# fakesnow (a Snowflake emulator on DuckDB) as a local server the Node snowflake-sdk can use.
#
#   bash tooling/fakesnow/fakesnow.sh up       install (first time) and start; idempotent
#   bash tooling/fakesnow/fakesnow.sh down     stop it (its state is in memory: all of it goes)
#   bash tooling/fakesnow/fakesnow.sh status   exit 0 when it answers, 3 otherwise
#   bash tooling/fakesnow/fakesnow.sh env      print the SNOWFLAKE_* settings that reach it
#
# Installs fakesnow[server]==0.12.1 with snowflake-connector-python<5 (5.x breaks its server)
# from PyPI into ${BUYONLINE_CACHE:-~/.cache/buyonline-stack}/fakesnow-venv and serves
# tooling/fakesnow/server.py (fakesnow's app + a middleware for the Node SDK) on
# 127.0.0.1:${FAKESNOW_PORT:-28090}. Pid and log in <repo>/.stack/fakesnow/.
# Any account/user/password logs in (fakesnow checks none); the SDK must share this filesystem.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE="$REPO_ROOT/.stack/fakesnow"
CACHE="${BUYONLINE_CACHE:-$HOME/.cache/buyonline-stack}"
VENV="$CACHE/fakesnow-venv"
PORT="${FAKESNOW_PORT:-28090}"
TIMEOUT="${FAKESNOW_TIMEOUT:-60}"
PYTHON="${PYTHON:-python3}"
PIDFILE="$STATE/fakesnow.pid"
LOG="$STATE/fakesnow.log"
URL="http://127.0.0.1:$PORT"

log() { printf '[fakesnow] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

running_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null | tr -dc '0-9' || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q "server.py" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
  return 0
}

answering() { # any HTTP answer proves the server is up (a login needs no credentials here)
  [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' -X POST "$URL/session" 2>/dev/null || true)" =~ ^[1-5][0-9][0-9]$ ]]
}

install() {
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import fakesnow.server, uvicorn, pyarrow' 2>/dev/null \
    && [[ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("fakesnow"))')" == 0.12.1 ]]; then
    return 0
  fi
  log "installing fakesnow[server]==0.12.1 into $VENV (PyPI)"
  mkdir -p "$CACHE"
  "$PYTHON" -m venv "$VENV" || die "cannot create a venv with $PYTHON (apt-get install python3-venv?)"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'fakesnow[server]==0.12.1' 'snowflake-connector-python<5' \
    || die "pip install failed"
}

up() {
  mkdir -p "$STATE"
  if [[ -n "$(running_pid)" ]] && answering; then
    log "already running on $URL (pid $(running_pid))"
    return 0
  fi
  install
  if answering; then die "port $PORT answers but not as our fakesnow (pid file $PIDFILE): set FAKESNOW_PORT"; fi
  log "starting on $URL (log $LOG)"
  # the server's own working dir: fakesnow keeps stage files under a temp dir it creates
  nohup "$VENV/bin/python" "$SCRIPT_DIR/server.py" --host 127.0.0.1 --port "$PORT" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local waited=0
  until answering; do
    if [[ -z "$(running_pid)" ]]; then log "server exited; end of $LOG:"; tail -n 20 "$LOG" >&2; exit 1; fi
    ((waited++ >= TIMEOUT * 2)) && { log "no answer after ${TIMEOUT}s; end of $LOG:"; tail -n 20 "$LOG" >&2; exit 1; }
    sleep 0.5
  done
  log "up on $URL (pid $(running_pid))"
}

down() {
  local pid; pid="$(running_pid)"
  rm -f "$PIDFILE"
  [[ -n "$pid" ]] || { log "not running"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || { log "stopped"; return 0; }; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  log "killed pid $pid"
}

status() {
  if [[ -n "$(running_pid)" ]] && answering; then echo "fakesnow: up on $URL (pid $(running_pid))"; return 0; fi
  echo "fakesnow: down"
  return 3
}

env_lines() {
  cat <<EOF
SNOWFLAKE_ACCESS_URL=$URL
SNOWFLAKE_ACCOUNT=fakesnow
SNOWFLAKE_USERNAME=fake
SNOWFLAKE_PASSWORD=snow
EOF
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
