// Throughput of keyport's hot paths, with google/swift-benchmark. Everything here goes through the
// library's public API: the same code the CLI runs. Inputs are made once, deterministically, before
// the benchmarks start.
import Benchmark
import Keyport

// MARK: - Inputs

/// Keeps a result alive so the optimizer cannot drop the work (swift-benchmark 0.1.2 has no helper).
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// A fixed pseudo-random byte stream (SplitMix64), so runs compare like with like.
struct Bytes {
    var state: UInt64
    mutating func next(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }
}

nonisolated(unsafe) var random = Bytes(state: 42)

func rsaKey() -> PublicKey {
    var n = random.next(256)
    n[0] |= 0x80
    n[255] |= 1
    return PublicKey(algorithm: .rsa, parts: .rsa(e: [1, 0, 1], n: n))
}

let ed25519 = PublicKey(algorithm: .ed25519, parts: .eddsa(publicKey: random.next(32)))
let rsa = rsaKey()
let rsaBlob = rsa.blob
let edBlob = ed25519.blob
let rsaBase64 = Base64.encode(rsaBlob)
let rsaLine = Array("ssh-rsa \(rsaBase64) user@example.com".utf8)
let edLine = Array("ssh-ed25519 \(Base64.encode(edBlob)) user@example.com".utf8)

// MARK: - Wire and base64

benchmark("wire: parse ssh-rsa 2048 blob") {
    _ = try PublicKey(blob: rsaBlob)
}
benchmark("wire: parse ssh-ed25519 blob") {
    _ = try PublicKey(blob: edBlob)
}
benchmark("wire: encode ssh-rsa 2048 blob") {
    blackHole(rsa.blob)
}
benchmark("base64: decode 279-byte blob") {
    blackHole(Base64.decode(rsaBase64))
}
benchmark("base64: encode 279-byte blob") {
    blackHole(Base64.encode(rsaBlob))
}

// MARK: - Fingerprints

benchmark("fingerprint: sha256 of ssh-rsa key") {
    blackHole(rsa.fingerprint(.sha256))
}
benchmark("fingerprint: md5 of ssh-rsa key") {
    blackHole(rsa.fingerprint(.md5))
}
benchmark("fingerprint: general path, parse + sha256 of an ssh-rsa line") {
    if case let .key(doc) = OpenSSHPublicFormat.parseLine(rsaLine[...], lineNumber: 1) {
        blackHole(doc.publicKey?.fingerprint(.sha256))
    }
}

/// The allocation-free path `keyport fingerprint` takes for plain lines.
// Used by one benchmark at a time, on one thread.
final class FastPath: @unchecked Sendable {
    var fingerprinter = LineFingerprinter()
    var out: [UInt8] = []
    init() { out.reserveCapacity(4096) }
    func run(_ line: [UInt8], _ hash: FingerprintHash) {
        out.removeAll(keepingCapacity: true)
        _ = line.withUnsafeBufferPointer { fingerprinter.append(line: $0, hash: hash, to: &out) }
        blackHole(out)
    }
}
let fast = FastPath()
benchmark("fingerprint: fast path, ssh-rsa line sha256") { fast.run(rsaLine, .sha256) }
benchmark("fingerprint: fast path, ssh-ed25519 line sha256") { fast.run(edLine, .sha256) }
benchmark("fingerprint: fast path, ssh-rsa line md5") { fast.run(rsaLine, .md5) }

// MARK: - KDFs

let passphrase = SecureBytes("benchmark passphrase")
let salt = random.next(16)
benchmark("kdf: bcrypt_pbkdf 16 rounds, 48 bytes (aes256-ctr key+iv)") {
    blackHole(try KeyDerivation.bcryptPBKDF(passphrase: passphrase, salt: salt, rounds: 16, keyLength: 48))
}
/// Argon2 with the smallest memory and one pass: what keyport adds around libargon2's own work.
benchmark("kdf: argon2id call overhead (8 KiB, 1 pass)") {
    blackHole(try KeyDerivation.argon2(Argon2Parameters(flavor: .argon2id, memory: 8, passes: 1, parallelism: 1, salt: salt),
                                       passphrase: passphrase, length: 80))
}

// MARK: - Batch GCD (small)

let moduli: [[UInt8]] = (0..<64).map { _ in
    var n = random.next(128)
    n[0] |= 0x80
    n[127] |= 1
    return n
}
benchmark("batch gcd: 64 moduli of 1024 bits") {
    blackHole(BatchGCD.findSharedFactors(moduli: moduli))
}

Benchmark.main()
