#!/usr/bin/env bash
# Fork benchmark: REST fork rate (N parallel keep-alive clients) and bytes added per fork, against
# the real server jar, one server per backend (fs, sqlite, mem).
#
#   benchmarks/run-forks.sh            # full run: about 6-8 minutes on 2 cores (first run also generates the large repo)
#   QUICK=1 benchmarks/run-forks.sh    # smoke test, about a minute; tiny "large" repo
#
# Results: benchmarks/target/forks-results.md (also printed). Knobs: BACKENDS, CLIENTS,
# WARMUP_SECS, DURATION_SECS, SIZE_FORKS, SERVER_JAVA_OPTS, ARTIFACTS_JAR, SKIP_BUILD
# (see benchmarks/README.md).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
export BENCH_DIR
cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  echo "[run-forks] building benchmarks and artifacts-server"
  mvn -q -B -ntp -DskipTests -pl benchmarks,artifacts-server -am package
fi
export ARTIFACTS_JAR="${ARTIFACTS_JAR:-$ROOT/artifacts-server/target/artifacts-server.jar}"
CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/e2e-classpath.txt")"
echo "[run-forks] load average: $(cat /proc/loadavg)"
. "$BENCH_DIR/driver.sh"
run_driver -Xmx1g -cp "$CP" dev.artifacts.benchmarks.e2e.ForkRateBench
