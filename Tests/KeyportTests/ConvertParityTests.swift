import Foundation
import Testing
@testable import Keyport

/// `keyport convert` against `ssh-keygen -y`/`-e`, puttygen and openssl on the same keys.
@Suite struct ConvertParityTests {
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

    /// Problems that need no key material are reported before any passphrase or KDF: an option
    /// that does not apply and an existing output without --force. Notes about the content
    /// (a dropped comment) are not printed when nothing was written.
    @Test func convertChecksOutputBeforeUnlocking() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "enc", type: "ed25519", passphrase: "secret1")
        let wrong = try dir.write("wrong", "nope\n")
        let rfc = try Tool.keyport(["convert", "--to", "rfc4716", "--passphrase-file", wrong, "--no-passphrase", key])
        #expect(rfc.status == 64)
        #expect(rfc.stderr.contains("--no-passphrase does not apply"), "\(rfc.stderr)")
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
