import Foundation
import Testing
@testable import Keyport

/// SplitMix64: a seeded generator, so a failure names the seed that reproduces it
/// (KEYPORT_PROPERTY_SEED=n reruns with that seed).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["KEYPORT_PROPERTY_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970)
    }
}

/// Random keys of every type (made by the peers once per run), every convert path, and every kind of
/// damage: round trips keep key and comment, damaged files give an error or a valid key.
@Suite(.serialized) struct PropertyTests {
    /// Every key type, made fresh by the real tools (so each run tests new keys).
    static func makeKeys(_ dir: TempDir, comment: (String) -> String) throws -> [(name: String, key: PrivateKey, comment: String)] {
        var result: [(String, PrivateKey, String)] = []
        let specs: [(name: String, type: String, bits: Int?)] = [("ed25519", "ed25519", nil), ("ecdsa256", "ecdsa", 256), ("ecdsa384", "ecdsa", 384),
                                               ("ecdsa521", "ecdsa", 521), ("rsa", "rsa", 1024), ("dsa", "dsa", nil)]
        for (name, type, bits) in specs {
            let c = comment(name)
            try sshKeygen(dir, name: name, type: type, bits: bits, comment: c)
            let doc = try #require(try KeyFile.read(dir.bytes(name)).first?.result.get())
            result.append((name, try #require(doc.privateKey), c))
        }
        // Ed448: OpenSSH has none, so openssl makes it.
        let ed448 = dir.path("ed448.pem")
        #expect(try Tool.run("openssl", ["genpkey", "-algorithm", "ed448", "-out", ed448]).status == 0)
        let doc = try #require(try KeyFile.read(dir.bytes("ed448.pem")).first?.result.get())
        result.append(("ed448", try #require(doc.privateKey), comment("ed448")))
        return result
    }

    /// The secret parts as bytes, for equality.
    static func secretBytes(_ key: PrivateKey) -> [[UInt8]] {
        switch key.secret {
        case let .rsa(d, p, q, iqmp): return [d, p, q, iqmp].map { Array($0.bytes.drop(while: { $0 == 0 })) }
        case let .dsa(x): return [Array(x.bytes.drop(while: { $0 == 0 }))]
        case let .ecdsa(d): return [Array(d.bytes.drop(while: { $0 == 0 }))]
        case let .eddsa(seed): return [seed.bytes]
        case let .securityKey(_, handle, reserved): return [handle.bytes, reserved]
        }
    }

    static func sameKey(_ a: PrivateKey, _ b: PrivateKey) -> Bool {
        a.publicKey == b.publicKey && secretBytes(a) == secretBytes(b)
    }

    /// A random one-line comment: ASCII with spaces and quotes, sometimes non-ASCII.
    static func randomComment(_ rng: inout SeededGenerator) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 @.-_\"'\\/:=")
        let extras: [Character] = ["é", "ß", "→", "日"]
        let length = Int.random(in: 1...40, using: &rng)
        var s = String((0..<length).map { _ in Bool.random(using: &rng) && Int.random(in: 0..<8, using: &rng) == 0 ? extras.randomElement(using: &rng)! : alphabet.randomElement(using: &rng)! })
        s = String(s.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        return s.isEmpty ? "c" : s
    }

    static func decode(_ bytes: [UInt8], passphrase: String?) throws -> KeyDocument {
        var doc = try #require(try KeyFile.read(bytes).first?.result.get())
        if doc.isLocked { doc = try KeyFile.unlock(doc, passphrase: SecureBytes(passphrase ?? "")) }
        return doc
    }

    /// Output formats (with the PPK version, 0 elsewhere) and whether each keeps the comment. Every
    /// key type goes everywhere: traditional PEM has no EdDSA form, so keyport writes PKCS#8 there.
    static let targets: [(OutputFormat, Int, Bool)] = [(.openssh, 0, true), (.ppk, 2, true), (.ppk, 3, true), (.pkcs8, 0, false), (.pem, 0, false)]

    @Test func everyConvertPathRoundTripsKeyAndComment() throws {
        let seed = SeededGenerator.seed
        var rng = SeededGenerator(seed: seed)
        let dir = try TempDir()
        var comments: [String: String] = [:]
        let keys = try Self.makeKeys(dir) { name in
            let c = Self.randomComment(&rng)
            comments[name] = c
            return c
        }
        var paths = 0
        for (name, key, comment) in keys {
            for (format, ppkVersion, keepsComment) in Self.targets {
                // Encrypted output only for a random half of the paths: PKCS#8 costs 600 000 PBKDF2 rounds.
                for encrypted in [false, Bool.random(using: &rng)] {
                    let passphrase = encrypted ? "pass \(Int.random(in: 0..<1_000_000, using: &rng))" : nil
                    var options = EncodeOptions(comment: comment, passphrase: passphrase.map { SecureBytes($0) }, kdfRounds: 2,
                                                ppkVersion: max(ppkVersion, 2),
                                                ppkArgon2: Argon2Parameters(memory: 64, passes: 1, parallelism: 1))
                    if ppkVersion == 0 { options.ppkArgon2 = nil }
                    let encoded = try KeyFile.encode(key, to: format, options: options)
                    let back = try Self.decode(encoded.bytes, passphrase: passphrase)
                    let label = "seed \(seed): \(name) → \(format)\(ppkVersion > 0 ? " v\(ppkVersion)" : "")\(encrypted ? " encrypted" : "")"
                    let decoded = try #require(back.privateKey, "\(label)")
                    #expect(Self.sameKey(decoded, key), "\(label): a different key came back")
                    if keepsComment { #expect(back.comment == comment, "\(label): comment \(back.comment.debugDescription)") }
                    #expect(back.protection.isEncrypted == encrypted, "\(label)")

                    // And on to every other format (a chain), back to openssh at the end.
                    for (next, nextVersion, _) in Self.targets where next != format {
                        let hop = try KeyFile.encode(decoded, to: next, options: EncodeOptions(comment: comment, ppkVersion: max(nextVersion, 2)))
                        let final = try KeyFile.encode(try #require(Self.decode(hop.bytes, passphrase: nil).privateKey), to: .openssh,
                                                       options: EncodeOptions(comment: comment))
                        let last = try Self.decode(final.bytes, passphrase: nil)
                        #expect(try Self.sameKey(#require(last.privateKey), key), "\(label) → \(next) → openssh")
                        paths += 1
                    }
                }
            }
            // The public half: openssh line ↔ RFC 4716 ↔ SubjectPublicKeyInfo / PKCS#1.
            let pub = key.publicKey
            for format in [OutputFormat.openssh, .rfc4716, .pem, .pkcs8] {
                let encoded = try KeyFile.encode(pub, to: format, options: EncodeOptions(comment: comment))
                let back = try Self.decode(encoded.bytes, passphrase: nil)
                #expect(back.publicKey == pub, "seed \(seed): \(name) public → \(format)")
                if format == .rfc4716 || format == .openssh { #expect(back.comment == comment, "seed \(seed): \(name) public → \(format) comment") }
            }
        }
        // 7 key types × 2 (plain, then plain or encrypted) × 18 onward hops (4 from each of openssh,
        // pkcs8 and pem; 3 from each PPK version, which skips both PPK targets).
        #expect(keys.count == 7)
        #expect(paths == 7 * 2 * 18)
    }

    // MARK: - Damage

    /// One valid file per format (encrypted ones with cheap KDF settings), with its passphrase.
    static func sampleFiles(_ dir: TempDir) throws -> [(name: String, bytes: [UInt8], passphrase: String?)] {
        _ = try sshKeygen(dir, name: "ed", type: "ed25519")
        let ed = try #require(try KeyFile.read(dir.bytes("ed")).first?.result.get().privateKey)
        _ = try sshKeygen(dir, name: "rsa", type: "rsa", bits: 1024)
        let rsa = try #require(try KeyFile.read(dir.bytes("rsa")).first?.result.get().privateKey)
        _ = try sshKeygen(dir, name: "ec", type: "ecdsa", bits: 256)
        let ec = try #require(try KeyFile.read(dir.bytes("ec")).first?.result.get().privateKey)
        let pw = SecureBytes("pw")
        let cheapPPK = Argon2Parameters(memory: 64, passes: 1, parallelism: 1)
        var files: [(String, [UInt8], String?)] = [
            ("openssh", try dir.bytes("ed"), nil),
            ("openssh-rsa", try dir.bytes("rsa"), nil),
            ("openssh-aes256-ctr", try KeyFile.encode(ec, to: .openssh, options: EncodeOptions(comment: "c", passphrase: pw, kdfRounds: 1)).bytes, "pw"),
            ("ppk-v3", try KeyFile.encode(ed, to: .ppk, options: EncodeOptions(comment: "c", passphrase: pw, ppkArgon2: cheapPPK)).bytes, "pw"),
            ("ppk-v2", try KeyFile.encode(rsa, to: .ppk, options: EncodeOptions(comment: "c", passphrase: pw, ppkVersion: 2)).bytes, "pw"),
            ("ppk-plain", try KeyFile.encode(ec, to: .ppk, options: EncodeOptions(comment: "c")).bytes, nil),
            ("pem-rsa", try KeyFile.encode(rsa, to: .pem, options: EncodeOptions()).bytes, nil),
            ("pem-ec-legacy-encrypted", try KeyFile.encode(ec, to: .pem, options: EncodeOptions(passphrase: pw)).bytes, "pw"),
            ("pkcs8", try KeyFile.encode(ed, to: .pkcs8, options: EncodeOptions()).bytes, nil),
            ("spki", try KeyFile.encode(rsa.publicKey, to: .pkcs8, options: EncodeOptions()).bytes, nil),
            ("rfc4716", try KeyFile.encode(ec.publicKey, to: .rfc4716, options: EncodeOptions(comment: "c")).bytes, nil),
            ("pub", try dir.bytes("rsa.pub"), nil),
        ]
        // Encrypted PKCS#8 with few iterations (keyport writes 600 000), by openssl.
        let p8 = dir.path("p8.pem")
        let plainPKCS8 = try KeyFile.encode(ec, to: .pkcs8, options: EncodeOptions()).bytes
        try Data(plainPKCS8).write(to: URL(fileURLWithPath: dir.path("pkcs8-in.pem")))
        #expect(try Tool.run("openssl", ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-iter", "1000", "-passout", "pass:pw",
                                         "-in", dir.path("pkcs8-in.pem"), "-out", p8]).status == 0)
        files.append(("pkcs8-encrypted", try dir.bytes("p8.pem"), "pw"))
        // DER.
        #expect(try Tool.run("openssl", ["pkey", "-in", dir.path("pkcs8-in.pem"), "-outform", "DER", "-out", dir.path("k.der")]).status == 0)
        files.append(("der", try dir.bytes("k.der"), nil))
        return files
    }

    /// True when the document's KDF settings are as cheap as the sample files' (or were damaged to
    /// something keyport refuses outright).
    static func cheapToUnlock(_ doc: KeyDocument) -> Bool {
        let p = doc.protection.parameters
        func value(_ name: String) -> Int { p[name].flatMap { Int($0) } ?? 0 }
        let rounds = value("rounds"), work = value("memory").multipliedReportingOverflow(by: value("passes"))
        return (rounds <= 64 || rounds > KDFLimits.bcryptRounds) && (work.overflow || work.partialValue <= 1 << 12 || work.partialValue > KDFLimits.argon2Work)
            && value("iterations") <= 4096
    }

    /// Reads and unlocks; an error is fine, a key must be valid, and it must be quick. Returns
    /// whether a key (private, or public for public files) came back.
    @discardableResult
    static func exercise(_ bytes: [UInt8], passphrase: String?, label: @autoclosure () -> String) -> Bool {
        let start = Date()
        var gotKey = false
        if let entries = try? KeyFile.read(bytes) {
            for case let .success(doc) in entries.map(\.result) {
                // A flip in a KDF cost field (bcrypt rounds, Argon2 passes) can raise the cost up to
                // KDFLimits: bounded, but minutes of work; those bounds are tested in RobustnessTests.
                guard !doc.isLocked || cheapToUnlock(doc) else { continue }
                let opened = doc.isLocked ? try? KeyFile.unlock(doc, passphrase: SecureBytes(passphrase ?? "pw")) : doc
                if let key = opened?.privateKey {
                    #expect((try? key.validate()) != nil, "\(label()): an invalid private key was returned")
                    gotKey = true
                } else if opened?.publicKey != nil, !doc.isPrivate {
                    gotKey = true
                }
            }
        }
        #expect(Date().timeIntervalSince(start) < 5, "\(label()): took \(Date().timeIntervalSince(start)) s")
        return gotKey
    }

    @Test func everyTruncationAndBitFlipGivesAnErrorOrAValidKey() throws {
        let seed = SeededGenerator.seed
        var rng = SeededGenerator(seed: seed)
        let dir = try TempDir()
        for (name, bytes, passphrase) in try Self.sampleFiles(dir) {
            // The intact file opens (so the damage below is damage to a good file).
            #expect(Self.exercise(bytes, passphrase: passphrase, label: "seed \(seed): \(name) intact"), "\(name)")
            var errors = 0, total = 0
            // Truncation at every position for small files, else at 200 random ones plus both ends.
            let cuts = bytes.count <= 800 ? Array(0..<bytes.count)
                : Array(Set((0..<200).map { _ in Int.random(in: 0..<bytes.count, using: &rng) } + [0, 1, bytes.count - 1]))
            for cut in cuts {
                total += 1
                if !Self.exercise(Array(bytes.prefix(cut)), passphrase: passphrase, label: "seed \(seed): \(name) cut at \(cut)") { errors += 1 }
            }
            // 300 single bit flips (and the same positions replaced by a random byte).
            for _ in 0..<300 {
                var flipped = bytes
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                flipped[position] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                total += 1
                if !Self.exercise(flipped, passphrase: passphrase, label: "seed \(seed): \(name) bit flip at \(position)") { errors += 1 }
                flipped[position] = UInt8.random(in: 0...255, using: &rng)
                Self.exercise(flipped, passphrase: passphrase, label: "seed \(seed): \(name) byte \(flipped[position]) at \(position)")
            }
            // Most damage is caught (a flip in a comment or in base64 padding bits may be harmless).
            #expect(errors > total / 2, "\(name): only \(errors) of \(total) damaged inputs failed")
        }
    }

    @Test func damagedInputsNeverLeaveAPartialOutputFile() throws {
        let seed = SeededGenerator.seed
        var rng = SeededGenerator(seed: seed)
        let dir = try TempDir()
        let pw = try dir.write("pw", "pw\n")
        for (name, bytes, _) in try Self.sampleFiles(dir) where !["spki", "rfc4716", "pub"].contains(name) {
            for round in 0..<4 {
                var damaged = bytes
                if round % 2 == 0 {
                    damaged = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
                } else {
                    damaged[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
                let input = dir.path("in-\(name)-\(round)")
                try Data(damaged).write(to: URL(fileURLWithPath: input))
                let out = dir.path("out-\(name)-\(round)")
                let r = try Tool.keyport(["convert", "--to", "openssh", "--passphrase-file", pw, "--no-passphrase", "-o", out, input])
                if r.status == 0 {
                    // Complete and valid, never half a file.
                    let written = try Self.decode(try dir.bytes("out-\(name)-\(round)"), passphrase: nil)
                    #expect(written.privateKey != nil, "seed \(seed): \(name) round \(round)")
                } else {
                    #expect(!dir.exists("out-\(name)-\(round)"), "seed \(seed): \(name) round \(round): \(r.stderr)")
                    #expect(!r.stderr.isEmpty)
                }
                #expect(RobustnessTests.leftovers(dir.url.path).isEmpty)
            }
        }
    }
}
