#!/usr/bin/env bash
# End-to-end benchmark: this project's server (fs and mem backends) vs `git http-backend`
# (lighttpd + CGI) vs plain JGit GitServlet (Jetty 12 ee10), on the same repositories.
#
#   benchmarks/run-e2e.sh              # full run (tens of minutes)
#   QUICK=1 benchmarks/run-e2e.sh      # smoke test, a couple of minutes
#
# Results: benchmarks/target/e2e-results.md (also printed) and benchmarks/target/e2e-raw.csv.
# See benchmarks/README.md for every knob (PEERS, ARTIFACTS_JAR, SERVER_JAVA_OPTS, ...).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
export BENCH_DIR
log() { echo "[run-e2e] $*"; }

# ---- system packages: git (client + http-backend), lighttpd, a JDK with jstat ---------------
need_pkgs=()
command -v git >/dev/null 2>&1 || need_pkgs+=(git)
[ -x /usr/lib/git-core/git-http-backend ] || need_pkgs+=(git)
command -v lighttpd >/dev/null 2>&1 || need_pkgs+=(lighttpd)
command -v jstat >/dev/null 2>&1 || need_pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
command -v unzip >/dev/null 2>&1 || need_pkgs+=(unzip)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# ---- build --------------------------------------------------------------------------------
cd "$ROOT"
MVN=(mvn -q -B -DskipTests)
log "building benchmarks module"
"${MVN[@]}" -pl benchmarks -am package

if [ -n "${PEERS:-}" ] && [[ "$PEERS" != *artifacts* ]]; then
  ARTIFACTS_JAR=""   # no artifacts peer requested: nothing to build
elif [ -z "${ARTIFACTS_JAR:-}" ]; then
  ARTIFACTS_JAR="$ROOT/artifacts-server/target/artifacts-server.jar"
  if [ "${SKIP_SERVER_BUILD:-0}" != "1" ]; then
    log "building artifacts-server (runnable jar)"
    if ! "${MVN[@]}" -pl artifacts-server -am package >"$BENCH_DIR/target/server-build.log" 2>&1; then
      log "WARNING: artifacts-server did not build (see benchmarks/target/server-build.log); its peers will be skipped"
      ARTIFACTS_JAR=""
    fi
  fi
fi
if [ -n "${ARTIFACTS_JAR:-}" ] && [ -f "$ARTIFACTS_JAR" ]; then
  if ! unzip -p "$ARTIFACTS_JAR" META-INF/MANIFEST.MF 2>/dev/null | grep -q '^Main-Class:'; then
    log "WARNING: $ARTIFACTS_JAR has no Main-Class (server not written yet?); artifacts peers will be skipped"
    ARTIFACTS_JAR=""
  fi
elif [ -n "${ARTIFACTS_JAR:-}" ]; then
  log "WARNING: $ARTIFACTS_JAR not found; artifacts peers will be skipped"
  ARTIFACTS_JAR=""
fi
export ARTIFACTS_JAR

# ---- run ----------------------------------------------------------------------------------
CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/e2e-classpath.txt")"
. "$BENCH_DIR/driver.sh"
run_driver -Xmx2g -cp "$CP" dev.artifacts.benchmarks.e2e.E2eBench
