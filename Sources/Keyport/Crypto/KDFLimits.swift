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
    /// libcrypto's scrypt memory cap for PKCS#8 (SCRYPT_MAX_MEM), in bytes.
    static let scryptMemory = 32 << 20

    /// `what` names the parameter and its value, e.g. "bcrypt_pbkdf rounds 4294967295".
    static func refuse(_ what: String, _ bound: Int) -> KeyportError {
        .unsupported("\(what) is above keyport's limit of \(bound): a key file this costly to open is refused rather than left to run for hours (see \"Robustness\" in the README)")
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

    /// Checks the parameters `PEMFormat.pkcs8Protection` read; "huge" marks an INTEGER over 62 bits.
    static func checkPKCS8(_ protection: Protection) throws {
        let p = protection.parameters
        if let text = p["iterations"] {
            guard let n = Int(text), n <= pbkdf2Iterations else { throw refuse("\(protection.kdf) iterations \(text)", pbkdf2Iterations) }
        }
        if let n = p["N"], let r = p["r"], let q = p["p"] {
            guard let nn = Int(n), let rr = Int(r), let pp = Int(q) else { throw refuse("scrypt N·r·p (N=\(n) r=\(r) p=\(q))", scryptWork) }
            let (nr, o1) = nn.multipliedReportingOverflow(by: rr)
            let (nrp, o2) = nr.multipliedReportingOverflow(by: pp)
            guard !o1, !o2, nrp <= scryptWork else { throw refuse("scrypt N·r·p (N=\(n) r=\(r) p=\(q))", scryptWork) }
            // libcrypto's PKCS#8 scrypt runs with its default memory cap (SCRYPT_MAX_MEM, 32 MiB) and
            // fails above it (EVP_PBE_scrypt_ex: 128·r·(N + 2) + 128·r·p bytes); say so in words.
            let memory = 128 * rr * (nn + 2 + pp)
            guard memory <= scryptMemory else {
                throw KeyportError.unsupported("scrypt with N=\(n) r=\(r) p=\(q) needs \(memory >> 20) MiB, more than the \(scryptMemory >> 20) MiB libcrypto allows for key files (openssl cannot open this file either)")
            }
        }
    }
}
