#!/usr/bin/env bash
# Compaction benchmark: clone time after many small pushes, with background compaction on and off,
# before and after POST /v1/repos/{id}/compact, against the real server jar (fs and sqlite).
#
#   benchmarks/run-compaction.sh            # full run: 1,000 pushes x 2 modes x 2 backends, about 6-9 minutes on 2 cores
#   QUICK=1 benchmarks/run-compaction.sh    # smoke test, about a minute (50 pushes)
#
# Results: benchmarks/target/compaction-results.md (also printed). Knobs: BACKENDS, MODES,
# PUSHES, CLONE_RUNS, SERVER_JAVA_OPTS, ARTIFACTS_JAR, SKIP_BUILD (see benchmarks/README.md).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
export BENCH_DIR
cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  echo "[run-compaction] building benchmarks and artifacts-server"
  mvn -q -B -ntp -DskipTests -pl benchmarks,artifacts-server -am package
fi
export ARTIFACTS_JAR="${ARTIFACTS_JAR:-$ROOT/artifacts-server/target/artifacts-server.jar}"
CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/e2e-classpath.txt")"
echo "[run-compaction] load average: $(cat /proc/loadavg)"
. "$BENCH_DIR/driver.sh"
run_driver -Xmx1g -cp "$CP" dev.artifacts.benchmarks.e2e.CompactionBench
