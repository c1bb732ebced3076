#!/usr/bin/env bash
# REST commit latency: the real server jar per backend, N sequential POST /v1/repos/{id}/commits
# of one small file, each on top of the previous commit (parent CAS). Reports p50/p90/p99.
#
#   benchmarks/run-rest-commit.sh                         # fs, sqlite, mem; 500 commits after 2000 warm-up
#   BACKENDS=fs COMMITS=200 benchmarks/run-rest-commit.sh
#
# Knobs: BACKENDS, COMMITS, WARMUP (default 2000: a running server's steady state), WORK_DIR (default benchmarks/target/rest-commit-work; keep it
# on a real disk, not tmpfs, or fs fsyncs cost nothing), SERVER_JAVA_OPTS, ARTIFACTS_JAR,
# SKIP_BUILD=1. Results: $WORK_DIR/rest-commit-results.md (also printed).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
log() { echo "[run-rest-commit] $*"; }

cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  log "building artifacts-server (runnable jar) and the benchmarks module"
  mvn -q -B -ntp -DskipTests -pl artifacts-server,benchmarks -am package
fi
export ARTIFACTS_JAR="${ARTIFACTS_JAR:-$ROOT/artifacts-server/target/artifacts-server.jar}"
export WORK_DIR="${WORK_DIR:-$BENCH_DIR/target/rest-commit-work}"
CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/e2e-classpath.txt")"
exec java -cp "$CP" dev.artifacts.benchmarks.e2e.RestCommitBench
