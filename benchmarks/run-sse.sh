#!/usr/bin/env bash
# SSE event latency: the real server jar, N subscribers on a repository's event stream, M pushes
# with the stock git CLI; reports publish -> receive and push exit -> receive latency.
#
#   benchmarks/run-sse.sh                                  # 1 and 50 subscribers, 100 pushes each
#   SSE_SUBSCRIBERS=1,10,50 SSE_PUSHES=200 benchmarks/run-sse.sh
#
# Knobs: SSE_SUBSCRIBERS (1,50), SSE_PUSHES (100), SSE_WARMUP (10), SSE_STORAGE (mem|fs|sqlite,
# default mem), ARTIFACTS_JAR (server jar; default: built from this checkout), SKIP_BUILD=1.
# Results: benchmarks/target/sse-results.md (also printed).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
log() { echo "[run-sse] $*"; }
command -v git >/dev/null 2>&1 || { echo "git is required" >&2; exit 1; }

cd "$ROOT"
ARTIFACTS_JAR="${ARTIFACTS_JAR:-$ROOT/artifacts-server/target/artifacts-server.jar}"
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  log "building artifacts-server (runnable jar) and benchmarks"
  mvn -q -B -ntp -DskipTests -pl artifacts-server,benchmarks -am package
fi
[ -f "$ARTIFACTS_JAR" ] || { echo "server jar $ARTIFACTS_JAR not found" >&2; exit 1; }

log "load before the run: $(uptime)"
CP="$BENCH_DIR/target/classes"
java -Xmx512m -cp "$CP" \
  -Dsse.jar="$ARTIFACTS_JAR" \
  -Dsse.subscribers="${SSE_SUBSCRIBERS:-1,50}" \
  -Dsse.pushes="${SSE_PUSHES:-100}" \
  -Dsse.warmup="${SSE_WARMUP:-10}" \
  -Dsse.storage="${SSE_STORAGE:-mem}" \
  -Dsse.work="$BENCH_DIR/target/sse" \
  -Dsse.out="$BENCH_DIR/target/sse-results.md" \
  dev.artifacts.benchmarks.sse.SseBench
log "load after the run: $(uptime)"
