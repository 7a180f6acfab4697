#!/bin/sh
# Batch GCD and per-key known-weak checks of `keyport lint`, timed (issue 7, "Speed").
#
#   Benchmarks/batchgcd.sh                 # 10,000 and 100,000 moduli, 100,000 keys for per-key checks
#   Benchmarks/batchgcd.sh 10000           # only the 10,000-moduli batch GCD
#   KEYS=0 Benchmarks/batchgcd.sh 10000    # skip the per-key run
#
# Runs the LintBenchmark suite in a release build (KEYPORT_BENCH_MODULI / KEYPORT_BENCH_KEYS) under
# /usr/bin/time -v, then the plain C reference (Benchmarks/batchgcd-reference.c) on the same sizes,
# one after the other, so both see the same machine load (printed before each run). Moduli are
# products of two 1024-bit odd numbers free of primes below 2^27, not proven primes (see
# BatchGCD.benchmark); the planted pairs share a real factor and the test fails unless every one is found.
set -eu
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-bench}
KEYS=${KEYS:-100000}
SIZES=${*:-10000 100000}
FLAGS="-c release -Xswiftc -enable-testing --scratch-path $SCRATCH"
swift build --build-tests $FLAGS >/dev/null
ref=$(mktemp -d)/batchgcd-reference
cc -O2 Benchmarks/batchgcd-reference.c -lgmp -o "$ref"

peak() { grep -E "Maximum resident|Elapsed|User time|System time" "$1" | sed 's/^[[:space:]]*/    /'; }
log=$(mktemp)
for n in $SIZES; do
    echo "== $n moduli; load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
    KEYPORT_BENCH_MODULI=$n /usr/bin/time -v -o "$log" swift test --skip-build $FLAGS \
        --filter 'LintBenchmarkTests/batchGCDFindsEveryPlantedPair' 2>&1 | grep -E "batch GCD:|✘|failed" || true
    peak "$log"
    echo "   load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
    /usr/bin/time -v -o "$log" "$ref" "$n"
    peak "$log"
done
if [ "$KEYS" -gt 0 ]; then
    echo "== per-key checks, $KEYS keys, one core; load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
    KEYPORT_BENCH_KEYS=$KEYS swift test --skip-build $FLAGS --filter 'LintBenchmarkTests/perKeyChecksThroughput' 2>&1 \
        | grep -E "per-key|✘|failed" || true
fi
