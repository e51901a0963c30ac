#!/usr/bin/env bash
# The benchmark of issue 11 on the native stack: the pipeline beside the machine's limits, one run.
# Usage: bash bench/run.sh [--rows N] [--flat-updates N] [--paced-updates N] [--rate R] [--tx-rows N] [--writers N] [--profile] [--skip-limits] [--cpu-hog] [--with-debezium] [--out DIR]
# (--help lists them). bootstrap.sh builds the apps and the bench first; results in bench/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
bash tooling/stack/stack.sh up
node bench/dist/main.js "$@"
