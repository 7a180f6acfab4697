import Foundation
import Testing
@testable import Keyport

// Comments (issue 15.1, 15.2): the comment of an encrypted openssh-key-v1 key is unknown until it
// is unlocked, or taken from FILE.pub as ssh-keygen takes it, and text and JSON say which; comments
// that are not UTF-8 travel as bytes through every format, escaped as ssh-keygen -l escapes them.

@Suite struct EncryptedCommentTests {
    private func json(_ out: Tool.Output) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    }

    @Test func commentOfAnEncryptedOpenSSHKeyIsUnknownUntilUnlocked() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "inside@example.com", passphrase: "pw")
        try FileManager.default.removeItem(atPath: key + ".pub")
        let pass = try dir.write("pass", "pw\n")

        let text = try Tool.keyport(["inspect", key])
        #expect(text.stdout.contains("comment:") && text.stdout.contains("(unknown"), "\(text.stdout)")
        #expect(!text.stdout.contains("inside@example.com"))
        let plainJSON = try json(try Tool.keyport(["inspect", "--json", key]))
        #expect(plainJSON["comment"] is NSNull)
        #expect(try json(try Tool.keyport(["fingerprint", "--json", key]))["comment"] is NSNull)
        // Without a passphrase, fingerprint says what ssh-keygen -l says.
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", key])
        #expect(try Tool.keyport(["fingerprint", key]).stdout == peer.stdout)

        let unlocked = try Tool.keyport(["inspect", "--passphrase-file", pass, key])
        #expect(unlocked.status == 0 && inspectRow("comment", of: unlocked.stdout) == "inside@example.com", "\(unlocked.stdout)")
        #expect(try json(try Tool.keyport(["inspect", "--json", "--passphrase-file", pass, key]))["comment"] as? String == "inside@example.com")
        let fp = try Tool.keyport(["fingerprint", "--passphrase-file", pass, key])
        #expect(fp.stdout.hasSuffix(" inside@example.com (ED25519)\n"), "\(fp.stdout)")
        #expect(try json(try Tool.keyport(["fingerprint", "--json", "--passphrase-file", pass, key]))["comment"] as? String == "inside@example.com")
        // What ssh-keygen -y prints once unlocked is the same comment.
        let y = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-P", "pw", "-f", key])
        #expect(y.stdout.hasSuffix(" inside@example.com\n"))
    }

    @Test(arguments: ["openssh", "pem"])
    func pubFileBesideAPrivateKeySuppliesTheCommentInTextAndJSON(_ format: String) throws {
        let dir = try TempDir()
        let extra = format == "pem" ? ["-m", "PEM"] : []
        let key = try sshKeygen(dir, name: "k", type: "rsa", bits: 2048, comment: "inside@example.com", passphrase: "pwpwpw", extra: extra)
        // ssh-keygen prefers the .pub's comment; make it differ from the one inside.
        let pub = try dir.read("k.pub").replacingOccurrences(of: "inside@example.com", with: "beside@example.com")
        _ = try dir.write("k.pub", pub)
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", key])
        #expect(peer.stdout.contains("beside@example.com"))
        let pass = try dir.write("pass", "pwpwpw\n")
        let unlock = format == "pem" ? ["--passphrase-file", pass] : []

        #expect(try Tool.keyport(["fingerprint"] + unlock + [key]).stdout == peer.stdout)
        let fpJSON = try json(try Tool.keyport(["fingerprint", "--json"] + unlock + [key]))
        #expect(fpJSON["comment"] as? String == "beside@example.com")
        #expect(fpJSON["comment_from"] as? String == key + ".pub")

        let text = try Tool.keyport(["inspect"] + unlock + [key])
        #expect(inspectRow("comment", of: text.stdout) == "beside@example.com (from \(key).pub)", "\(text.stdout)")
        let inspectJSON = try json(try Tool.keyport(["inspect", "--json"] + unlock + [key]))
        #expect(inspectJSON["comment"] as? String == "beside@example.com")
        #expect(inspectJSON["comment_from"] as? String == key + ".pub")
    }

    @Test func pubFileOfAnotherKeyIsNotUsed() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "inside@example.com", passphrase: "pw")
        _ = try sshKeygen(dir, name: "other", type: "ed25519", comment: "other@example.com")
        try FileManager.default.removeItem(atPath: key + ".pub")
        try FileManager.default.copyItem(atPath: dir.path("other.pub"), toPath: key + ".pub")
        let out = try json(try Tool.keyport(["inspect", "--json", key]))
        #expect(out["comment"] is NSNull)
        #expect(out["comment_from"] == nil)
    }
}

@Suite struct NonUTF8CommentTests {
    /// "café" in Latin-1, two bytes that are never UTF-8, then valid UTF-8.
    static let comment: [UInt8] = Array("caf".utf8) + [0xE9, 0x20, 0xFF, 0xFE, 0x20] + Array("ok é".utf8)

    private func sshKeygenWithComment(_ dir: TempDir, type: String = "ed25519") throws -> String {
        // ssh-keygen takes the comment bytes from argv as they are; Process passes a String, so the
        // key is made by a shell with printf.
        let key = dir.path("k")
        let out = try Tool.run("/bin/sh", ["-c", "ssh-keygen -q -t \(type) -N '' -C \"$(printf 'caf\\351 \\377\\376 ok \\303\\251')\" -f '\(key)'"])
        #expect(out.status == 0, "\(out.stderr)")
        return key
    }

    private func commentBytes(ofLine bytes: [UInt8]) -> [UInt8] {
        let line = bytes.prefix { $0 != 0x0a }
        let fields = line.split(separator: 0x20, maxSplits: 2)
        return fields.count == 3 ? Array(fields[2]) : []
    }

    @Test func keptAsBytesThroughEveryFormatAndEscapedAsSshKeygenDoes() throws {
        let dir = try TempDir()
        let key = try sshKeygenWithComment(dir)
        #expect(commentBytes(ofLine: try dir.bytes("k.pub")) == Self.comment)

        // Printed as ssh-keygen -l prints it, from the .pub and from the private key itself.
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", key + ".pub"])
        #expect(try Tool.keyport(["fingerprint", key + ".pub"]).stdout == peer.stdout)
        #expect(peer.stdout.contains("caf\\351 \\377\\376 ok é"))
        try FileManager.default.moveItem(atPath: key + ".pub", toPath: dir.path("saved.pub"))
        let peerPrivate = try Tool.run("/usr/bin/ssh-keygen", ["-lf", key])
        #expect(try Tool.keyport(["fingerprint", key]).stdout == peerPrivate.stdout)

        // inspect and JSON: escaped, never U+FFFD.
        for args in [["inspect", key], ["inspect", "--json", key], ["fingerprint", "--json", key]] {
            let out = try Tool.keyport(args)
            #expect(out.status == 0 && !out.stdout.contains("\u{FFFD}") && out.stdout.contains("caf\\"), "\(args): \(out.stdout)")
        }

        // PPK: byte-identical to what puttygen writes for the same key (no passphrase: no salt).
        #expect(try Tool.keyport(["convert", "--to", "ppk", "--no-passphrase", "-o", dir.path("ours.ppk"), key]).status == 0)
        #expect(try Tool.run("/usr/bin/puttygen", [key, "-O", "private", "-o", dir.path("theirs.ppk")]).status == 0)
        #expect(try dir.bytes("ours.ppk") == (try dir.bytes("theirs.ppk")))

        // Back from PPK to openssh-key-v1: ssh-keygen -y prints the same bytes.
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("back"), dir.path("theirs.ppk")]).status == 0)
        let y = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", dir.path("back")])
        #expect(commentBytes(ofLine: Array(y.stdoutBytes)) == Self.comment)

        // Public lines: written unchanged.
        #expect(try Tool.keyport(["convert", "--to", "openssh", "-o", dir.path("copy.pub"), dir.path("saved.pub")]).status == 0)
        #expect(try dir.bytes("copy.pub") == (try dir.bytes("saved.pub")))
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--public", "-o", dir.path("derived.pub"), key]).status == 0)
        #expect(commentBytes(ofLine: try dir.bytes("derived.pub")) == Self.comment)
    }

    @Test func puttygenCommentThatIsNotUTF8IsKept() throws {
        let dir = try TempDir()
        let ppk = dir.path("p.ppk")
        let out = try Tool.run("/bin/sh", ["-c", "puttygen -q -t ecdsa -b 256 --new-passphrase /dev/null -C \"$(printf 'caf\\351 \\377\\376 ok \\303\\251')\" -o '\(ppk)'"])
        #expect(out.status == 0, "\(out.stderr)")
        let docs = try KeyFile.load(path: ppk)
        #expect(docs[0].commentBytes == Self.comment)
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--public", "-o", dir.path("p.pub"), ppk]).status == 0)
        #expect(commentBytes(ofLine: try dir.bytes("p.pub")) == Self.comment)
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", dir.path("p.pub")])
        #expect(try Tool.keyport(["fingerprint", dir.path("p.pub")]).stdout == peer.stdout)
        // Written back to PPK unchanged: puttygen reads it and its MAC verifies.
        #expect(try Tool.keyport(["convert", "--to", "ppk", "--no-passphrase", "-o", dir.path("again.ppk"), ppk]).status == 0)
        #expect(try dir.bytes("again.ppk") == (try dir.bytes("p.ppk")))
    }
}
