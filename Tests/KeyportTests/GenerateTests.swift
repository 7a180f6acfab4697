import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI
internal import CLibcrypto

// `keyport generate` and KeyGenerator. The library tests need nothing else; the CLI tests run the
// built binary (build it first: swift build --scratch-path .build-h) and check its files with the
// peers: ssh-keygen -y (openssh, pem, pkcs8), puttygen -L (ppk), openssl pkey -check (pem, pkcs8).

@Suite struct GenerateTests {
    // MARK: - Library

    static let sizes: [(KeyAlgorithm, Int?, Int)] = [
        (.rsa, 2048, 2048), (.rsa, 3072, 3072), (.rsa, 2049, 2049), (.rsa, nil, 2048),
        (.ecdsaP256, nil, 256), (.ecdsaP384, 384, 384), (.ecdsaP521, nil, 521),
        (.ed25519, nil, 256), (.ed448, nil, 448), (.dsa, nil, 1024),
    ]

    @Test(arguments: sizes.indices)
    func generatesExactSizeAndValidates(_ index: Int) throws {
        let (algorithm, bits, expected) = Self.sizes[index]
        let key = try KeyGenerator.generate(algorithm: algorithm, bits: bits)
        #expect(key.publicKey.algorithm == algorithm)
        #expect(key.publicKey.bits == expected)
        try key.validate()
        if case let .ecdsa(point) = key.publicKey.parts {
            #expect(ecPointIsOnCurve(algorithm: algorithm, point: point))
        }
    }

    @Test(arguments: [KeyAlgorithm.rsa, .ecdsaP256, .ecdsaP384, .ecdsaP521, .ed25519, .ed448])
    func twoRunsDiffer(_ algorithm: KeyAlgorithm) throws {
        let a = try KeyGenerator.generate(algorithm: algorithm, bits: nil)
        let b = try KeyGenerator.generate(algorithm: algorithm, bits: nil)
        #expect(a.publicKey != b.publicKey)
        #expect(!a.secret.hasSameValues(as: b.secret))
        #expect(a.secret.hasSameValues(as: a.secret))
    }

    /// The RSA checks of the issue, recomputed independently of the generator.
    @Test(arguments: [2048, 3072])
    func rsaStructure(_ bits: Int) throws {
        let key = try KeyGenerator.generate(algorithm: .rsa, bits: bits)
        guard case let .rsa(eBytes, nBytes) = key.publicKey.parts, case let .rsa(dS, pS, qS, iqmpS) = key.secret else {
            Issue.record("not an RSA key"); return
        }
        #expect(eBytes == [0x01, 0x00, 0x01])
        let ctx = try BigNumContext()
        let n = try BigNum(nBytes), p = try BigNum(pS), q = try BigNum(qS), d = try BigNum(dS), iqmp = try BigNum(iqmpS), e = try BigNum(eBytes)
        #expect(n.bitCount == bits)
        #expect(p.bitCount == bits / 2 && q.bitCount == bits / 2)
        #expect(try ctx.mul(p, q) == n)
        #expect(BigMath.isPrime(p, ctx) && BigMath.isPrime(q, ctx))
        // p > q and |p − q| > 2^(bits/2 − 100).
        #expect(p > q)
        #expect(try ctx.sub(p, q) > ctx.powerOfTwo(bits / 2 - 100))
        // gcd(p−1, e) = gcd(q−1, e) = 1; iqmp·q ≡ 1 (mod p); d·e ≡ 1 mod lcm(p−1, q−1) and d < lcm.
        let p1 = try ctx.minusOne(p), q1 = try ctx.minusOne(q)
        #expect(try ctx.gcd(p1, e).isOne && ctx.gcd(q1, e).isOne)
        #expect(try ctx.modMul(iqmp, q, p).isOne)
        let lcm = try ctx.div(ctx.mul(p1, q1), ctx.gcd(p1, q1))
        #expect(try ctx.modMul(d, e, lcm).isOne)
        #expect(d < lcm)
        // d > 2^(bits/2) (SP 800-56B).
        #expect(try d > ctx.powerOfTwo(bits / 2))
    }

    @Test func assemblyRefusesPrimesTooClose() throws {
        // p and q = consecutive primes: |p − q| is tiny, so no key may come out of them.
        let ctx = try BigNumContext()
        let start = try BigNum(try secureRandomBytes(128))
        let p = try BigMath.nextPrime(BigMath.setTopBits(start), ctx)
        let q = try BigMath.nextPrime(BigMath.plus(p, 2), ctx)
        #expect(try ctx.sub(q, p) < ctx.powerOfTwo(1024 - 100))
        #expect(try KeyGenerator.assembleRSA(p, q, e: try BigNum(KeyGenerator.rsaExponent), bits: 2048) == nil)
    }

    @Test func libraryRefusesWrongSizes() {
        #expect(throws: KeyportError.self) { try KeyGenerator.generate(algorithm: .rsa, bits: 512) }
        #expect(throws: KeyportError.self) { try KeyGenerator.generate(algorithm: .rsa, bits: 16385) }
        #expect(throws: KeyportError.self) { try KeyGenerator.generate(algorithm: .ecdsaP256, bits: 384) }
        #expect(throws: KeyportError.self) { try KeyGenerator.generate(algorithm: .ed25519, bits: 512) }
        #expect(throws: KeyportError.self) { try KeyGenerator.generate(algorithm: .skEd25519, bits: nil) }
    }

    @Test func emailHeuristic() {
        #expect(HygieneRules.isEmailAddress("alice@example.com"))
        #expect(HygieneRules.isEmailAddress("a.b+c@mail.example.org"))
        #expect(!HygieneRules.isEmailAddress("root@myhost"))
        #expect(!HygieneRules.isEmailAddress("my laptop"))
        #expect(!HygieneRules.isEmailAddress("a@b@c.d"))
        #expect(!HygieneRules.isEmailAddress("@example.com"))
        #expect(!HygieneRules.isEmailAddress("a@example."))
    }

    // MARK: - CLI: refusals write nothing

    static func generate(_ dir: TempDir, _ args: [String]) throws -> Tool.Output {
        try Tool.keyport(["generate"] + args, cwd: dir.url)
    }

    @Test func weakRSARefusedWithoutAllowWeak() throws {
        let dir = try TempDir()
        let out = try Self.generate(dir, ["-b", "1024", "-f", "k", "--no-passphrase", "-C", "a@example.com"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("--allow-weak"))
        #expect(!dir.exists("k") && !dir.exists("k.pub"))
    }

    @Test func dsaRefusedWithoutAllowWeak() throws {
        let dir = try TempDir()
        let out = try Self.generate(dir, ["-t", "dsa", "-f", "k", "--no-passphrase"])
        #expect(out.status == 64)
        #expect(!dir.exists("k") && !dir.exists("k.pub"))
    }

    @Test func unknownTypeAndBadSizesRefused() throws {
        let dir = try TempDir()
        for args in [["-t", "rsa1"], ["-t", "ecdsa", "-b", "255"], ["-t", "ed25519", "-b", "4096"], ["-b", "100000"], ["--format", "rfc4716"], ["--ppk-version", "4"]] {
            let out = try Self.generate(dir, args + ["-f", "k", "--no-passphrase"])
            #expect(out.status == 64, "\(args): \(out.stderr)")
            #expect(!dir.exists("k") && !dir.exists("k.pub"))
        }
    }

    @Test func noPassphraseSourceWithoutTerminalFails() throws {
        let dir = try TempDir()
        let out = try Self.generate(dir, ["-t", "ed25519", "-f", "k", "-C", "a@example.com"])
        #expect(out.status == 77)
        #expect(out.stderr.contains("--passphrase-file"))
        #expect(!dir.exists("k") && !dir.exists("k.pub"))
    }

    @Test func existingFileIsNotReplacedWithoutForce() throws {
        let dir = try TempDir()
        _ = try dir.write("k", "keep me\n")
        let out = try Self.generate(dir, ["-t", "ed25519", "-f", "k", "--no-passphrase"])
        #expect(out.status == 73)
        #expect(try dir.read("k") == "keep me\n")
        #expect(!dir.exists("k.pub"))
    }

    @Test func existingPubFileStopsBeforeAnythingIsWritten() throws {
        let dir = try TempDir()
        _ = try dir.write("k.pub", "keep me\n", mode: 0o644)
        let out = try Self.generate(dir, ["-t", "ed25519", "-f", "k", "--no-passphrase"])
        #expect(out.status == 73)
        #expect(!dir.exists("k"))
        #expect(try dir.read("k.pub") == "keep me\n")
    }

    // MARK: - CLI: files the peers accept (need the openssh-key-v1, PPK and PEM writers)

    /// The key part (type and base64) of an OpenSSH public line.
    static func keyPart(_ line: String) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(2).joined(separator: " ")
    }

    static let types: [(String, [String])] = [
        ("rsa", []), ("rsa", ["-b", "3072"]), ("ecdsa", []), ("ecdsa", ["-b", "384"]), ("ecdsa", ["-b", "521"]), ("ed25519", []),
    ]

    /// Generates `type` into `dir/k` in `format`, encrypted when `passphrase`; checks the output
    /// text, modes and that keyport reads the key back. Returns the .pub line.
    static func generateChecked(_ dir: TempDir, type: String, extra: [String], format: String, passphrase: Bool,
                                more: [String] = []) throws -> String? {
        var args = ["-t", type] + extra + ["-f", "k", "--format", format, "-C", "test@example.com"] + more
        // --kdf-rounds applies only to an encrypted openssh key (refused elsewhere).
        if passphrase, format == "openssh" { args += ["--kdf-rounds", "2"] }
        if passphrase {
            _ = try dir.write("pw", "correct horse\n")
            args += ["--passphrase-file", "pw"]
        } else {
            args += ["--no-passphrase"]
        }
        let out = try generate(dir, args)
        #expect(out.status == 0, "\(type) \(format): \(out.stderr)")
        guard out.status == 0 else { return nil }
        #expect(out.stdout.contains("Your identification has been saved in k\n"))
        #expect(out.stdout.contains("Your public key has been saved in k.pub\n"))
        #expect(out.stdout.contains("The key's randomart image is:\n+"))
        #expect(!out.stderr.contains("hint"))
        #expect(FileIO.mode(dir.path("k")) == 0o600)
        #expect(FileIO.mode(dir.path("k.pub")) == 0o644)
        let pub = try dir.read("k.pub")
        let pubKey = try #require(try KeyFile.read(Array(pub.utf8)).first?.result.get().publicKey)
        #expect(out.stdout.contains("The key fingerprint is:\n\(pubKey.fingerprint()) test@example.com\n"))
        // keyport reads its own file back (it also did so before reporting success).
        var doc = try #require(try KeyFile.read(dir.bytes("k")).first?.result.get())
        #expect(doc.isLocked == passphrase)
        if doc.isLocked { doc = try KeyFile.unlock(doc, passphrase: SecureBytes("correct horse")) }
        let key = try #require(doc.privateKey)
        #expect(key.publicKey == pubKey)
        try key.validate()
        return pub
    }

    @Test(arguments: types.indices, [false, true])
    func opensshOutputAcceptedBySSHKeygen(_ index: Int, _ passphrase: Bool) throws {
        let dir = try TempDir()
        let (type, extra) = Self.types[index]
        guard let pub = try Self.generateChecked(dir, type: type, extra: extra, format: "openssh", passphrase: passphrase) else { return }
        #expect(try dir.read("k").hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
        let y = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", passphrase ? "correct horse" : "", "-f", dir.path("k")])
        #expect(y.status == 0, "\(y.stderr)")
        #expect(Self.keyPart(y.stdout) == Self.keyPart(pub))
        #expect(pub.hasSuffix(" test@example.com\n"))
    }

    @Test(arguments: types.indices, [false, true])
    func ppkOutputAcceptedByPuttygen(_ index: Int, _ passphrase: Bool) throws {
        for version in ["2", "3"] {
            let dir = try TempDir()
            let (type, extra) = Self.types[index]
            guard let pub = try Self.generateChecked(dir, type: type, extra: extra, format: "ppk", passphrase: passphrase,
                                                     more: ["--ppk-version", version]) else { return }
            #expect(try dir.read("k").hasPrefix("PuTTY-User-Key-File-\(version): "))
            let l = try Tool.run("/usr/bin/puttygen", ["-L", dir.path("k")] + (passphrase ? ["--old-passphrase", dir.path("pw")] : []))
            #expect(l.status == 0, "\(l.stderr)")
            #expect(Self.keyPart(l.stdout) == Self.keyPart(pub))
        }
    }

    @Test(arguments: types.indices, [false, true])
    func pemAndPKCS8OutputAcceptedByOpenSSLAndSSHKeygen(_ index: Int, _ passphrase: Bool) throws {
        let (type, extra) = Self.types[index]
        // Ed25519 has no traditional PEM form; it is only written as PKCS#8.
        for format in type == "ed25519" ? ["pkcs8"] : ["pem", "pkcs8"] {
            let dir = try TempDir()
            guard let pub = try Self.generateChecked(dir, type: type, extra: extra, format: format, passphrase: passphrase) else { return }
            let check = try Tool.run("/usr/bin/openssl", ["pkey", "-in", dir.path("k"), "-check", "-noout", "-passin", passphrase ? "file:\(dir.path("pw"))" : "pass:"])
            #expect(check.status == 0, "\(format): \(check.stderr)")
            #expect(check.stdout.contains("Key is valid"))
            // OpenSSH 9.2 loads no Ed25519 key from PEM/PKCS#8 (its PEM path is RSA, DSA and ECDSA only).
            if type == "ed25519" { continue }
            let y = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", passphrase ? "correct horse" : "", "-f", dir.path("k")])
            #expect(y.status == 0, "\(format): \(y.stderr)")
            #expect(Self.keyPart(y.stdout) == Self.keyPart(pub))
        }
    }

    @Test func forceReplacesBothFiles() throws {
        let dir = try TempDir()
        _ = try dir.write("k", "old\n")
        _ = try dir.write("k.pub", "old\n", mode: 0o644)
        let out = try Self.generate(dir, ["-t", "ed25519", "-f", "k", "--no-passphrase", "--force", "-C", "a@example.com"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try dir.read("k").hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))
        #expect(try dir.read("k.pub").hasPrefix("ssh-ed25519 "))
        #expect(FileIO.mode(dir.path("k")) == 0o600)
    }

    @Test func twoCLIRunsGiveDifferentKeys() throws {
        let dir = try TempDir()
        let a = try Self.generate(dir, ["-t", "ed25519", "-f", "a", "--no-passphrase", "-C", "a@example.com"])
        let b = try Self.generate(dir, ["-t", "ed25519", "-f", "b", "--no-passphrase", "-C", "a@example.com"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(try Self.keyPart(dir.read("a.pub")) != Self.keyPart(dir.read("b.pub")))
    }

    @Test func allowWeakWarnsAndWrites() throws {
        let dir = try TempDir()
        let out = try Self.generate(dir, ["-b", "1024", "--allow-weak", "-f", "k", "--no-passphrase", "-C", "a@example.com"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("warning"))
        #expect(out.stdout.contains("+---[RSA 1024]----+"))
        let y = try Tool.run("/usr/bin/ssh-keygen", ["-l", "-f", dir.path("k")])
        #expect(y.stdout.hasPrefix("1024 SHA256:"))
    }

    @Test func defaultCommentAndFileAreSSHKeygenStyle() throws {
        let dir = try TempDir()
        let out = try Tool.run("env", ["HOME=\(dir.url.path)", Tool.keyportPath, "generate", "-t", "ed25519", "--no-passphrase"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(FileIO.mode(dir.path(".ssh")) == 0o700)
        let pub = try dir.read(".ssh/id_ed25519.pub")
        #expect(pub.hasPrefix("ssh-ed25519 "))
        // user@host, which is not an email address: a hint follows.
        let comment = pub.split(separator: " ").dropFirst(2).joined(separator: " ").trimmingCharacters(in: .newlines)
        #expect(comment.contains("@"))
        #expect(out.stderr.contains("hint"))
        #expect(out.stdout.contains("saved in \(dir.path(".ssh/id_ed25519"))\n"))
    }

    @Test func readBackDetectsAForeignKey() throws {
        let dir = try TempDir()
        let out = try Self.generate(dir, ["-t", "ed25519", "-f", "k", "--no-passphrase", "-C", "a@example.com"])
        #expect(out.status == 0, "\(out.stderr)")
        let other = try KeyGenerator.generate(algorithm: .ed25519, bits: nil)
        #expect(throws: KeyportError.self) {
            try GenerateCommand.verify(path: dir.path("k"), publicPath: dir.path("k.pub"), key: other, passphrase: nil)
        }
    }
}

/// Prime-search helpers for the checks above (arithmetic is the library's `BigNumContext`).
enum BigMath {
    static func isPrime(_ a: BigNum, _ ctx: BigNumContext) -> Bool { ctx.isProbablePrime(a) == true }
    static func plus(_ a: BigNum, _ w: UInt) throws -> BigNum {
        let r = try BigNum()
        a.withUnsafePointer { source in r.withUnsafePointer { _ = BN_copy($0, source); _ = BN_add_word($0, w) } }
        return r
    }
    /// The value with its top two bits (of 1024) set and made odd.
    static func setTopBits(_ a: BigNum) throws -> BigNum {
        let r = try plus(a, 0)
        r.withUnsafePointer { _ = BN_set_bit($0, 1023); _ = BN_set_bit($0, 1022); _ = BN_set_bit($0, 0) }
        return r
    }
    static func nextPrime(_ a: BigNum, _ ctx: BigNumContext) throws -> BigNum {
        var r = try plus(a, 0)
        if r.withUnsafePointer({ BN_is_odd($0) }) == 0 { r = try plus(r, 1) }
        while !isPrime(r, ctx) { r = try plus(r, 2) }
        return r
    }
}
