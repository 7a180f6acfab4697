#!/usr/bin/env python3
"""Times RSA-2048 key generation, whole process, keyport beside ssh-keygen and puttygen.

Usage: Benchmarks/generate_bench.py [KEYPORT_BINARY] [RUNS]
  KEYPORT_BINARY defaults to .build/release/keyport (swift build -c release first); RUNS to 31.

The tools run interleaved (keyport, ssh-keygen, puttygen, keyport, ...) so that load from other
processes hits all of them alike. Generation time is random (the prime search), hence the median
and the spread over many runs. Prints the load average before and after: numbers taken on a busy
machine understate what two idle cores give the parallel prime search.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

keyport = sys.argv[1] if len(sys.argv) > 1 else ".build/release/keyport"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 31

work = tempfile.mkdtemp(prefix="keyport-bench-")
tools = {
    "keyport":    lambda f: [keyport, "generate", "-t", "rsa", "-b", "2048", "--no-passphrase", "-C", "bench@example.com", "-f", f],
    "ssh-keygen": lambda f: ["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "bench@example.com", "-f", f],
    "puttygen":   lambda f: ["puttygen", "-t", "rsa", "-b", "2048", "-q", "-C", "bench@example.com", "-o", f + ".ppk", "--new-passphrase", "/dev/null"],
}
times = {name: [] for name in tools}
print("load average before: %.2f %.2f %.2f" % os.getloadavg())
try:
    for i in range(runs):
        for name, command in tools.items():
            f = os.path.join(work, "%s-%d" % (name, i))
            start = time.perf_counter()
            subprocess.run(command(f), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            times[name].append((time.perf_counter() - start) * 1000)
finally:
    shutil.rmtree(work)
print("load average after:  %.2f %.2f %.2f" % os.getloadavg())

def q(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]

reference = statistics.median(times["ssh-keygen"])
print("%-11s %8s %8s %8s %8s %8s %8s  %s" % ("tool", "median", "min", "p10", "p90", "max", "IQR", "median / ssh-keygen"))
for name, values in times.items():
    m = statistics.median(values)
    print("%-11s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f  %.2fx" % (name, m, min(values), q(values, .1), q(values, .9), max(values),
                                                              q(values, .75) - q(values, .25), m / reference))
print("(milliseconds, whole process, %d runs each)" % runs)
