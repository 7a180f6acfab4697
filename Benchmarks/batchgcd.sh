#!/bin/sh
# Batch GCD and per-key known-weak checks of `keyport lint`, timed (issue 7, "Speed").
#
#   Benchmarks/batchgcd.sh                 # 10,000 and 100,000 moduli, 100,000 keys for per-key checks
#   Benchmarks/batchgcd.sh 10000           # only the 10,000-moduli batch GCD
#   KEYS=0 Benchmarks/batchgcd.sh 10000    # skip the per-key and end-to-end runs
#
# Runs the LintBenchmark suite in a release build (KEYPORT_BENCH_MODULI / KEYPORT_BENCH_KEYS) under
# /usr/bin/time -v, then the plain C reference (Benchmarks/batchgcd-reference.c) on the same sizes,
# one after the other, so both see the same machine load (printed before each run); then
# `keyport lint` itself on a directory of authorized_keys files with $KEYS such keys (10 planted pairs), once with
# only the batch GCD rule and once with only the per-key rules (policy files). Moduli are
# products of two 1024-bit odd numbers free of primes below 2^27, not proven primes (see
# BatchGCD.syntheticModuli); the planted pairs share a real factor and the test fails unless every one is found.
set -eu
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-bench}
KEYS=${KEYS:-100000}
SIZES=${*:-10000 100000}
FLAGS="-c release -Xswiftc -enable-testing --scratch-path $SCRATCH"
swift build --build-tests $FLAGS >/dev/null
ref=$(mktemp -d)/batchgcd-reference
cc -O2 -fopenmp Benchmarks/batchgcd-reference.c -lgmp -o "$ref"

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
    work=$(mktemp -d)
    KEYPORT_BENCH_AUTHORIZED_KEYS=$work/keys KEYPORT_BENCH_KEYS=$KEYS swift test --skip-build $FLAGS \
        --filter 'LintBenchmarkTests/authorizedKeysWithPlantedPairsLintsFromDisk' >/dev/null 2>&1
    keyport=$(swift build $FLAGS --show-bin-path)/keyport
    echo "disable = rsa-roca, rsa-fermat, rsa-small-factors" > "$work/batch.policy"
    echo "disable = rsa-shared-prime" > "$work/per-key.policy"
    echo "disable = rsa-shared-prime, rsa-roca, rsa-fermat, rsa-small-factors" > "$work/none.policy"
    for mode in none batch per-key; do
        echo "== keyport lint, $KEYS keys, weak-key rules: $mode; load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
        /usr/bin/time -v -o "$log" "$keyport" lint --format json --policy "$work/$mode.policy" "$work/keys" \
            > "$work/out.json" || true
        echo "    rsa-shared-prime findings: $(grep -c rsa-shared-prime "$work/out.json" || true)"
        peak "$log"
    done
    rm -rf "$work"
fi
