#!/usr/bin/env bash
# REST read benchmark: blob reads by 16 concurrent clients, and a zip archive of the generated
# ~100 MB repository against `git archive` of the same tree, with the server's heap sampled.
#
#   benchmarks/run-rest-reads.sh            # full run (a few minutes once the repo is cached)
#   QUICK=1 benchmarks/run-rest-reads.sh    # smoke test on a small generated repo
#
# Knobs: CLIENTS (16), BLOB_SECONDS (20), ARCHIVE_RUNS (3), SERVER_JAVA_OPTS (-Xmx1g),
# ARTIFACTS_JAR (built from this checkout unless set), E2E_CACHE (generated repos; shared with
# run-e2e.sh), SKIP_SERVER_BUILD=1.
# Results: benchmarks/target/rest-reads-results.md (also printed).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
export BENCH_DIR
log() { echo "[run-rest-reads] $*"; }

need_pkgs=()
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
command -v jstat >/dev/null 2>&1 || need_pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
command -v unzip >/dev/null 2>&1 || need_pkgs+=(unzip)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

cd "$ROOT"
MVN=(mvn -q -B -DskipTests)
log "building benchmarks module"
"${MVN[@]}" -pl benchmarks -am package
if [ -z "${ARTIFACTS_JAR:-}" ]; then
  ARTIFACTS_JAR="$ROOT/artifacts-server/target/artifacts-server.jar"
  if [ "${SKIP_SERVER_BUILD:-0}" != "1" ]; then
    log "building artifacts-server (runnable jar)"
    "${MVN[@]}" -pl artifacts-server -am package
  fi
fi
export ARTIFACTS_JAR
log "load before the run: $(uptime)"

CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/e2e-classpath.txt")"
java -Xmx1g -cp "$CP" dev.artifacts.benchmarks.e2e.RestReadsBench
log "load after the run: $(uptime)"
