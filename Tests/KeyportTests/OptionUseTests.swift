import Foundation
import Testing
@testable import Keyport

/// Options are honoured or refused, never ignored; messages point the right way; `convert --to
/// rfc4716` of a private key writes its public key as ssh-keygen -e and puttygen -p do (issue 16).
@Suite struct OptionUseTests {
    /// Every option that would change nothing is a usage error (64) naming it, before anything is
    /// written or asked for.
    @Test func optionsThatWouldBeIgnoredAreRefused() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let enc = try sshKeygen(dir, name: "enc", type: "ed25519", passphrase: "secret1", extra: ["-a", "2"])
        let pass = try dir.write("pass", "secret1\n")
        #expect(try Tool.run("puttygen", ["-t", "ed25519", "-o", dir.path("k.ppk"), "--new-passphrase", "/dev/null"]).status == 0)
        let out = dir.path("out")
        let cases: [([String], String)] = [
            (["convert", "--to", "openssh", "--no-passphrase", "--kdf-rounds", "8", "-o", out, key], "--kdf-rounds does not apply: --no-passphrase"),
            (["convert", "--to", "pem", "--new-passphrase-file", pass, "--kdf-rounds", "8", "-o", out, key], "--kdf-rounds does not apply"),
            (["convert", "--to", "openssh", "--public", "--kdf-rounds", "8", key], "--kdf-rounds does not apply"),
            (["convert", "--to", "pem", "--ppk-version", "2", "--no-passphrase", "-o", out, key], "--ppk-version does not apply: the output is pem"),
            (["convert", "--to", "pkcs8", "--ppk-version", "3", "--no-passphrase", "-o", out, key], "--ppk-version does not apply"),
            (["convert", "--to", "openssh", "--ppk-version", "2", "--no-passphrase", "-o", out, key], "--ppk-version does not apply"),
            (["convert", "--to", "ppk", "--ppk-version", "2", "--ppk-param", "passes=2", "--new-passphrase-file", pass, "-o", out, key], "PPK version 2 has no Argon2"),
            (["convert", "--to", "ppk", "--ppk-param", "passes=2", "--no-passphrase", "-o", out, key], "--ppk-param does not apply"),
            (["convert", "--to", "openssh", "--ppk-param", "passes=2", "--no-passphrase", "-o", out, key], "--ppk-param does not apply"),
            (["convert", "--to", "openssh", "--public", "--no-passphrase", key], "--no-passphrase does not apply"),
            (["convert", "--to", "openssh", "--new-passphrase-file", pass, key + ".pub"], "--new-passphrase-file does not apply"),
            (["convert", "--to", "ppk", key + ".pub"], "--to ppk writes a private key"),
            (["convert", "--to", "ppk", "--public", key], "--to ppk writes a private key"),
            (["convert", "--to", "openssh", "--force", key + ".pub"], "--force replaces the -o file"),
            (["convert", "--to", "pem", "--comment", "c", "--no-passphrase", "-o", out, key], "PEM has no place for a comment"),
            (["convert", "--to", "pkcs8", "--comment", "c", "--public", key], "PKCS#8 has no place for a comment"),
            (["convert", "--to", "openssh", "--passphrase-file", pass, "--no-passphrase", "-o", out, key], "--passphrase-file does not apply: the input key is not encrypted"),
            (["convert", "--to", "openssh", "--passphrase-file", pass, "--no-passphrase", "--kdf-rounds", "4", "-o", out, enc], "--kdf-rounds does not apply"),
            (["generate", "-t", "ed25519", "--format", "pem", "--kdf-rounds", "8", "--no-passphrase", "-f", out], "--kdf-rounds sets the bcrypt cost"),
            (["generate", "-t", "ed25519", "--kdf-rounds", "8", "--no-passphrase", "-f", out], "--no-passphrase writes none"),
            (["generate", "-t", "ed25519", "--ppk-version", "2", "--no-passphrase", "-f", out], "--ppk-version applies to --format ppk"),
            (["passwd", "--kdf-rounds", "8", "--no-passphrase", dir.path("k.ppk")], "--kdf-rounds"),
            (["passwd", "--kdf-rounds", "8", "--new-passphrase-file", pass, dir.path("k.ppk")], "is PuTTY"),
            (["passwd", "--passphrase-file", pass, "--new-passphrase-file", pass, key], "--passphrase-file does not apply"),
            (["comment", "-C", "x", "--passphrase-file", pass, key + ".pub"], "--passphrase-file does not apply"),
            (["lint", "--list-rules", "--min-rsa-bits", "3072"], "--min-rsa-bits does not apply to --list-rules"),
            (["lint", "--list-rules", "--policy", pass], "--policy does not apply"),
            (["lint", "--explain", "rsa-too-short", "--format", "json"], "--explain prints text"),
            (["lint", "--explain", "rsa-too-short", "--fail-on", "info"], "--fail-on does not apply"),
            (["lint", "--list-rules", "--explain", "rsa-too-short"], "--explain does not apply to --list-rules"),
            (["lint", "-q", "-v", key + ".pub"], "-q and -v cannot be used together"),
        ]
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        for (args, text) in cases {
            let r = try Tool.keyport(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("keyport: ") && r.stderr.contains(text), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == before)
        // The same options where they apply are honoured.
        let honoured = try Tool.keyport(["convert", "--to", "openssh", "--passphrase-file", pass, "--new-passphrase-file", pass, "--kdf-rounds", "3", "-o", out, enc])
        #expect(honoured.status == 0, "\(honoured.stderr)")
        let inspect = try Tool.keyport(["inspect", "--json", out])
        #expect(inspect.stdout.contains("\"rounds\":3"), "\(inspect.stdout)")
        let v2 = try Tool.keyport(["convert", "--to", "ppk", "--ppk-version", "2", "--no-passphrase", "-o", dir.path("v2.ppk"), key])
        #expect(v2.status == 0, "\(v2.stderr)")
        #expect(try dir.read("v2.ppk").hasPrefix("PuTTY-User-Key-File-2:"))
    }

    /// Messages that pointed the wrong way: -o DIR says it is a directory (with or without
    /// --force), generate -f - says private keys are not written to standard output, lint without a
    /// path names what to give and reads standard input only when told (-), even from a pipe.
    @Test func messagesPointTheRightWay() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        try FileManager.default.createDirectory(atPath: dir.path("d"), withIntermediateDirectories: false)
        for force in [[], ["--force"]] {
            let r = try Tool.keyport(["convert", "--to", "openssh", "--public", "-o", dir.path("d")] + force + [key])
            #expect(r.status == 73, "\(force): \(r.stderr)")
            #expect(r.stderr.contains("is a directory") && !r.stderr.contains("use --force"), "\(force): \(r.stderr)")
            let g = try Tool.keyport(["generate", "-t", "ed25519", "--no-passphrase", "-C", "a@example.com", "-f", dir.path("d")] + force)
            #expect(g.status == 73 && g.stderr.contains("is a directory") && !g.stderr.contains("use --force"), "\(force): \(g.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("d")).isEmpty)
        let dash = try Tool.keyport(["generate", "-t", "ed25519", "--no-passphrase", "-C", "a@example.com", "-f", "-"], cwd: dir.url)
        #expect(dash.status == 64)
        #expect(dash.stderr.contains("a private key is not written to standard output; give -f FILE"), "\(dash.stderr)")
        #expect(!dir.exists("-") && !dir.exists("-.pub"))
        let pub = Data(try dir.read("k.pub").utf8)
        for stdin in [nil, pub] {
            let r = try Tool.keyport(["lint"], stdin: stdin)
            #expect(r.status == 64)
            #expect(r.stderr.contains("give the key files or directories to check (- reads standard input)"), "\(r.stderr)")
        }
        #expect(try Tool.keyport(["lint", "-"], stdin: pub).status == 0)
    }

    /// `convert --to rfc4716` of a private key writes its public key, saying so in one line: byte
    /// for byte what `ssh-keygen -e -f KEY` writes for a key without a comment (ssh-keygen's own
    /// "N-bit TYPE, converted by USER@HOST from OpenSSH" header), and for a key with one the same
    /// body under the Comment header puttygen -p writes (ssh-keygen -e drops the comment).
    @Test func rfc4716OfAPrivateKeyIsItsPublicKeyAsThePeersWriteIt() throws {
        let dir = try TempDir()
        var bare = [
            try sshKeygen(dir, name: "rsa", type: "rsa", bits: 2048, comment: ""),
            try sshKeygen(dir, name: "ecdsa", type: "ecdsa", bits: 384, comment: ""),
            try sshKeygen(dir, name: "ed", type: "ed25519", comment: ""),
            try sshKeygen(dir, name: "pem", type: "rsa", bits: 2048, comment: "", extra: ["-m", "PEM"]),
        ]
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir.path("p8")]).status == 0)
        bare.append(dir.path("p8"))
        for key in bare {
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-f", key])
            #expect(peer.status == 0, "\(peer.stderr)")
            let ours = try Tool.keyport(["convert", "--to", "rfc4716", key])
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdout == peer.stdout, "\(key)")
            #expect(ours.stderr == "keyport: RFC 4716 holds public keys only: wrote the public key (as ssh-keygen -e does)\n")
            // -q drops the note; --public asked for the public key, so there is nothing to say.
            #expect(try Tool.keyport(["convert", "-q", "--to", "rfc4716", key]).stderr.isEmpty)
            #expect(try Tool.keyport(["convert", "--public", "--to", "rfc4716", key]).stderr.isEmpty)
        }
        let named = try sshKeygen(dir, name: "named", type: "ed25519", comment: "bob@example.com")
        let pass = try dir.write("pass", "secret1\n")
        let locked = try sshKeygen(dir, name: "locked", type: "ecdsa", comment: "locked@example.com", passphrase: "secret1", extra: ["-a", "2"])
        for (key, unlock) in [(named, [String]()), (locked, ["--passphrase-file", pass])] {
            let rfc = key + ".rfc"
            let ours = try Tool.keyport(["convert", "--to", "rfc4716", "-o", rfc] + unlock + [key])
            #expect(ours.status == 0, "\(ours.stderr)")
            let text = try String(contentsOfFile: rfc, encoding: .utf8)
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-P", "secret1", "-f", key]).stdout
            // Everything but the Comment line is ssh-keygen's.
            func body(_ s: String) -> [Substring] { s.split(separator: "\n").filter { !$0.hasPrefix("Comment:") } }
            #expect(body(text) == body(peer))
            #expect(try Tool.run("puttygen", [key, "-p", "-o", key + ".putty", "--old-passphrase", pass]).status == 0)
            let puttyComment = try String(contentsOfFile: key + ".putty", encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("Comment:") }
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("Comment:") } == puttyComment)
            #expect(puttyComment.count == 1)
            // Both peers read it back as the same key.
            let imported = try Tool.run("/usr/bin/ssh-keygen", ["-i", "-f", rfc]).stdout
            let derived = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "secret1", "-f", key]).stdout
            #expect(imported.split(whereSeparator: \.isWhitespace).prefix(2) == derived.split(whereSeparator: \.isWhitespace).prefix(2))
        }
        // A PuTTY key (which ssh-keygen cannot read) gets puttygen -p's comment and key.
        #expect(try Tool.run("puttygen", ["-t", "rsa", "-b", "2048", "-C", "putty key", "-o", dir.path("k.ppk"), "--new-passphrase", "/dev/null"]).status == 0)
        #expect(try Tool.run("puttygen", [dir.path("k.ppk"), "-p", "-o", dir.path("putty.rfc")]).status == 0)
        let fromPPK = try Tool.keyport(["convert", "--to", "rfc4716", dir.path("k.ppk")])
        #expect(fromPPK.status == 0)
        let theirs = try KeyFile.read(try dir.bytes("putty.rfc")).first?.result.get()
        let ours = try KeyFile.read(Array(fromPPK.stdout.utf8)).first?.result.get()
        #expect(ours?.publicKey == theirs?.publicKey && ours?.comment == "putty key" && theirs?.comment == "putty key")
    }
}
