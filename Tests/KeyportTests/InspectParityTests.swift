import Foundation
import Testing
@testable import Keyport

/// `keyport inspect` on encrypted keys: each row once, and what is missing said plainly.
@Suite struct InspectParityTests {
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
        #expect(rows.contains { $0.0 == "comment" && $0.1.hasSuffix("(from \(key).pub)") }) // the .pub beside it gives the encrypted comment (issue 15.1)
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
}
