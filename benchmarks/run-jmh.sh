#!/usr/bin/env bash
# JMH micro-benchmarks of the storage backends (mem, fs, sqlite):
#   RefCasBenchmark        2 threads compare-and-swap ONE ref; every success checked, no update lost
#   PackIngestBenchmark    pack + idx written and committed through the ObjectStore SPI
#   EngineIngestBenchmark  blobs inserted and flushed through JGit's ObjectInserter (the engine)
#
#   benchmarks/run-jmh.sh             # default settings: about 5 minutes on 2 cores
#   QUICK=1 benchmarks/run-jmh.sh     # smoke test, about 1 minute; figures are not meaningful
#
# Results: the JMH table on stdout and in benchmarks/target/jmh-results.txt, machine-readable in
# benchmarks/target/jmh-results.json. A failing benchmark (a lost update, a pack that does not
# read back) stops the run with a non-zero exit (-foe true).
# Knobs (environment variables), see benchmarks/README.md:
#   BENCH=regex  BACKENDS=mem,fs,sqlite  SIZES=small,large  FORKS=1
#   WARMUP_ITERS=3 WARMUP_TIME=2s  ITERS=4 ITER_TIME=3s  JMH_ARGS="..."  SKIP_BUILD=1
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
log() { echo "[run-jmh] $*"; }

JAR="$BENCH_DIR/target/benchmarks.jar"
if [ "${SKIP_BUILD:-0}" != "1" ] || [ ! -f "$JAR" ]; then
  log "building the benchmarks module (target/benchmarks.jar)"
  (cd "$ROOT" && mvn -q -B -ntp -DskipTests -pl benchmarks -am package)
fi

if [ "${QUICK:-0}" = "1" ]; then
  : "${WARMUP_ITERS:=1}" "${WARMUP_TIME:=1s}" "${ITERS:=1}" "${ITER_TIME:=1s}"
fi
BENCH="${BENCH:-dev\.artifacts\.benchmarks\.jmh\..*}"
FORKS="${FORKS:-1}"
WARMUP_ITERS="${WARMUP_ITERS:-3}"
WARMUP_TIME="${WARMUP_TIME:-2s}"
ITERS="${ITERS:-4}"
ITER_TIME="${ITER_TIME:-3s}"
BACKENDS="${BACKENDS:-mem,fs,sqlite}"
SIZES="${SIZES:-small,large}"

args=("$BENCH" -f "$FORKS" -wi "$WARMUP_ITERS" -w "$WARMUP_TIME" -i "$ITERS" -r "$ITER_TIME"
      -p "backend=$BACKENDS" -p "size=$SIZES"
      -foe true -rf json -rff "$BENCH_DIR/target/jmh-results.json")
# shellcheck disable=SC2206   # JMH_ARGS is split on purpose
[ -n "${JMH_ARGS:-}" ] && args+=(${JMH_ARGS})

log "java -jar $JAR ${args[*]}"
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
set -o pipefail
java -jar "$JAR" "${args[@]}" 2>&1 | tee "$BENCH_DIR/target/jmh-results.txt"
log "results: $BENCH_DIR/target/jmh-results.txt, $BENCH_DIR/target/jmh-results.json"
