import Foundation
import Testing
@testable import Keyport

// One test per lint rule: a bad input raises it, a good input does not. Keys come from ssh-keygen at
// test time, from hand-built public parts (exponents, moduli with planted structure) or from
// hand-built KeyDocuments for the private formats whose readers are written in parallel.

// MARK: - Helpers

/// A random prime of exactly `bits` bits (top two bits set so products have full length).
func lintRandomPrime(bits: Int) throws -> GMPInteger {
    var bytes = try secureRandomBytes((bits + 7) / 8)
    let extra = bytes.count * 8 - bits
    bytes[0] &= UInt8(0xff >> extra)
    bytes[0] |= UInt8(0xc0 >> extra)
    return GMPInteger(bytes).nextPrime()
}

func rsaPublic(e: [UInt8] = [0x01, 0x00, 0x01], n: [UInt8]) -> PublicKey {
    PublicKey(algorithm: .rsa, parts: .rsa(e: e, n: n))
}

/// A sound 2048-bit modulus.
func soundModulus() throws -> [UInt8] {
    try lintRandomPrime(bits: 1024).multiplied(by: try lintRandomPrime(bits: 1024)).bytes
}

func publicDoc(_ key: PublicKey, comment: String = "alice@example.com", format: FormatID = .opensshPublic) -> KeyDocument {
    KeyDocument(format: format, content: .publicKey(key), comment: comment)
}

func ruleIDs(_ findings: [Finding]) -> Set<String> { Set(findings.map(\.ruleID)) }

func lintDocs(_ docs: [KeyDocument], path: String = "key.pub", mode: UInt32? = nil, policy: Policy = Policy(),
              now: Date = Date()) -> [Finding] {
    Linter(policy: policy, now: now).lint(LintInput(path: path, mode: mode, documents: docs))
}

/// Reads a file as the CLI would.
func lintFiles(_ paths: [String], policy: Policy = Policy(), blocklist: Blocklist? = nil, now: Date = Date()) throws -> [Finding] {
    Linter(policy: policy, blocklist: blocklist, now: now).lint(try paths.map { try LintInput.read(path: $0) })
}

func readKey(_ path: String) throws -> PublicKey {
    let entries = try KeyFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    let doc = try #require(try entries.first?.result.get())
    return try #require(doc.publicKey)
}

/// An Ed25519 private key made in memory (for rules about private documents).
func ed25519Private() throws -> PrivateKey {
    let seed = SecureBytes(try secureRandomBytes(32))
    let pk = try eddsaPublicKey(algorithm: .ed25519, seed: seed)
    return PrivateKey(publicKey: PublicKey(algorithm: .ed25519, parts: .eddsa(publicKey: pk)), secret: .eddsa(seed: seed))
}

func privateDoc(_ key: PrivateKey, format: FormatID = .opensshPrivate, protection: Protection = .none,
                details: [(String, String)] = [], observations: [Observation] = []) -> KeyDocument {
    KeyDocument(format: format, content: .privateKey(key), comment: "alice@example.com", protection: protection,
                details: details, observations: observations)
}

func lockedDoc(_ key: PublicKey?, format: FormatID, protection: Protection, version: Int? = nil) -> KeyDocument {
    KeyDocument(format: format, content: .locked(publicKey: key), comment: "alice@example.com", protection: protection, formatVersion: version)
}

@Suite("Lint") struct LintTests {
    // MARK: - Registry and policy

    @Test func registryIDsAreUniqueKebabCaseAndExplained() throws {
        let ids = LintRegistry.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for rule in LintRegistry.all {
            #expect(rule.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(rule.id)")
            #expect(!rule.rationale.isEmpty && !rule.fix.isEmpty && !rule.badExample.isEmpty)
            #expect(LintRegistry.rule(rule.id) == rule)
            #expect(rule.explanation.contains(rule.id))
        }
        #expect(LintRegistry.rule("no-such-rule") == nil)
        #expect(LintRegistry.listing.split(separator: "\n").count == LintRegistry.all.count)
        // Every registered rule has a test below.
        #expect(Set(ids) == LintTests.testedRules, "untested: \(Set(ids).subtracting(LintTests.testedRules))")
    }

    static let testedRules: Set<String> = [
        "rsa-too-short", "dsa", "rsa-exponent-invalid", "rsa-exponent-unusual", "ecdsa-curve-not-allowed", "ssh1-key", "ppk-v1",
        "private-key-unencrypted", "legacy-pem-encryption", "ppk-v2-protection", "bcrypt-rounds-low", "argon2-memory-low",
        "private-key-permissions", "authorized-keys-writable",
        "comment-missing", "comment-not-email", "duplicate-authorized-key", "authorized-keys-bad-option", "expiry-time-passed",
        "certificate-expired", "certificate-not-yet-valid", "certificate-sha1-signature", "certificate-signature-invalid", "private-key-cipher-broken", "private-key-cipher-3des",
        "ec-point-off-curve", "ec-explicit-parameters", "private-key-mismatch", "trailing-data", "crlf-damage",
        "format-irregularity", "unreadable-key", "private-key-exposed", "pasted-key-repaired",
        "rsa-roca", "rsa-fermat", "rsa-small-factors", "rsa-small-private-exponent", "rsa-shared-prime", "blocklisted-key",
        "ppk-p521-nonce-bias",
    ]

    @Test func policyFileParsesAndRejectsBadLines() throws {
        let policy = try Policy.parse("""
            # CI policy
            min-rsa-bits = 3072
            allow-curves = nistp384, nistp521
            fail-on = warning
            fermat-steps = 1000
            min-bcrypt-rounds = 24
            min-argon2-memory = 65536
            disable = comment-not-email, comment-missing
            severity.rsa-exponent-unusual = warning
            """)
        #expect(policy.minRSABits == 3072)
        #expect(policy.allowedCurves == ["nistp384", "nistp521"])
        #expect(policy.failOn == .warning)
        #expect(policy.fermatSteps == 1000 && policy.minBcryptRounds == 24 && policy.minArgon2Memory == 65536)
        #expect(policy.disabledRules == ["comment-not-email", "comment-missing"])
        #expect(policy.severityOverrides["rsa-exponent-unusual"] == .warning)
        #expect(throws: KeyportError.self) { try Policy.parse("min-rsa-bits = lots") }
        #expect(throws: KeyportError.self) { try Policy.parse("frobnicate = 1") }
        #expect(throws: KeyportError.self) { try Policy.parse("disable = not-a-rule") }
        #expect(throws: KeyportError.self) { try Policy.parse("allow-curves = secp256k1") }
        #expect(throws: KeyportError.self) { try Policy.parse("just words") }

        // Disabled rules stay silent; overrides change severity; failOn decides.
        let key = publicDoc(rsaPublic(e: [0x01, 0x00, 0x03], n: try soundModulus()), comment: "")
        let findings = lintDocs([key], policy: policy)
        #expect(!ruleIDs(findings).contains("comment-missing"))
        #expect(findings.first { $0.ruleID == "rsa-exponent-unusual" }?.severity == .warning)
        #expect(policy.fails(findings))
        #expect(!Policy().fails(lintDocs([key], policy: try Policy.parse("disable = rsa-too-short, comment-missing"))))
    }

    // MARK: - Policy rules

    @Test func rsaTooShort() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "short", type: "rsa", bits: 1024)
        try sshKeygen(dir, name: "long", type: "rsa", bits: 2048)
        let bad = try lintFiles([dir.path("short.pub")])
        #expect(bad.contains { $0.ruleID == "rsa-too-short" && $0.message.contains("1024") && $0.severity == .error })
        #expect(!ruleIDs(try lintFiles([dir.path("long.pub")])).contains("rsa-too-short"))
        var strict = Policy(); strict.minRSABits = 3072
        #expect(ruleIDs(try lintFiles([dir.path("long.pub")], policy: strict)).contains("rsa-too-short"))
    }

    @Test func dsa() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "dsa", type: "dsa")
        try sshKeygen(dir, name: "ed", type: "ed25519")
        #expect(ruleIDs(try lintFiles([dir.path("dsa.pub")])).contains("dsa"))
        #expect(!ruleIDs(try lintFiles([dir.path("ed.pub")])).contains("dsa"))
    }

    @Test func rsaExponentInvalid() throws {
        let n = try soundModulus()
        for e: [UInt8] in [[3], [1], [0x01, 0x00, 0x00], [0x01, 0x00, 0x01, 0x00]] {
            let findings = lintDocs([publicDoc(rsaPublic(e: e, n: n))])
            #expect(findings.contains { $0.ruleID == "rsa-exponent-invalid" && $0.severity == .error }, "e = \(e)")
        }
        #expect(lintDocs([publicDoc(rsaPublic(e: [0x01] + [UInt8](repeating: 0, count: 32) + [1], n: n))]).contains { $0.ruleID == "rsa-exponent-invalid" })
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: n))])).contains("rsa-exponent-invalid"))
        #expect(lintDocs([publicDoc(rsaPublic(e: [3], n: n))]).first { $0.ruleID == "rsa-exponent-invalid" }?.message.contains("e = 3") == true)
    }

    @Test func rsaExponentUnusual() throws {
        let n = try soundModulus()
        let findings = lintDocs([publicDoc(rsaPublic(e: [0x01, 0x00, 0x03], n: n))])
        #expect(findings.contains { $0.ruleID == "rsa-exponent-unusual" && $0.severity == .info && $0.message.contains("65539") })
        #expect(!ruleIDs(findings).contains("rsa-exponent-invalid"))
        #expect(!ruleIDs(lintDocs([publicDoc(rsaPublic(n: n))])).contains("rsa-exponent-unusual"))
    }

    @Test func ecdsaCurveNotAllowed() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "p256", type: "ecdsa", bits: 256)
        try sshKeygen(dir, name: "p384", type: "ecdsa", bits: 384)
        var policy = Policy(); policy.allowedCurves = ["nistp384"]
        #expect(ruleIDs(try lintFiles([dir.path("p256.pub")], policy: policy)).contains("ecdsa-curve-not-allowed"))
        #expect(!ruleIDs(try lintFiles([dir.path("p384.pub")], policy: policy)).contains("ecdsa-curve-not-allowed"))
        #expect(!ruleIDs(try lintFiles([dir.path("p256.pub")])).contains("ecdsa-curve-not-allowed"))
    }

    @Test func ssh1Key() throws {
        let dir = try TempDir()
        let privatePath = try dir.write("identity", "SSH PRIVATE KEY FILE FORMAT 1.1\n\u{0}\u{0}\u{0}\u{0}")
        let publicPath = try dir.write("identity.pub", "1024 65537 1234567890123 old@example.com\n", mode: 0o644)
        let edPath = try dir.write("ok.pub", OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com"), mode: 0o644)
        #expect(ruleIDs(try lintFiles([privatePath])).contains("ssh1-key"))
        #expect(ruleIDs(try lintFiles([publicPath])).contains("ssh1-key"))
        #expect(!ruleIDs(try lintFiles([edPath])).contains("ssh1-key"))
    }

    @Test func ppkV1() throws {
        let v1 = LintInput(path: "old.ppk", entries: [], readError: .unsupported("cannot read this file"),
                           head: Array("PuTTY-User-Key-File-1: ssh-rsa\nEncryption: none\n".utf8))
        #expect(ruleIDs(Linter().lint(v1)).contains("ppk-v1"))
        // No decoder produces a PPK v1 document (PPKFormat refuses the file with reason .ppkVersion1),
        // so the rule fires from the read failure above, and from nothing else.
        let v1Error = LintInput(path: "k.ppk", entries: [], readError: .unsupported("PPK version 1", reason: .ppkVersion1))
        #expect(ruleIDs(Linter().lint(v1Error)).contains("ppk-v1"))
        let v3 = lockedDoc(try ed25519Private().publicKey, format: .ppk,
                           protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .argon2(Argon2Parameters(memory: 8192))),
                           version: 3)
        #expect(!ruleIDs(lintDocs([v3], path: "k.ppk")).contains("ppk-v1"))
    }

    // MARK: - Protection rules

    @Test func privateKeyUnencrypted() throws {
        let key = try ed25519Private()
        #expect(ruleIDs(lintDocs([privateDoc(key)], path: "id")).contains("private-key-unencrypted"))
        let locked = lockedDoc(key.publicKey, format: .opensshPrivate,
                               protection: Protection(cipher: .aes(keyBits: 256, mode: .ctr), kdf: .bcrypt(rounds: 16, salt: [])))
        #expect(!ruleIDs(lintDocs([locked], path: "id")).contains("private-key-unencrypted"))
        #expect(!ruleIDs(lintDocs([publicDoc(key.publicKey)])).contains("private-key-unencrypted"))
    }

    @Test func legacyPEMEncryption() throws {
        let bad = lockedDoc(nil, format: .pemTraditional, protection: Protection(cipher: .tripleDES, kdf: .legacyMD5(iv: [])))
        let findings = lintDocs([bad], path: "key.pem")
        #expect(findings.contains { $0.ruleID == "legacy-pem-encryption" && $0.message.contains("MD5") && $0.message.contains("DES-EDE3-CBC") })
        let good = lockedDoc(nil, format: .pkcs8Encrypted, protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .pbkdf2(prf: .hmacSHA256, iterations: 2048, salt: [])))
        #expect(!ruleIDs(lintDocs([good], path: "key.pem")).contains("legacy-pem-encryption"))
    }

    @Test func ppkV2Protection() throws {
        let pub = try ed25519Private().publicKey
        let v2 = lockedDoc(pub, format: .ppk, protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .ppkV2SHA1), version: 2)
        #expect(ruleIDs(lintDocs([v2], path: "k.ppk")).contains("ppk-v2-protection"))
        let v3 = lockedDoc(pub, format: .ppk, protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .argon2(Argon2Parameters(memory: 8192))),
                           version: 3)
        #expect(!ruleIDs(lintDocs([v3], path: "k.ppk")).contains("ppk-v2-protection"))
    }

    @Test func bcryptRoundsLow() throws {
        let pub = try ed25519Private().publicKey
        func doc(_ rounds: Int) -> KeyDocument {
            lockedDoc(pub, format: .opensshPrivate, protection: Protection(cipher: .aes(keyBits: 256, mode: .ctr), kdf: .bcrypt(rounds: rounds, salt: [])))
        }
        #expect(lintDocs([doc(4)], path: "id").contains { $0.ruleID == "bcrypt-rounds-low" && $0.message.contains("4 rounds") })
        #expect(!ruleIDs(lintDocs([doc(16)], path: "id")).contains("bcrypt-rounds-low"))
    }

    @Test func argon2MemoryLow() throws {
        let pub = try ed25519Private().publicKey
        func doc(_ memory: Int) -> KeyDocument {
            lockedDoc(pub, format: .ppk, protection: Protection(cipher: .aes(keyBits: 256, mode: .cbc), kdf: .argon2(Argon2Parameters(memory: memory, passes: 13))),
                      version: 3)
        }
        #expect(ruleIDs(lintDocs([doc(1024)], path: "k.ppk")).contains("argon2-memory-low"))
        #expect(!ruleIDs(lintDocs([doc(8192)], path: "k.ppk")).contains("argon2-memory-low"))
    }

    @Test func privateKeyPermissions() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "id_ed25519", type: "ed25519")
        // The private reader arrives in parallel: lint the same file as a hand-built document too.
        let doc = privateDoc(try ed25519Private())
        #expect(ruleIDs(lintDocs([doc], path: key, mode: 0o100644)).contains("private-key-permissions"))
        #expect(!ruleIDs(lintDocs([doc], path: key, mode: 0o100600)).contains("private-key-permissions"))
        // A real file whose reader refused it still counts as private by its armour.
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: key)
        let input = try LintInput.read(path: key)
        #expect(input.mode.map { $0 & 0o777 } == 0o640)
        if input.readError != nil || input.entries.contains(where: { (try? $0.result.get())?.isPrivate == true }) {
            #expect(ruleIDs(Linter().lint(input)).contains("private-key-permissions"))
        }
        // Public files may be world-readable.
        #expect(!ruleIDs(try lintFiles([key + ".pub"])).contains("private-key-permissions"))
    }

    @Test func authorizedKeysWritable() throws {
        let dir = try TempDir()
        let line = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com")
        let path = try dir.write("authorized_keys", line, mode: 0o666)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir.url.path)
        #expect(try lintFiles([path]).contains { $0.ruleID == "authorized-keys-writable" && $0.message.contains("0666") })
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(!ruleIDs(try lintFiles([path])).contains("authorized-keys-writable"))
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.url.path)
        #expect(try lintFiles([path]).contains { $0.ruleID == "authorized-keys-writable" && $0.message.contains("directory") })
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir.url.path)
    }

    // MARK: - Hygiene rules

    @Test func commentMissing() throws {
        let pub = try ed25519Private().publicKey
        #expect(ruleIDs(lintDocs([publicDoc(pub, comment: "")])).contains("comment-missing"))
        #expect(!ruleIDs(lintDocs([publicDoc(pub)])).contains("comment-missing"))
        // known_hosts lines carry no owner comment.
        #expect(!ruleIDs(lintDocs([publicDoc(pub, comment: "", format: .knownHosts)])).contains("comment-missing"))
    }

    @Test func commentNotEmail() throws {
        let pub = try ed25519Private().publicKey
        for comment in ["alice@laptop", "alice", "a@b@c.com", "@example.com"] {
            #expect(ruleIDs(lintDocs([publicDoc(pub, comment: comment)])).contains("comment-not-email"), "\(comment)")
        }
        #expect(!ruleIDs(lintDocs([publicDoc(pub, comment: "alice@example.com")])).contains("comment-not-email"))
    }

    @Test func duplicateAuthorizedKey() throws {
        let dir = try TempDir()
        let a = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com")
        let b = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "b@example.com")
        let mixed = try dir.write("authorized_keys", "command=\"/usr/bin/backup\" " + a + b + a)
        let findings = try lintFiles([mixed]).filter { $0.ruleID == "duplicate-authorized-key" }
        #expect(findings.count == 1)
        #expect(findings.first?.line == 3 && findings.first?.severity == .error && findings.first?.message.contains("command=") == true)
        let plain = try dir.write("authorized_keys2", a + b + a)
        let twice = try lintFiles([plain]).filter { $0.ruleID == "duplicate-authorized-key" }
        #expect(twice.count == 1 && twice.first?.severity == .warning)
        let clean = try dir.write("authorized_keys3", a + b)
        #expect(!ruleIDs(try lintFiles([clean])).contains("duplicate-authorized-key"))
    }

    @Test func authorizedKeysBadOption() throws {
        let dir = try TempDir()
        let a = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com")
        let bad = try dir.write("authorized_keys", "no-port-forward,no-pty " + a)
        #expect(try lintFiles([bad]).contains { $0.ruleID == "authorized-keys-bad-option" && $0.message.contains("no-port-forward") && $0.line == 1 })
        let noValue = try dir.write("authorized_keys2", "command " + a)
        #expect(ruleIDs(try lintFiles([noValue])).contains("authorized-keys-bad-option"))
        let good = try dir.write("authorized_keys3", "no-port-forwarding,from=\"10.0.0.0/8,192.168.1.*\",command=\"echo a,b\" " + a)
        #expect(!ruleIDs(try lintFiles([good])).contains("authorized-keys-bad-option"))
    }

    @Test func expiryTimePassed() throws {
        let dir = try TempDir()
        let a = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com")
        let past = try dir.write("authorized_keys", "expiry-time=\"20200101\" " + a)
        #expect(ruleIDs(try lintFiles([past])).contains("expiry-time-passed"))
        let future = try dir.write("authorized_keys2", "expiry-time=\"209912312359Z\" " + a)
        #expect(!ruleIDs(try lintFiles([future])).contains("expiry-time-passed"))
        // Judged against the linter's clock.
        let y2100 = Date(timeIntervalSince1970: 4_102_444_800 + 86_400)
        #expect(ruleIDs(try lintFiles([future], now: y2100)).contains("expiry-time-passed"))
        #expect(HygieneRules.parseExpiryTime("20240230") == nil && HygieneRules.parseExpiryTime("2024") == nil)
        #expect(HygieneRules.parseExpiryTime("20240101000000Z") == Date(timeIntervalSince1970: 1_704_067_200))
    }

    /// Signs a fresh user key with a fresh CA; returns the path of the -cert.pub.
    func certificate(_ dir: TempDir, name: String, validity: String, caType: String = "ed25519", sigAlg: String? = nil) throws -> String {
        try sshKeygen(dir, name: "\(name)-ca", type: caType)
        try sshKeygen(dir, name: name, type: "ed25519")
        var args = ["-q", "-s", dir.path("\(name)-ca"), "-I", "id-\(name)", "-V", validity]
        if let sigAlg { args += ["-t", sigAlg] }
        let out = try Tool.run("/usr/bin/ssh-keygen", args + [dir.path("\(name).pub")])
        #expect(out.status == 0, "\(out.stderr)")
        return dir.path("\(name)-cert.pub")
    }

    @Test func certificateExpiredAndNotYetValid() throws {
        let dir = try TempDir()
        let expired = try certificate(dir, name: "old", validity: "20200101:20200201")
        let future = try certificate(dir, name: "future", validity: "20990101:20991231")
        let current = try certificate(dir, name: "now", validity: "-1d:+52w")
        #expect(try lintFiles([expired]).contains { $0.ruleID == "certificate-expired" && $0.message.contains("2020-02-01") })
        #expect(ruleIDs(try lintFiles([future])).contains("certificate-not-yet-valid"))
        let good = ruleIDs(try lintFiles([current]))
        #expect(!good.contains("certificate-expired") && !good.contains("certificate-not-yet-valid"))
        #expect(!ruleIDs(try lintFiles([expired])).contains("certificate-not-yet-valid"))
    }

    @Test func certificateSHA1Signature() throws {
        let dir = try TempDir()
        let sha1 = try certificate(dir, name: "sha1", validity: "-1d:+52w", caType: "rsa", sigAlg: "ssh-rsa")
        let sha512 = try certificate(dir, name: "sha2", validity: "-1d:+52w", caType: "rsa", sigAlg: "rsa-sha2-512")
        #expect(ruleIDs(try lintFiles([sha1])).contains("certificate-sha1-signature"))
        #expect(!ruleIDs(try lintFiles([sha512])).contains("certificate-sha1-signature"))
    }

    // MARK: - Integrity rules

    @Test func ecPointOffCurve() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "ec", type: "ecdsa", bits: 256)
        let good = try readKey(dir.path("ec.pub"))
        guard case var .ecdsa(point) = good.parts else { Issue.record("not ECDSA"); return }
        point[point.count - 1] ^= 1
        let bad = PublicKey(algorithm: .ecdsaP256, parts: .ecdsa(point: point))
        #expect(ruleIDs(lintDocs([publicDoc(bad)])).contains("ec-point-off-curve"))
        #expect(!ruleIDs(lintDocs([publicDoc(good)])).contains("ec-point-off-curve"))
    }

    @Test func observationsBecomeIntegrityFindings() throws {
        let key = try ed25519Private()
        let cases: [(ObservationCode, String)] = [(.explicitCurve, "ec-explicit-parameters"), (.trailingData, "trailing-data"),
                                                  (.crlf, "crlf-damage"), (.nonMinimalInteger, "format-irregularity")]
        for (code, rule) in cases {
            let doc = privateDoc(key, protection: Protection(cipher: .aes(keyBits: 256, mode: .ctr), kdf: .bcrypt(rounds: 16, salt: [])),
                                 observations: [Observation(code, "decoder says \(code)")])
            let findings = lintDocs([doc], path: "id")
            #expect(findings.contains { $0.ruleID == rule && $0.message == "decoder says \(code)" }, "\(code)")
            #expect(!ruleIDs(lintDocs([privateDoc(key)], path: "id")).contains(rule))
        }
    }

    @Test func privateKeyMismatch() throws {
        let a = try ed25519Private(), b = try ed25519Private()
        let mismatched = PrivateKey(publicKey: a.publicKey, secret: b.secret)
        #expect(ruleIDs(lintDocs([privateDoc(mismatched)], path: "id")).contains("private-key-mismatch"))
        #expect(!ruleIDs(lintDocs([privateDoc(a)], path: "id")).contains("private-key-mismatch"))
    }

    @Test func unreadableKey() throws {
        let dir = try TempDir()
        let good = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "a@example.com")
        let broken = try dir.write("authorized_keys", good + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI broken@example.com\n")
        #expect(try lintFiles([broken]).contains { $0.ruleID == "unreadable-key" && $0.line == 2 })
        let clean = try dir.write("authorized_keys2", good)
        #expect(!ruleIDs(try lintFiles([clean])).contains("unreadable-key"))
    }

    // MARK: - Output

    static let sample = [
        Finding(file: "dir/we\"ird\\name\n.pub", line: 3, ruleID: "rsa-too-short", severity: .error, message: "tab\there \u{1}", fix: "fix it"),
        Finding(file: "/abs/id_rsa", line: nil, ruleID: "private-key-permissions", severity: .warning, message: "mode 0644", fix: "chmod 600"),
    ]

    @Test func textOutput() {
        let text = LintOutput.text(LintTests.sample)
        #expect(text.hasSuffix("/abs/id_rsa: warning private-key-permissions: mode 0644 — chmod 600\n"))
        #expect(text.contains(":3: error rsa-too-short: "))
    }

    @Test func jsonLinesParse() throws {
        let lines = LintOutput.jsonLines(LintTests.sample).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["file"] as? String == "dir/we\"ird\\name\n.pub")
        #expect(first["line"] as? Int == 3)
        #expect(first["message"] as? String == "tab\there \u{1}")
        #expect(first["rule"] as? String == "rsa-too-short" && first["severity"] as? String == "error" && first["fix"] as? String == "fix it")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["line"] is NSNull)
    }

    @Test func sarifParses() throws {
        let sarif = LintOutput.sarif(LintTests.sample)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.count == LintRegistry.all.count)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 2)
        #expect(results[0]["ruleId"] as? String == "rsa-too-short" && results[0]["level"] as? String == "error")
        let index = try #require(results[0]["ruleIndex"] as? Int)
        #expect(rules[index]["id"] as? String == "rsa-too-short")
        let location = try #require((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 3)
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "dir/we%22ird%5Cname%0A.pub")
        let second = try #require((results[1]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((second["artifactLocation"] as? [String: Any])?["uri"] as? String == "file:///abs/id_rsa")
        #expect(second["region"] == nil)
    }

    @Test func cleanKeyHasNoFindings() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "ok", type: "ed25519", comment: "alice@example.com")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.path("ok.pub"))
        #expect(try lintFiles([dir.path("ok.pub")]).isEmpty)
    }
}
