import Foundation
import Testing
@testable import Keyport

/// Regression tests for discrepancies found by comparing the keyport CLI with the real ssh-keygen,
/// puttygen and openssl. Each test makes its keys at run time and runs the peer on the same files.
@Suite struct QATests {
    /// `ssh-keygen -l -f FILE` and `keyport fingerprint FILE` (with the same extra options) print the
    /// same bytes; both succeed or both fail.
    func expectSameFingerprint(_ path: String, _ options: [String] = [], cwd: URL? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-l"] + options + ["-f", path], cwd: cwd)
        let ours = try Tool.keyport(["fingerprint"] + options + [path], cwd: cwd)
        #expect(ours.stdout == peer.stdout, "\(path) \(options)", sourceLocation: sourceLocation)
        #expect((ours.status == 0) == (peer.status == 0), "\(path): \(ours.stderr)", sourceLocation: sourceLocation)
    }

    // MARK: - fingerprint

    /// A FILE.pub beside a private key whose line has no comment: ssh-keygen names the .pub file
    /// (authfile.c sshkey_try_load_public), it does not fall back to the private key's comment.
    @Test func privateKeyWithCommentlessPubSiblingIsLabelledWithThePubPath() throws {
        let dir = try TempDir()
        for type in ["ed25519", "rsa", "ecdsa"] {
            try sshKeygen(dir, name: "k_\(type)", type: type, comment: "")
            try sshKeygen(dir, name: "c_\(type)", type: type, comment: "inside")
            let pub = try dir.read("c_\(type).pub").split(separator: " ").prefix(2).joined(separator: " ")
            // A comment-less line ending in CRLF after a blank and a comment line, still the path.
            _ = try dir.write("c_\(type).pub", "# note\n\n\(pub) \r\n")
            for name in ["k_\(type)", "c_\(type)"] {
                try expectSameFingerprint(dir.path(name))
                try expectSameFingerprint(name, ["-E", "md5"], cwd: dir.url)
            }
        }
    }

    /// `-E` takes every hash ssh-keygen takes (sha256, md5, sha1, sha512), in any case, with -v too.
    @Test(arguments: ["SHA256", "MD5", "sha1", "Sha512"])
    func everySshKeygenHashNameIsAccepted(_ name: String) throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ecdsa", comment: "hash test")
        let ca = try sshKeygen(dir, name: "ca", type: "ed25519")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", ca, "-I", "id", dir.path("k.pub")]).status == 0)
        for path in [key, key + ".pub", dir.path("k-cert.pub")] {
            try expectSameFingerprint(path, ["-E", name])
            try expectSameFingerprint(path, ["-v", "-E", name])
        }
    }

    /// Comments and options that are not UTF-8 (a Latin-1 name, stray bytes, overlong forms) are
    /// escaped byte by byte as ssh-keygen escapes them, not turned into U+FFFD first.
    @Test func nonUTF8CommentsAreEscapedAsSshKeygenDoes() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "k", type: "ed25519")
        let line = try dir.read("k.pub").split(separator: " ").prefix(2).joined(separator: " ")
        var bytes: [UInt8] = []
        bytes += Array("\(line) Jos".utf8) + [0xe9] + Array(" tab\tx ".utf8) + [0x01, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xe2, 0x82]
        bytes += Array(" \u{FFFD} \u{85} é".utf8) + [0x7f, 0x0a]
        bytes += Array("command=\"".utf8) + [0xff] + Array("\" \(line)\n".utf8)
        let path = dir.path("authorized_keys")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try expectSameFingerprint(path)
        try expectSameFingerprint(path, ["-v", "-E", "md5"])
    }

    // MARK: - inspect

    /// The rows of one key in `keyport inspect` text output, by name.
    func inspectRows(_ text: String) -> [(String, String)] {
        text.split(separator: "\n").compactMap { line -> (String, String)? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
            return (name, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// Encrypted openssh-key-v1 and PPK keys are inspected without a passphrase; every row appears
    /// once (the format's own KDF details replace the generic cipher/kdf rows, not repeat them).
    @Test func inspectOfEncryptedKeysShowsEachRowOnce() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "enc", type: "ed25519", passphrase: "secret1", extra: ["-a", "20"])
        let pass = try dir.write("pass", "pw\n")
        let ppk = dir.path("k.ppk")
        let made = try Tool.run("puttygen", ["-t", "ed25519", "-C", "putty c", "-o", ppk, "--new-passphrase", pass])
        #expect(made.status == 0, "\(made.stderr)")
        for path in [key, ppk] {
            let r = try Tool.keyport(["inspect", path])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = inspectRows(r.stdout)
            let names = rows.map(\.0)
            #expect(names.count == Set(names).count, "repeated rows: \(names)")
            #expect(rows.contains { $0 == ("encrypted", "yes") })
            #expect(rows.contains { $0.0 == "cipher" && $0.1 == (path == key ? "aes256-ctr" : "aes256-cbc") })
        }
        let rows = inspectRows(try Tool.keyport(["inspect", key]).stdout)
        #expect(rows.contains { $0 == ("rounds", "20") })
        #expect(rows.contains { $0 == ("kdf", "bcrypt") })
        #expect(rows.contains { $0 == ("comment", "(encrypted)") })
        #expect(inspectRows(try Tool.keyport(["inspect", ppk]).stdout).contains { $0 == ("kdf", "Argon2id") })
    }

    /// An encrypted PEM key without --passphrase-file: the one stderr line names the format and its
    /// encryption and says which option is missing; inspect still prints what it knows; exit 77.
    @Test func encryptedPEMWithoutPassphraseSaysWhatItIsAndWhatIsMissing() throws {
        let dir = try TempDir()
        let legacy = try sshKeygen(dir, name: "legacy", type: "rsa", bits: 1024, passphrase: "secret1", extra: ["-m", "PEM"])
        let pkcs8 = try sshKeygen(dir, name: "p8", type: "ecdsa", passphrase: "secret1", extra: ["-m", "PKCS8"])
        for (path, label) in [(legacy, "PEM traditional"), (pkcs8, "PKCS#8 encrypted")] {
            for command in ["inspect", "fingerprint"] {
                let r = try Tool.keyport([command, path])
                #expect(r.status == 77)
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1)
                #expect(lines.first?.hasPrefix("keyport: \(path): ") == true, "a key that is the whole file has no line")
                #expect(r.stderr.contains(label) && r.stderr.contains("AES-128-CBC") && r.stderr.contains("--passphrase-file"), "\(r.stderr)")
            }
            let shown = try Tool.keyport(["inspect", path])
            #expect(shown.stdout.contains(label) && shown.stdout.contains("encrypted:") && shown.stdout.contains("yes"))
        }
    }

    // MARK: - errors

    /// The one stderr line of a failed command, checked for the `keyport: FILE[:LINE]: ` form, no
    /// repeated field names and no Swift crash text.
    func expectOneErrorLine(_ r: Tool.Output, file: String, status: Int32? = nil, containing: String? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        if let status { #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation) }
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("keyport: \(file)"), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("DER: DER") && !r.stderr.contains("line: line"),
                "\(r.stderr)", sourceLocation: sourceLocation)
        if let containing { #expect(r.stderr.contains(containing), "\(r.stderr)", sourceLocation: sourceLocation) }
    }

    /// fingerprint streams line files; its verdict on a file that is no key file is the same single
    /// line inspect gives, and a file of garbage or one endless line is refused after 1 MiB.
    @Test func streamedFingerprintGivesTheWholeFileVerdict() throws {
        let dir = try TempDir()
        let hello = try dir.write("hello", "hello\n")
        var junk = [UInt8](repeating: 0, count: 3 << 20)
        for i in junk.indices { junk[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) | 0x80 }
        for i in stride(from: 100, to: junk.count, by: 100) { junk[i] = 0x0a }
        let binary = dir.path("junk")
        try Data(junk).write(to: URL(fileURLWithPath: binary))
        let endless = dir.path("oneline")
        try Data(repeating: UInt8(ascii: "A"), count: 2 << 20).write(to: URL(fileURLWithPath: endless))
        let manyBad = dir.path("manybad")
        try Data(String(repeating: "ssh-ed25519 AAAA\n", count: 80_000).utf8).write(to: URL(fileURLWithPath: manyBad))
        let smallJunk = dir.path("smalljunk")
        try Data(junk.prefix(4000)).write(to: URL(fileURLWithPath: smallJunk))
        for path in [hello, smallJunk] {
            let inspect = try Tool.keyport(["inspect", path])
            let fingerprint = try Tool.keyport(["fingerprint", path])
            expectOneErrorLine(fingerprint, file: path, status: 65, containing: "not a key file")
            #expect(fingerprint.stderr == inspect.stderr)
        }
        expectOneErrorLine(try Tool.keyport(["fingerprint", binary]), file: binary, containing: "binary data")
        expectOneErrorLine(try Tool.keyport(["fingerprint", endless]), file: endless + ":1", containing: "longer than 1024 KiB")
        expectOneErrorLine(try Tool.keyport(["fingerprint", manyBad]), file: manyBad + ": ", status: 65)
        // Through a shell redirection: keyport stops reading early, and a pipe fed by this process
        // would then raise SIGPIPE here.
        let piped = try Tool.run("/bin/sh", ["-c", "exec \"$0\" fingerprint - < \"$1\"", Tool.keyportPath, binary])
        expectOneErrorLine(piped, file: "(stdin)", status: 65, containing: "binary data")
    }

    /// DER with trailing bytes and a PEM body that is not base64: one clear line, no output file.
    @Test func damagedDERAndPEMAreOneClearLineAndNoOutput() throws {
        let dir = try TempDir()
        let pem = dir.path("k.pem")
        #expect(try Tool.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", pem]).status == 0)
        let der = dir.path("k.der")
        #expect(try Tool.run("openssl", ["pkey", "-in", pem, "-outform", "DER", "-out", der]).status == 0)
        let trailing = dir.path("trailing.der")
        try Data(try dir.bytes("k.der") + [0]).write(to: URL(fileURLWithPath: trailing))
        for command in [["fingerprint"], ["inspect"], ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out")]] {
            expectOneErrorLine(try Tool.keyport(command + [trailing]), file: trailing, status: 65, containing: "1 trailing byte after")
        }
        #expect(!dir.exists("out"))
        var text = try dir.read("k.pem").split(separator: "\n").map(String.init)
        text[1] = "!!!!" + text[1].dropFirst(4)
        let damaged = try dir.write("damaged.pem", text.joined(separator: "\n") + "\n")
        expectOneErrorLine(try Tool.keyport(["convert", "--to", "ppk", "--no-passphrase", "-o", dir.path("out"), damaged]),
                           file: damaged, status: 65, containing: "base64")
        #expect(!dir.exists("out"))
    }

    // MARK: - convert

    /// `convert --public --to openssh` prints what `ssh-keygen -y` prints: the comment (even when it is
    /// inside an encrypted openssh-key-v1 section and a passphrase file is given), and no blank after
    /// the key when there is no comment.
    @Test func publicLineFromPrivateKeysMatchesSshKeygenY() throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "secret1\n")
        let keys = [
            try sshKeygen(dir, name: "enc", type: "ed25519", comment: "enc comment", passphrase: "secret1"),
            try sshKeygen(dir, name: "empty", type: "ecdsa", comment: ""),
            try sshKeygen(dir, name: "plain", type: "rsa", bits: 1024, comment: "plain c"),
            try sshKeygen(dir, name: "pem", type: "rsa", bits: 1024, comment: "dropped", passphrase: "secret1", extra: ["-m", "PEM"]),
        ]
        for key in keys {
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "secret1", "-f", key])
            #expect(peer.status == 0)
            let ours = try Tool.keyport(["convert", "--to", "openssh", "--public", "--passphrase-file", pass, key])
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdout == peer.stdout)
        }
        // Without the passphrase the public half of an encrypted openssh key is still there.
        let bare = try Tool.keyport(["convert", "--to", "openssh", "--public", keys[0]])
        #expect(bare.status == 0)
        #expect(bare.stdout.split(separator: " ").count == 2)
    }

    /// Problems that need no key material are reported before any passphrase or KDF: a private key
    /// to RFC 4716 (public only) and an existing output without --force. Notes about the content
    /// (a dropped comment) are not printed when nothing was written.
    @Test func convertChecksOutputBeforeUnlocking() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "enc", type: "ed25519", passphrase: "secret1")
        let wrong = try dir.write("wrong", "nope\n")
        let rfc = try Tool.keyport(["convert", "--to", "rfc4716", "--passphrase-file", wrong, key])
        #expect(rfc.status == 64)
        #expect(rfc.stderr.contains("RFC 4716 holds public keys only"), "\(rfc.stderr)")
        let existing = try dir.write("out.pem", "keep me\n")
        let r = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "--passphrase-file", wrong, "-o", existing, key])
        #expect(r.status == 73)
        #expect(r.stderr == "keyport: \(existing) exists; use --force to replace it\n")
        #expect(try dir.read("out.pem") == "keep me\n")
        // The private output is created 0600, and nothing else is left in the directory.
        let pass = try dir.write("pass", "secret1\n")
        let ok = try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "--passphrase-file", pass, "-o", dir.path("new.pem"), key])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileIO.mode(dir.path("new.pem")) == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".keyport-") }
        #expect(leftovers.isEmpty)
    }

    /// RFC 4716 comments escape backslash as well as quote, as PuTTY writes and reads them, so
    /// puttygen and keyport both read back the comment that was written; a line break is refused
    /// for the one-line text formats instead of splitting the key.
    @Test func rfc4716CommentEscapesAndLineBreaks() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "x")
        let comment = #"a "quoted" \ back\slash \"#
        let out = dir.path("k.rfc")
        #expect(try Tool.keyport(["convert", "--to", "rfc4716", "--comment", comment, "-o", out, key + ".pub"]).status == 0)
        let putty = try Tool.run("puttygen", ["-L", out])
        #expect(putty.status == 0)
        #expect(putty.stdout.hasSuffix(" " + comment + "\n"), "\(putty.stdout)")
        let back = try Tool.keyport(["convert", "--to", "openssh", out])
        #expect(back.stdout == putty.stdout)
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-i", "-f", out])
        #expect(peer.status == 0 && back.stdout.hasPrefix(peer.stdout.trimmingCharacters(in: .newlines) + " "))
        for format in ["openssh", "rfc4716"] {
            let r = try Tool.keyport(["convert", "--to", format, "--comment", "two\nlines", "-o", dir.path("bad"), key + ".pub"])
            #expect(r.status == 64)
            #expect(r.stderr.contains("line break"))
            #expect(!dir.exists("bad"))
        }
    }

    /// An empty --new-passphrase-file would silently write an encrypted key in the clear: refused
    /// unless --no-passphrase says so; for an unencrypted input it just means no passphrase.
    @Test func emptyNewPassphraseFileNeverDecryptsAnEncryptedKey() throws {
        let dir = try TempDir()
        let encrypted = try sshKeygen(dir, name: "enc", type: "ed25519", passphrase: "secret1")
        let plain = try sshKeygen(dir, name: "plain", type: "ed25519")
        let pass = try dir.write("pass", "secret1\n")
        let empty = try dir.write("empty", "")
        for to in ["openssh", "ppk", "pem", "pkcs8"] {
            let r = try Tool.keyport(["convert", "--to", to, "--passphrase-file", pass, "--new-passphrase-file", empty, "-o", dir.path("out"), encrypted])
            #expect(r.status == 64)
            #expect(r.stderr.contains("--no-passphrase"))
            #expect(!dir.exists("out"))
        }
        let ok = try Tool.keyport(["convert", "--to", "openssh", "--new-passphrase-file", empty, plain])
        #expect(ok.status == 0)
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "", "-f", "/dev/stdin"], stdin: Data(ok.stdout.utf8)).status == 0)
    }

    /// `-o -` is standard output, as `-` is standard input; no file named "-" appears.
    @Test func outputDashIsStandardOutput() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "dash")
        let r = try Tool.keyport(["convert", "--to", "openssh", "-o", "-", key + ".pub"], cwd: dir.url)
        #expect(r.status == 0)
        #expect(r.stdout == (try dir.read("k.pub")))
        #expect(!dir.exists("-"))
    }

    /// Public keys written as PEM/PKCS#8 say that the comment was dropped, as private ones do; a key
    /// without a comment gets no such note. openssl reads the result.
    @Test func publicPEMOutputSaysTheCommentIsDropped() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ecdsa", comment: "will go")
        for to in ["pem", "pkcs8"] {
            let r = try Tool.keyport(["convert", "--to", to, "--public", "-o", dir.path("k.\(to)"), key + ".pub"])
            #expect(r.status == 0)
            #expect(r.stderr == "keyport: warning: PEM has no comment; the comment was dropped\n")
            #expect(try Tool.run("openssl", ["pkey", "-pubin", "-in", dir.path("k.\(to)"), "-noout"]).status == 0)
            let quiet = try Tool.keyport(["convert", "--to", to, "--public", dir.path("k.\(to)")])
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
    }
}
