import Foundation
import Testing
@testable import Keyport

@Suite("LintBenchmark") struct LintBenchmarkTests {
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(0, &usage) // RUSAGE_SELF (an enum on Glibc, an Int32 on Darwin)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    static func peakMegabytes() -> Int {
        var usage = rusage()
        getrusage(0, &usage) // RUSAGE_SELF (an enum on Glibc, an Int32 on Darwin)
        return Int(usage.ru_maxrss) / 1024
    }

    /// Batch GCD on synthetic moduli with planted pairs. Small by default so the suite stays fast;
    /// KEYPORT_BENCH_MODULI=10000 makes it the 10,000 × RSA-2048 benchmark (timings on stderr;
    /// Benchmarks/batchgcd.sh runs it in a release build).
    @Test func batchGCDFindsEveryPlantedPair() throws {
        let count = ProcessInfo.processInfo.environment["KEYPORT_BENCH_MODULI"].flatMap { Int($0) } ?? 300
        let clock = ContinuousClock()
        let setupStart = clock.now
        let synthetic = try BatchGCD.syntheticModuli(count: count, halfBits: count > 1000 ? 1024 : 256, plantedPairs: 10)
        let setup = clock.now - setupStart
        let cpu = Self.cpuSeconds(), start = clock.now
        let found = BatchGCD.findSharedFactors(moduli: synthetic.moduli)
        let wall = clock.now - start, used = Self.cpuSeconds() - cpu
        let planted = found.filter { pair in synthetic.planted.contains { $0.first == pair.first && $0.second == pair.second } }
        #expect(synthetic.planted.count == 10 && planted.count == 10)
        // Every other pair reported is a real shared factor of the synthetic numbers.
        for pair in found where !planted.contains(pair) {
            #expect(!GMPInteger(synthetic.moduli[pair.first]).gcd(GMPInteger(synthetic.moduli[pair.second])).isOne)
        }
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        FileHandle.standardError.write(Data("batch GCD: \(count) × \(count > 1000 ? 2048 : 512)-bit moduli: \(seconds(wall)) s wall, \(used) s CPU (process; setup \(seconds(setup)) s), planted found \(planted.count)/\(synthetic.planted.count), accidental \(found.count - planted.count), peak RSS \(Self.peakMegabytes()) MB\n".utf8))
    }

    /// Synthetic RSA-2048 keys with planted shared pairs as authorized_keys files, linted from disk:
    /// exactly the planted moduli get rsa-shared-prime. With KEYPORT_BENCH_AUTHORIZED_KEYS=DIR (and
    /// KEYPORT_BENCH_KEYS=N) the files are left under DIR (DIR/000/authorized_keys, … of 2,000 keys
    /// each: the CLI reads at most 1 MiB per file) for timing `keyport lint DIR` (Benchmarks/batchgcd.sh).
    @Test func authorizedKeysWithPlantedPairsLintsFromDisk() throws {
        let environment = ProcessInfo.processInfo.environment
        let target = environment["KEYPORT_BENCH_AUTHORIZED_KEYS"]
        let count = target == nil ? 120 : environment["KEYPORT_BENCH_KEYS"].flatMap { Int($0) } ?? 100_000
        let perFile = target == nil ? 50 : 2000
        let synthetic = try BatchGCD.syntheticModuli(count: count, halfBits: target == nil ? 256 : 1024, plantedPairs: 10)
        let dir = try TempDir()
        let root = target ?? dir.path("keys")
        var paths: [String] = []
        for start in stride(from: 0, to: count, by: perFile) {
            var text = ""
            for i in start..<min(count, start + perFile) {
                text += "ssh-rsa " + Data(rsaPublic(n: synthetic.moduli[i]).blob).base64EncodedString() + " key\(i)@example.com\n"
            }
            let folder = root + "/" + String(repeating: "0", count: max(0, 3 - String(paths.count).count)) + String(paths.count)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            paths.append(folder + "/authorized_keys")
            try Data(text.utf8).write(to: URL(fileURLWithPath: paths[paths.count - 1]))
        }
        guard target == nil else { return }
        var policy = Policy()
        policy.minRSABits = 512
        let shared = try lintFiles(paths, policy: policy).filter { $0.ruleID == "rsa-shared-prime" }
        // Planted modulus i is line i % 50 + 1 of file i / 50.
        let planted = Set(synthetic.planted.flatMap { [$0.first, $0.second] }.map { paths[$0 / perFile] + ":\($0 % perFile + 1)" })
        #expect(Set(shared.map { $0.file + ":\($0.line ?? 0)" }) == planted && shared.count == 20)
    }

    /// Per-key known-weak checks (small factors, ROCA, Fermat 100 steps), one core, on synthetic
    /// RSA-2048 moduli; KEYPORT_BENCH_KEYS=100000 for the benchmark.
    @Test func perKeyChecksThroughput() throws {
        let count = ProcessInfo.processInfo.environment["KEYPORT_BENCH_KEYS"].flatMap { Int($0) } ?? 200
        let moduli = try BatchGCD.syntheticModuli(count: count, halfBits: count > 1000 ? 1024 : 256, plantedPairs: 0).moduli
        let clock = ContinuousClock()
        func rate(_ name: String, _ check: ([UInt8]) -> Bool) -> Int {
            let start = clock.now
            var flagged = 0
            for n in moduli where check(n) { flagged += 1 }
            let d = clock.now - start
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            FileHandle.standardError.write(Data("per-key \(name): \(count) keys in \(s) s = \(Int(Double(count) / max(s, 1e-9))) keys/s\n".utf8))
            return flagged
        }
        #expect(rate("small factors") { !RSAWeakness.smallFactors(modulus: $0).isEmpty } == 0)
        #expect(rate("ROCA") { RSAWeakness.hasROCAFingerprint(modulus: $0) } == 0)
        #expect(rate("Fermat 100 steps") { RSAWeakness.fermatFactor(modulus: $0, steps: 100) != nil } == 0)
        #expect(rate("all three") { n in
            !RSAWeakness.smallFactors(modulus: n).isEmpty || RSAWeakness.hasROCAFingerprint(modulus: n)
                || RSAWeakness.fermatFactor(modulus: n, steps: 100) != nil
        } == 0)
    }
}
