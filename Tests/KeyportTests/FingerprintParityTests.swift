import Foundation
import Testing
@testable import Keyport

/// `keyport fingerprint` against `ssh-keygen -l` on the same files, keys made at run time.
@Suite struct FingerprintParityTests {
    /// `ssh-keygen -l -f FILE` and `keyport fingerprint FILE` (with the same extra options) print the
    /// same bytes; both succeed or both fail.
    func expectSameFingerprint(_ path: String, _ options: [String] = [], cwd: URL? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-l"] + options + ["-f", path], cwd: cwd)
        let ours = try Tool.keyport(["fingerprint"] + options + [path], cwd: cwd)
        #expect(ours.stdout == peer.stdout, "\(path) \(options)", sourceLocation: sourceLocation)
        #expect((ours.status == 0) == (peer.status == 0), "\(path): \(ours.stderr)", sourceLocation: sourceLocation)
    }


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
}
