#!/usr/bin/env bash
# The whole test suite: typecheck, lint, unit and integration tests, then the end-to-end
# scenarios against real PostgreSQL, Kafka and Schema Registry. Services come from
# PG_URL/KAFKA_BROKERS/SCHEMA_REGISTRY_URL when set, else from testcontainers when a Docker
# daemon answers, else from the project's native stack (started here when needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1
given_endpoints="${PG_URL:-}"
if [ -z "$given_endpoints" ]; then
  # Unit and integration tests use the native stack's endpoints...
  bash tooling/stack/stack.sh up
  set -a; . .stack/endpoints.env; set +a
fi
bunx turbo run typecheck lint --output-logs=new-only
# The Snowflake emulator (fakesnow, from PyPI, on loopback): sink-stage's integration tests read
# the tables COPY INTO fills on it, and the e2e suite's Snowflake scenarios load into it.
bash tooling/fakesnow/fakesnow.sh up
# One package's tests at a time: the integration tests share the stack (its replication slots among
# them), and the unit tests' timeouts are guards, not speed targets, on 2 cores.
bunx turbo run test --concurrency=1 --output-logs=new-only
if [ -z "$given_endpoints" ]; then
  # ...while the e2e suite picks its own provider (testcontainers when Docker answers).
  unset PG_URL KAFKA_BROKERS SCHEMA_REGISTRY_URL
fi
bunx turbo run test:e2e --output-logs=full
# The Helm chart rendered and validated against the Kubernetes schemas (helm built with Go: without a
# Go toolchain or a cached helm this fails naming what to install).
bash scripts/validate-chart.sh
# The PostgreSQL version matrix (14, 16, 17, 18 beside the stack's 15): the source's tests and the
# core e2e against each (PG_VERSIONS="…" picks others, PG_VERSIONS=none skips it).
if [ -z "$given_endpoints" ] && [ "${PG_VERSIONS:-}" != none ]; then
  bash scripts/test-pg-versions.sh
fi
