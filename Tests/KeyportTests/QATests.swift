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
}
