// Argon2 (RFC 9106, version 0x13) from libargon2, as PPK v3 uses it: the passphrase is the password,
// the file's salt is the salt, the secret and associated data are empty, and the tag is as long as
// the cipher key, IV and MAC key together (80 bytes for aes256-cbc).
//
// Pass tuning follows PuTTY's `argon2_choose_passes` (crypto/argon2.c): run with 1, 1, 2, 3, 5, 8, 13 …
// passes (Fibonacci, so the search costs about as much as the final run) until one run takes at least
// the target time, and keep that run's output as the derived key.

internal import CArgon2

enum Argon2 {
    /// Refused above this much memory (KiB): a hostile file must not make us allocate without bound.
    static let maximumMemory = 1 << 20 // 1 GiB, 128 times puttygen's default

    /// Refused above this many lanes: libargon2 starts a thread per lane (puttygen writes 1).
    static let maximumParallelism = 64

    /// Derives `length` bytes. Parameters above keyport's bounds throw `.unsupported`, below
    /// libargon2's minimums `.malformed`; libargon2's own failures throw `.crypto` with its message.
    static func derive(flavor: Argon2Parameters.Flavor, passphrase: SecureBytes, salt: [UInt8],
                       memory: Int, passes: Int, parallelism: Int, length: Int) throws -> SecureBytes {
        guard memory > 0, memory <= maximumMemory else {
            throw KeyportError.unsupported("Argon2 memory \(memory) KiB is outside what keyport accepts (1 to \(maximumMemory) KiB)", reason: .costAboveLimit)
        }
        guard parallelism <= maximumParallelism else {
            throw KeyportError.unsupported("Argon2 parallelism \(parallelism) is more than keyport accepts (\(maximumParallelism) lanes)", reason: .costAboveLimit)
        }
        guard let tCost = UInt32(exactly: passes), let mCost = UInt32(exactly: memory),
              let lanes = UInt32(exactly: parallelism), length > 0 else {
            throw KeyportError.unsupported("Argon2 parameters out of range (passes \(passes), parallelism \(parallelism))")
        }
        try KDFLimits.checkArgon2(memory: memory, passes: passes)
        // libargon2's own minimums (argon2.h ARGON2_MIN_*): a file below them is damaged, which is
        // said here in words rather than as a library failure.
        func damaged(_ reason: String) -> KeyportError { .malformed(format: "PPK", field: "Argon2 parameters", reason: reason) }
        guard passes >= 1 else { throw damaged("Argon2-Passes is \(passes); at least 1 is needed") }
        guard parallelism >= 1 else { throw damaged("Argon2-Parallelism is \(parallelism); at least 1 lane is needed") }
        guard memory >= 8 * parallelism else {
            throw damaged("Argon2-Memory is \(memory) KiB; at least 8 KiB per lane (\(8 * parallelism) KiB) are needed")
        }
        guard salt.count >= 8 else { throw damaged("Argon2-Salt is \(salt.count) byte\(salt.count == 1 ? "" : "s"); at least 8 are needed") }
        let type: argon2_type
        switch flavor {
        case .argon2d: type = Argon2_d
        case .argon2i: type = Argon2_i
        case .argon2id: type = Argon2_id
        }
        // Straight into wiped-on-free storage: the derived key never sits in an array.
        return try SecureBytes(unsafeUninitializedCapacity: length) { out in
            let status = passphrase.withUnsafeBytes { pwd in
                salt.withUnsafeBytes { s in
                    argon2_hash(tCost, mCost, lanes, pwd.baseAddress, pwd.count, s.baseAddress, s.count,
                                out.baseAddress, out.count, nil, 0, type, ARGON2_VERSION_13.rawValue)
                }
            }
            guard status == Int32(ARGON2_OK.rawValue) else {
                let message = argon2_error_message(status).map { String(cString: $0) } ?? "error \(status)"
                throw KeyportError.crypto("argon2: \(message.lowercased())")
            }
            return length
        }
    }

    /// Chooses passes as puttygen does and returns them with the output of the run that met the
    /// target, so the caller does not hash a second time.
    static func derivingWithTunedPasses(flavor: Argon2Parameters.Flavor, passphrase: SecureBytes, salt: [UInt8],
                                        memory: Int, parallelism: Int, length: Int,
                                        targetMilliseconds: Int = 100) throws -> (passes: Int, output: SecureBytes) {
        let target = Duration.milliseconds(targetMilliseconds)
        let clock = ContinuousClock()
        var (a, b) = (1, 1)
        while true {
            let start = clock.now
            let output = try derive(flavor: flavor, passphrase: passphrase, salt: salt, memory: memory,
                                    passes: b, parallelism: parallelism, length: length)
            let elapsed = clock.now - start
            // PuTTY stops before the pass count would leave UInt32; keyport also stops before the
            // next run would exceed its own work bound (only reachable with a tiny memory setting).
            if elapsed >= target || a > Int(UInt32.max) - b || (a + b) * memory > KDFLimits.argon2Work { return (b, output) }
            (a, b) = (b, a + b)
        }
    }
}
