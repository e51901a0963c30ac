#!/usr/bin/env bash
# Benchmark of log-based capture on the native stack. Usage: bash bench/run.sh [--rows N] [--seconds S] [--writers W] [--batch B]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
bash tooling/stack/stack.sh up
(cd bench && bun run build >/dev/null)
node bench/dist/logical-bench.js "$@"
