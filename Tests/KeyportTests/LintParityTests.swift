import Foundation
import Testing
@testable import Keyport

/// `keyport lint` on keys made by ssh-keygen, puttygen and openssl: each damage under its rule, once.
@Suite struct LintParityTests {
    func run(_ tool: String, _ args: [String], cwd: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Tool.Output {
        let out = try Tool.run(tool, args, cwd: cwd)
        #expect(out.status == 0, "\(tool) \(args): \(out.stderr)", sourceLocation: sourceLocation)
        return out
    }


    /// `openssl ecparam -param_enc explicit` keys (SEC1, PKCS#8, SubjectPublicKeyInfo, and an
    /// encrypted SEC1 once unlocked) raise ec-explicit-parameters; OpenSSL 3 names the curve of such a
    /// key, so only its "decoded-from-explicit" flag tells them apart. Named-curve keys do not.
    @Test func explicitCurveParametersAreFound() throws {
        let dir = try TempDir()
        _ = try run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit", "-out", dir.path("sec1.pem")])
        _ = try run("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", dir.path("sec1.pem"), "-out", dir.path("p8.pem")])
        _ = try run("openssl", ["ec", "-in", dir.path("sec1.pem"), "-pubout", "-param_enc", "explicit", "-out", dir.path("spki.pem")])
        _ = try run("openssl", ["ec", "-in", dir.path("sec1.pem"), "-param_enc", "explicit", "-aes128", "-passout", "pass:pw", "-out", dir.path("enc.pem")])
        _ = try run("openssl", ["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", dir.path("named.pem")])
        _ = try run("openssl", ["ec", "-in", dir.path("named.pem"), "-pubout", "-out", dir.path("named.pub.pem")])
        for name in ["sec1.pem", "p8.pem", "spki.pem"] {
            #expect(ruleIDs(try lintFiles([dir.path(name)])).contains("ec-explicit-parameters"), "\(name)")
        }
        for name in ["named.pem", "named.pub.pem"] {
            #expect(!ruleIDs(try lintFiles([dir.path(name)])).contains("ec-explicit-parameters"), "\(name)")
        }
        let locked = try #require(try KeyFile.read(dir.bytes("enc.pem")).first?.result.get())
        let unlocked = try KeyFile.unlock(locked, passphrase: SecureBytes("pw"))
        #expect(ruleIDs(lintDocs([unlocked], path: dir.path("enc.pem"), mode: 0o600)).contains("ec-explicit-parameters"))
        // Through the CLI, with --passphrase-file, the finding is an error: exit 1.
        let pass = try dir.write("pass", "pw\n")
        let cli = try Tool.keyport(["lint", "--passphrase-file", pass, dir.path("enc.pem")])
        #expect(cli.status == 1 && cli.stdout.contains("ec-explicit-parameters"), "\(cli.stdout)\(cli.stderr)")
    }

    /// What ssh-keygen refuses in an openssh-key-v1 file (text after END on its line, no final
    /// newline, CR LF) is reported under trailing-data / crlf-damage, not as an info-level
    /// irregularity; text on lines after END (which ssh-keygen ignores) is trailing-data too.
    @Test func openSSHArmourDamageIsReportedUnderItsRule() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let text = try dir.read("k")
        let cases: [(String, String, Bool)] = [
            // (name, content, does ssh-keygen read it?)
            ("endgarbage", text.replacingOccurrences(of: "-----END OPENSSH PRIVATE KEY-----\n", with: "-----END OPENSSH PRIVATE KEY-----garbage\n"), false),
            ("nonewline", String(text.dropLast()), false),
            ("crlf", text.replacingOccurrences(of: "\n", with: "\r\n"), false),
            ("trailing", text + "garbage\n", true),
        ]
        let expected = ["endgarbage": "trailing-data", "nonewline": "crlf-damage", "crlf": "crlf-damage", "trailing": "trailing-data"]
        for (name, content, sshReads) in cases {
            let path = try dir.write(name, content)
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", path])
            #expect((peer.status == 0) == sshReads, "\(name): ssh-keygen \(peer.stderr)")
            let ids = ruleIDs(try lintFiles([path]))
            #expect(ids.contains(expected[name] ?? ""), "\(name): \(ids)")
            #expect(!ids.contains("format-irregularity"), "\(name): \(ids)")
        }
        #expect(!ruleIDs(try lintFiles([key])).contains { ["trailing-data", "crlf-damage", "format-irregularity"].contains($0) })
    }

    /// Text after the END line of a PEM key is trailing-data (OpenSSL and OpenSSH ignore it), text
    /// before BEGIN an irregularity PuTTY refuses; the clean file raises neither.
    @Test func pemTextAroundTheArmourIsNoted() throws {
        let dir = try TempDir()
        _ = try run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir.path("k.pem")])
        let text = try dir.read("k.pem")
        let trailing = try dir.write("trailing.pem", text + "garbage\n")
        let leading = try dir.write("leading.pem", "Bag Attributes\n" + text)
        _ = try run("openssl", ["pkey", "-in", trailing, "-noout"])
        #expect(ruleIDs(try lintFiles([trailing])).contains("trailing-data"))
        #expect(ruleIDs(try lintFiles([leading])).contains("format-irregularity"))
        let clean = ruleIDs(try lintFiles([dir.path("k.pem")]))
        #expect(!clean.contains("trailing-data") && !clean.contains("format-irregularity"))
    }

    /// An openssh-key-v1 file whose public section holds another key: ssh-keygen refuses it; lint
    /// reports private-key-mismatch (not unreadable-key), for a plain file and, with
    /// --passphrase-file, for an encrypted one (which used to drop the file with exit 66).
    @Test func privateHalfNotMatchingIsPrivateKeyMismatch() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "a", type: "ed25519")
        try sshKeygen(dir, name: "b", type: "ed25519")
        try sshKeygen(dir, name: "ae", type: "ed25519", passphrase: "pw")
        func swapPublic(_ name: String, from: String, to: String) throws -> String {
            let text = try dir.read(name)
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            var bytes = try #require(Data(base64Encoded: body).map(Array.init))
            let old = try #require(Data(base64Encoded: String(try dir.read(from).split(separator: " ")[1])).map { Array($0.suffix(32)) })
            let new = try #require(Data(base64Encoded: String(try dir.read(to).split(separator: " ")[1])).map { Array($0.suffix(32)) })
            let start = try #require((0...(bytes.count - 32)).first { Array(bytes[$0..<$0 + 32]) == old })
            bytes.replaceSubrange(start..<start + 32, with: new)
            let b64 = Data(bytes).base64EncodedString()
            let lines = stride(from: 0, to: b64.count, by: 70).map { i -> String in
                let a = b64.index(b64.startIndex, offsetBy: i), e = b64.index(a, offsetBy: min(70, b64.count - i))
                return String(b64[a..<e])
            }
            return try dir.write(name + ".bad", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + lines.joined(separator: "\n") + "\n-----END OPENSSH PRIVATE KEY-----\n")
        }
        let plain = try swapPublic("a", from: "a.pub", to: "b.pub")
        let encrypted = try swapPublic("ae", from: "ae.pub", to: "b.pub")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", plain]).status != 0)
        let ids = ruleIDs(try lintFiles([plain]))
        #expect(ids.contains("private-key-mismatch") && !ids.contains("unreadable-key"), "\(ids)")
        #expect(!ruleIDs(try lintFiles([dir.path("a")])).contains("private-key-mismatch"))

        let pass = try dir.write("pass", "pw\n")
        let cli = try Tool.keyport(["lint", "--passphrase-file", pass, encrypted, dir.path("a")])
        #expect(cli.status == 1, "\(cli.stderr)")
        #expect(cli.stdout.contains("\(encrypted): error private-key-mismatch:"), "\(cli.stdout)")
        #expect(cli.stderr.isEmpty, "\(cli.stderr)")
    }

    /// A known_hosts `@revoked` line is there to refuse its key: a DSA or short RSA key on it is not
    /// reported (the same keys on ordinary host lines still are).
    @Test func revokedKnownHostsKeysAreNotFlagged() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "dsa", type: "dsa")
        try sshKeygen(dir, name: "rsa", type: "rsa", bits: 1024)
        func key(_ name: String) throws -> String { try dir.read(name + ".pub").split(separator: " ").prefix(2).joined(separator: " ") }
        let path = try dir.write("known_hosts", "@revoked * \(try key("dsa"))\n@revoked old.example.com \(try key("rsa"))\nhost.example.com \(try key("rsa"))\n")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-l", "-f", path]).status == 0)
        let findings = try lintFiles([path])
        #expect(!findings.contains { $0.line == 1 || $0.line == 2 }, "\(findings)")
        #expect(findings.contains { $0.line == 3 && $0.ruleID == "rsa-too-short" })
    }

    /// The SSH-1 finding says "SSH-1 key" once, for a puttygen SSH-1 private key file.
    @Test func ssh1FindingNamesItOnce() throws {
        let dir = try TempDir()
        _ = try Tool.run("puttygen", ["-t", "rsa1", "-b", "1024", "-o", dir.path("ssh1"), "--new-passphrase", "/dev/null"])
        let finding = try #require(try lintFiles([dir.path("ssh1")]).first { $0.ruleID == "ssh1-key" })
        #expect(!finding.message.lowercased().contains("ssh-1 key: ssh-1 key"), "\(finding.message)")
    }

    /// PKCS#8 PBES1 (`openssl pkcs8 -v1 PBE-MD5-DES`) is legacy encryption but not "one MD5 round":
    /// the message names the scheme and its KDF; traditional PEM keeps its own wording.
    @Test func pbes1IsDescribedAsWhatItIs() throws {
        let dir = try TempDir()
        _ = try run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", dir.path("k.pem")])
        _ = try run("openssl", ["pkcs8", "-topk8", "-in", dir.path("k.pem"), "-v1", "PBE-MD5-DES", "-passout", "pass:pw",
                                "-provider", "legacy", "-provider", "default", "-out", dir.path("pbes1.pem")])
        _ = try run("openssl", ["rsa", "-in", dir.path("k.pem"), "-traditional", "-aes128", "-passout", "pass:pw", "-out", dir.path("trad.pem")])
        let pbes1 = try #require(try lintFiles([dir.path("pbes1.pem")]).first { $0.ruleID == "legacy-pem-encryption" })
        #expect(pbes1.message.contains("PBES1") && pbes1.message.contains("PBKDF1-MD5") && !pbes1.message.contains("one MD5 round"), "\(pbes1.message)")
        let trad = try #require(try lintFiles([dir.path("trad.pem")]).first { $0.ruleID == "legacy-pem-encryption" })
        #expect(trad.message.contains("one MD5 round"), "\(trad.message)")
    }

    /// A known_hosts file of 8,000 lines (under 1 MiB) is linted in linear time: asking whether the
    /// file is an authorized_keys file used to scan every line for every line (20 s here, now 0.3 s).
    @Test func manyLinesAreLintedInLinearTime() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "good", type: "ed25519")
        let good = try dir.read("good.pub").split(separator: " ").prefix(2).joined(separator: " ")
        var text = ""
        for i in 0..<8_000 { text += "h\(i) \(good)\n" }
        let path = try dir.write("known_hosts", text)
        let input = try LintInput.read(path: path)
        let start = Date()
        #expect(Linter().lint([input]).isEmpty)
        #expect(Date().timeIntervalSince(start) < 5, "lint of 8,000 lines took \(Date().timeIntervalSince(start)) s")
    }

    /// An authorized_keys / known_hosts file over 1 MiB (thousands of lines, as on a git server) is
    /// linted whole, as ssh-keygen -l and keyport fingerprint read it; a large file that is not key
    /// lines is still refused at 1 MiB.
    @Test func largeLineFilesAreLinted() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "good", type: "ed25519")
        try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        func key(_ name: String) throws -> String { try dir.read(name + ".pub").split(separator: " ").prefix(2).joined(separator: " ") }
        let good = try key("good")
        var text = ""
        for i in 0..<12_000 { text += "host\(i).example.com \(good)\n" }
        text += "last.example.com \(try key("weak"))\n"
        let path = try dir.write("known_hosts", text)
        #expect(text.utf8.count > KeyFile.maximumSize)
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-l", "-f", path]).stdout.split(separator: "\n").count == 12_001)
        let findings = try lintFiles([path])
        #expect(findings.map(\.ruleID) == ["rsa-too-short"] && findings.first?.line == 12_001, "\(findings)")

        let junk = try dir.write("notes.txt", String(repeating: "not a key line\n", count: 80_000))
        #expect(throws: KeyportError.self) { try LintInput.read(path: junk) }
    }

    /// An encrypted PKCS#8 or legacy PEM key hides its public half: without a passphrase lint says so
    /// on standard error instead of passing it in silence; with --passphrase-file the key is checked.
    @Test func encryptedPEMWithoutPassphraseIsNotASilentPass() throws {
        let dir = try TempDir()
        _ = try run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-aes256", "-pass", "pass:pw", "-out", dir.path("k.p8")])
        let quiet = try Tool.keyport(["lint", dir.path("k.p8")])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty)
        #expect(quiet.stderr.contains("hides its public key") && quiet.stderr.contains("--passphrase-file"), "\(quiet.stderr)")
        let pass = try dir.write("pass", "pw\n")
        let checked = try Tool.keyport(["lint", "--passphrase-file", pass, dir.path("k.p8")])
        #expect(checked.status == 1 && checked.stdout.contains("rsa-too-short") && checked.stderr.isEmpty, "\(checked.stdout)\(checked.stderr)")
    }
}
