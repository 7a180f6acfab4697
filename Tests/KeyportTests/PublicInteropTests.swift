import Foundation
import Testing
@testable import Keyport

/// keyport against the real ssh-keygen on keys it makes during the run.
@Suite(.serialized) struct PublicInteropTests {
    static let specs: [(String, Int?)] = [("rsa", 1024), ("rsa", 2048), ("rsa", 3072), ("rsa", 4096), ("dsa", nil),
                                          ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("ed25519", nil)]

    /// One directory of keys shared by the tests below (making RSA 4096 keys is slow).
    static let keys: (TempDir, [String]) = {
        let dir = try! TempDir()
        var pubs: [String] = []
        for (i, (type, bits)) in specs.enumerated() {
            let name = "k\(i)"
            _ = try! sshKeygen(dir, name: name, type: type, bits: bits, comment: i == 3 ? "" : "user\(i)@example.com")
            pubs.append(dir.path(name + ".pub"))
        }
        // A certificate, and an authorized_keys file holding everything with options.
        _ = try! Tool.run("/usr/bin/ssh-keygen", ["-q", "-s", dir.path("k8"), "-I", "cert-id", "-n", "root", dir.path("k5.pub")])
        pubs.append(dir.path("k5-cert.pub"))
        var ak = "# test authorized_keys\n\n"
        for (i, p) in pubs.enumerated() {
            let line = try! String(contentsOfFile: p, encoding: .utf8).trimmingCharacters(in: .newlines)
            ak += (i % 3 == 0 ? #"command="echo \"x y\"",no-pty "# : i % 3 == 1 ? "restrict " : "") + line + (i % 2 == 0 ? "\r\n" : "\n")
        }
        _ = try! dir.write("authorized_keys", ak)
        pubs.append(dir.path("authorized_keys"))
        return (dir, pubs)
    }()

    @Test(arguments: [[String](), ["-E", "md5"], ["-v"], ["-v", "-E", "md5"]])
    func fingerprintLinesEqualSshKeygen(_ flags: [String]) throws {
        for file in Self.keys.1 {
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-l"] + flags + ["-f", file])
            let ours = try Tool.keyport(["fingerprint"] + flags + [file])
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdout == peer.stdout, "\(file) \(flags)")
        }
    }

    @Test func fingerprintOfManyFilesAndStdin() throws {
        let files = Array(Self.keys.1.prefix(4))
        var expected = ""
        for f in files { expected += try Tool.run("/usr/bin/ssh-keygen", ["-lf", f]).stdout }
        #expect(try Tool.keyport(["fingerprint"] + files).stdout == expected)
        let stdin = try Data(contentsOf: URL(fileURLWithPath: Self.keys.1.last!))
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", "-"], stdin: stdin)
        #expect(try Tool.keyport(["fingerprint", "-"], stdin: stdin).stdout == peer.stdout)
    }

    @Test func rfc4716WrittenByKeyportIsReadBySshKeygen() throws {
        let dir = Self.keys.0
        for (i, file) in Self.keys.1.prefix(Self.specs.count).enumerated() {
            let out = dir.path("r\(i).rfc")
            try? FileManager.default.removeItem(atPath: out)
            let conv = try Tool.keyport(["convert", "--to", "rfc4716", "-o", out, file])
            #expect(conv.status == 0, "\(conv.stderr)")
            let imported = try Tool.run("/usr/bin/ssh-keygen", ["-i", "-f", out])
            #expect(imported.status == 0)
            let original = try String(contentsOfFile: file, encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            #expect(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == original)
            // And the comment survives the round trip through keyport.
            let back = try Tool.keyport(["convert", "--to", "openssh", out])
            #expect(back.stdout == (try String(contentsOfFile: file, encoding: .utf8)).replacingOccurrences(of: "\n", with: "") + (i == 3 ? "\n" : "\n"))
        }
    }

    @Test func rfc4716WrittenBySshKeygenIsReadByKeyport() throws {
        let dir = Self.keys.0
        for (i, file) in Self.keys.1.prefix(Self.specs.count).enumerated() {
            let exported = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-f", file])
            let path = try dir.write("e\(i).rfc", exported.stdout)
            let ours = try Tool.keyport(["fingerprint", path])
            let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", file])
            // Same bits, hash and type; the comment is the one ssh-keygen put in the header.
            let ourFields = ours.stdout.split(separator: " ")
            let peerFields = peer.stdout.split(separator: " ")
            #expect(ourFields.prefix(2) == peerFields.prefix(2))
            #expect(ourFields.last == peerFields.last)
            #expect(ours.stdout.contains("converted by"))
        }
    }

    @Test func certificateInspectShowsWhatSshKeygenShows() throws {
        let cert = Self.keys.1[Self.specs.count]
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-L", "-f", cert])
        let ours = try Tool.keyport(["inspect", cert])
        let peerBody = peer.stdout.split(separator: "\n").dropFirst().joined(separator: "\n")
        #expect(ours.stdout.contains(peerBody), "\(ours.stdout)\n---\n\(peer.stdout)")
    }

    @Test func puttygenReadsKeyportRFC4716() throws {
        guard Tool.available("puttygen") else { Issue.record("puttygen not installed"); return }
        let dir = Self.keys.0
        let file = Self.keys.1[8]
        let out = dir.path("putty.rfc")
        try? FileManager.default.removeItem(atPath: out)
        #expect(try Tool.keyport(["convert", "--to", "rfc4716", "-o", out, file]).status == 0)
        let fp = try Tool.run("puttygen", ["-l", out])
        #expect(fp.status == 0, "\(fp.stderr)")
        let ours = try Tool.keyport(["fingerprint", file]).stdout.split(separator: " ")[1]
        #expect(fp.stdout.contains(ours))
    }
}
