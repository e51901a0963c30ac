#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with Node 20+ (nothing by hand):
# the build dependencies of the Kafka addon, Bun (from npm), the workspace's packages
# (compiling @confluentinc/kafka-javascript against the system's libraries, offline), and the
# generated Avro types. Idempotent and quick when everything is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[bootstrap] %s\n' "$*" >&2; }

APT_PACKAGES=(build-essential python3 python3-venv pkg-config libsasl2-dev libssl-dev libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    say "need root (or sudo) to install: ${missing[*]}"; exit 1; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUN_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if ! command -v bun >/dev/null || [ "$(bun --version)" != "$BUN_VERSION" ]; then
  say "installing bun $BUN_VERSION from npm"
  npm install -g --no-fund --no-audit "bun@$BUN_VERSION" >/dev/null
fi

# node-gyp must find Node's headers locally: nodejs.org is not reachable here.
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
for dir in "$node_prefix" /usr /usr/local; do
  if [ -f "$dir/include/node/node_api.h" ]; then export npm_config_nodedir="$dir"; break; fi
done
export CKJS_LINKING=dynamic

stamp="node_modules/.bootstrap-stamp"
lock_sum="$(cat bun.lock package.json */*/package.json e2e/package.json | sha256sum | cut -c1-16)"
addon="$(ls -d node_modules/.bun/@confluentinc+kafka-javascript@*/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node 2>/dev/null | head -1 || true)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ] || [ -z "$addon" ]; then
  say "bun install (compiles the Kafka addon the first time, ~1 min)"
  bun install --frozen-lockfile
  echo "$lock_sum" > "$stamp"
fi
export TURBO_TELEMETRY_DISABLED=1
bunx turbo run codegen build --output-logs=errors-only >/dev/null
say "ready"
