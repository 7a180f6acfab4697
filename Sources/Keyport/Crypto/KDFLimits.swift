// Upper bounds on the work a key file may ask of keyport's passphrase KDFs.
//
// A key file chooses its own KDF cost (bcrypt rounds, Argon2 memory and passes, PBKDF2 iterations,
// scrypt N·r·p), and every format allows values that would keep the tool busy for days: openssh-key-v1
// stores rounds as a uint32, PPK v3 stores Argon2 passes as a decimal uint32, PKCS#8 stores the
// iteration count as a DER INTEGER. keyport refuses a file whose cost is above these bounds with an
// `.unsupported` error that names the value and the bound, before any work is done; the same bounds
// apply to what keyport writes, so it never produces a file it would refuse to read.
//
// The bounds sit far above what the peers write by default and what careful users choose, so that
// no real key is refused. Worst cases measured on the 2-core x86-64 CI VM:
//
//   KDF                    default of the peers             bound                      worst case
//   bcrypt_pbkdf rounds    16 (ssh-keygen -a)               65 536 (4096 × default)    ~6.5 min (6 ms/round)
//   Argon2 memory×passes   8 MiB × ~13 (puttygen, 100 ms)   64 GiB·passes              ~1 min (1 GiB·pass in 0.9 s)
//   PBKDF2 iterations      2048 (OpenSSL), 600 000 (ours)   10 000 000                 ~3 s (SHA-256)
//   scrypt N·r·p           2^14 · 8 · 1 (OpenSSL)           2^24                       a few seconds
//
// Argon2 memory has its own bound of 1 GiB (Argon2.maximumMemory); scrypt memory is bounded by
// libcrypto (32 MiB for PBE).

/// The largest key-derivation costs keyport reads or writes: a file chooses its own cost, so a
/// hostile file must not be able to make keyport work for hours.
public enum KDFLimits {
    /// Largest bcrypt_pbkdf round count keyport reads or writes.
    public static let bcryptRounds = 1 << 16
    /// Largest Argon2 memory (KiB) × passes.
    public static let argon2Work = 1 << 26
    /// Largest PBKDF2 / PBES1 / PKCS#12 iteration count.
    public static let pbkdf2Iterations = 10_000_000
    /// Largest scrypt N × r × p.
    public static let scryptWork = 1 << 24
    /// Largest Argon2 memory (KiB) keyport reads or writes.
    public static let argon2Memory = Argon2.maximumMemory

    /// `what` names the parameter and its value, e.g. "bcrypt_pbkdf rounds 4294967295".
    static func refuse(_ what: String, _ bound: Int) -> KeyportError {
        .unsupported("\(what) is above keyport's limit of \(bound): a key file this costly to open is refused rather than left to run for hours (see \"Robustness\" in the README)", reason: .costAboveLimit)
    }

    static func checkBcrypt(rounds: Int) throws {
        guard rounds <= bcryptRounds else { throw refuse("bcrypt_pbkdf rounds \(rounds)", bcryptRounds) }
    }

    static func checkArgon2(memory: Int, passes: Int) throws {
        let (work, overflow) = memory.multipliedReportingOverflow(by: passes)
        guard !overflow, work <= argon2Work else {
            throw refuse("Argon2 memory × passes (\(memory) KiB × \(passes))", argon2Work)
        }
    }

    /// Checks the cost a PKCS#8 file asks for (`PEMFormat.pkcs8Protection`); a count too large for
    /// `Int` is nil and refused.
    static func check(_ kdf: KDF) throws {
        func shown(_ n: Int?) -> String { n.map(String.init) ?? "above 2^62" }
        switch kdf {
        case let .bcrypt(rounds, _):
            try checkBcrypt(rounds: rounds)
        case let .argon2(a):
            try checkArgon2(memory: a.memory, passes: a.passes)
        case let .pbkdf2(_, iterations, _), let .pbes1(_, iterations, _), let .pkcs12(iterations, _):
            guard let n = iterations, n <= pbkdf2Iterations else { throw refuse("\(kdf.name) iterations \(shown(iterations))", pbkdf2Iterations) }
        case let .scrypt(n, r, p, _):
            let what = "scrypt N·r·p (N=\(shown(n)) r=\(shown(r)) p=\(shown(p)))"
            guard let n, let r, let p else { throw refuse(what, scryptWork) }
            let (nr, o1) = n.multipliedReportingOverflow(by: r)
            let (nrp, o2) = nr.multipliedReportingOverflow(by: p)
            guard !o1, !o2, nrp <= scryptWork else { throw refuse(what, scryptWork) }
        case .none, .ppkV2SHA1, .legacyMD5, .other:
            break
        }
    }
}
