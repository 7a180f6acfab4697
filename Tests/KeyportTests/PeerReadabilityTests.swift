import Foundation
import Testing
@testable import Keyport

/// Outputs some peers cannot read are named (issue 15.8): Ed448 as openssh-key-v1 is written as
/// puttygen writes it, with a warning that OpenSSH has no Ed448; Ed25519/Ed448 in PKCS#8 warn which
/// tools cannot read them; README's table of which peer reads which output is built here by running
/// the peers on keyport's outputs, and the test fails (printing the new table) when README is stale.
@Suite struct PeerReadabilityTests {
    // MARK: - The table

    /// One output of `keyport convert`, as the README row names it.
    struct Output: Sendable {
        let label: String
        let arguments: [String]
        var encrypted = false
        var isPublic: Bool { arguments.contains("--public") || arguments.contains("rfc4716") }
    }

    static let outputs: [Output] = [
        Output(label: "`--to openssh` (openssh-key-v1)", arguments: ["--to", "openssh"]),
        Output(label: "`--to openssh`, encrypted", arguments: ["--to", "openssh", "--kdf-rounds", "2"], encrypted: true),
        Output(label: "`--to ppk` (v3)", arguments: ["--to", "ppk"]),
        Output(label: "`--to ppk` (v3), encrypted", arguments: ["--to", "ppk", "--ppk-param", "passes=1"], encrypted: true),
        Output(label: "`--to ppk --ppk-version 2`", arguments: ["--to", "ppk", "--ppk-version", "2"]),
        Output(label: "`--to ppk --ppk-version 2`, encrypted", arguments: ["--to", "ppk", "--ppk-version", "2"], encrypted: true),
        Output(label: "`--to pem`", arguments: ["--to", "pem"]),
        Output(label: "`--to pem`, encrypted", arguments: ["--to", "pem"], encrypted: true),
        Output(label: "`--to pkcs8`", arguments: ["--to", "pkcs8"]),
        Output(label: "`--to pkcs8`, encrypted", arguments: ["--to", "pkcs8"], encrypted: true),
        Output(label: "`--to openssh --public` (`.pub` line)", arguments: ["--to", "openssh", "--public"]),
        Output(label: "`--to rfc4716`", arguments: ["--to", "rfc4716", "--public"]),
        Output(label: "`--to pem --public`", arguments: ["--to", "pem", "--public"]),
        Output(label: "`--to pkcs8 --public`", arguments: ["--to", "pkcs8", "--public"]),
    ]

    /// Key types (columns) and how the source key is made: by ssh-keygen, Ed448 by openssl.
    static let types: [(label: String, make: [String])] = [
        ("RSA 2048", ["/usr/bin/ssh-keygen", "-t", "rsa", "-b", "2048"]),
        ("DSA", ["/usr/bin/ssh-keygen", "-t", "dsa"]),
        ("ECDSA P-256", ["/usr/bin/ssh-keygen", "-t", "ecdsa", "-b", "256"]),
        ("ECDSA P-384", ["/usr/bin/ssh-keygen", "-t", "ecdsa", "-b", "384"]),
        ("ECDSA P-521", ["/usr/bin/ssh-keygen", "-t", "ecdsa", "-b", "521"]),
        ("Ed25519", ["/usr/bin/ssh-keygen", "-t", "ed25519"]),
        ("Ed448", ["/usr/bin/openssl", "genpkey", "-algorithm", "ED448"]),
    ]

    static let passphrase = "peer-table-passphrase"

    /// The public key each peer gets out of `file` with the command its users would run, or nil
    /// when it cannot read the file. ssh-keygen: -y for private keys, -e for a .pub line, -i for
    /// RFC 4716 and (-m PKCS8 or PEM) for SPKI/PKCS#1; puttygen: -O public-openssh; openssl: pkey
    /// (-pubin for public keys) -pubout.
    static func peerReads(_ file: String, _ output: Output, in dir: TempDir) throws -> (ssh: PublicKey?, putty: PublicKey?, openssl: PublicKey?) {
        func key(_ text: String?) -> PublicKey? {
            guard let text, let entry = try? KeyFile.read(Array(text.utf8)).first, case let .success(doc) = entry.result else { return nil }
            return doc.publicKey
        }
        func run(_ tool: String, _ args: [String]) throws -> String? {
            let r = try Tool.run(tool, args)
            return r.status == 0 ? r.stdout : nil
        }
        let pw = dir.path("pw")
        var ssh: String?
        if !output.isPublic {
            ssh = try run("/usr/bin/ssh-keygen", ["-y", "-P", output.encrypted ? passphrase : "", "-f", file])
        } else if output.arguments.contains("rfc4716") {
            ssh = try run("/usr/bin/ssh-keygen", ["-i", "-f", file])
        } else if output.arguments.contains("openssh") {
            ssh = try run("/usr/bin/ssh-keygen", ["-e", "-f", file])
        } else {
            ssh = try run("/usr/bin/ssh-keygen", ["-i", "-m", "PKCS8", "-f", file]) ?? run("/usr/bin/ssh-keygen", ["-i", "-m", "PEM", "-f", file])
        }
        let puttyOut = file + ".putty"
        let putty = try Tool.run("/usr/bin/puttygen", [file, "--old-passphrase", pw, "-O", "public-openssh", "-o", puttyOut]).status == 0
            ? try String(contentsOfFile: puttyOut, encoding: .utf8) : nil
        let openssl = try run("/usr/bin/openssl", ["pkey"] + (output.isPublic ? ["-pubin"] : ["-passin", "file:" + pw]) + ["-in", file, "-pubout"])
        return (key(ssh), key(putty), key(openssl))
    }

    /// Runs every output of every key type through the three peers; returns README's table.
    static func buildTable() throws -> String {
        let dir = try TempDir()
        _ = try dir.write("pw", passphrase + "\n")
        var cells = [[String]](repeating: [String](repeating: "", count: types.count), count: outputs.count)
        for (column, type) in types.enumerated() {
            let source = dir.path("k\(column)")
            let made = type.make[0].hasSuffix("openssl")
                ? try Tool.run(type.make[0], Array(type.make.dropFirst()) + ["-out", source])
                : try Tool.run(type.make[0], Array(type.make.dropFirst()) + ["-q", "-N", "", "-C", "peer@example.com", "-f", source])
            #expect(made.status == 0, "\(type.label): \(made.stderr)")
            let expected = try #require(try KeyFile.read(dir.bytes("k\(column)")).first?.result.get().publicKey)
            for (row, output) in outputs.enumerated() {
                let file = dir.path("k\(column)-\(row)")
                let protection = output.isPublic ? [] : output.encrypted ? ["--new-passphrase-file", dir.path("pw")] : ["--no-passphrase"]
                let written = try Tool.keyport(["convert", "-q"] + output.arguments + protection + ["-o", file, source])
                guard written.status == 0 else { cells[row][column] = "not written"; continue }
                let read = try peerReads(file, output, in: dir)
                var readers: [String] = []
                for (letter, key) in [("S", read.ssh), ("P", read.putty), ("O", read.openssl)] {
                    guard let key else { continue }
                    #expect(key == expected, "\(letter) read another key from \(output.label) \(type.label)")
                    readers.append(letter)
                }
                cells[row][column] = readers.isEmpty ? "–" : readers.joined(separator: " ")
            }
        }
        var table = "| keyport writes | " + types.map(\.label).joined(separator: " | ") + " |\n"
        table += "|---|" + String(repeating: "---|", count: types.count) + "\n"
        for (row, output) in outputs.enumerated() {
            table += "| \(output.label) | " + cells[row].joined(separator: " | ") + " |\n"
        }
        return table
    }

    static let readme = fixturesURL.deletingLastPathComponent().appendingPathComponent("README.md")
    static let begin = "<!-- peer-readability-table: generated by PeerReadabilityTests; KEYPORT_UPDATE_README=1 rewrites it -->\n"
    static let end = "<!-- end of peer-readability-table -->\n"

    /// The peers' versions the table is true for: a different ssh-keygen, puttygen or openssl may
    /// read differently, so the test says which ones it ran.
    @Test func readmeTableIsWhatThePeersRead() throws {
        let versions = [
            try Tool.run("/usr/bin/ssh", ["-V"]).stderr.contains("OpenSSH_9.2"),
            try Tool.run("/usr/bin/puttygen", ["--version"]).stdout.contains("Release 0.78"),
            try Tool.run("/usr/bin/openssl", ["version"]).stdout.hasPrefix("OpenSSL 3.0."),
        ]
        #expect(versions == [true, true, true], "the README table is for ssh-keygen 9.2, puttygen 0.78 and openssl 3.0")
        let table = try Self.buildTable()
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        guard let start = text.range(of: Self.begin), let stop = text.range(of: Self.end, range: start.upperBound..<text.endIndex) else {
            Issue.record("README.md has no peer-readability-table markers")
            return
        }
        let current = String(text[start.upperBound..<stop.lowerBound])
        if current != table {
            if ProcessInfo.processInfo.environment["KEYPORT_UPDATE_README"] == "1" {
                try (String(text[..<start.upperBound]) + table + String(text[stop.lowerBound...])).write(to: Self.readme, atomically: true, encoding: .utf8)
            }
            Issue.record("README.md's peer-readability table is stale (KEYPORT_UPDATE_README=1 swift test --filter PeerReadabilityTests rewrites it); the peers read:\n\(table)")
        }
        // What the warnings claim is what the table shows.
        let rows = table.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        func cell(_ label: String, _ type: String) -> String? {
            guard let column = rows[0].firstIndex(of: type) else { return nil }
            return rows.first { $0.count > column && $0[1] == label }?[column]
        }
        for label in ["`--to openssh` (openssh-key-v1)", "`--to openssh --public` (`.pub` line)"] {
            #expect(cell(label, "Ed448")?.contains("S") == false, "ssh-keygen reads Ed448 \(label)?")
            #expect(cell(label, "Ed448")?.contains("P") == true, "puttygen does not read Ed448 \(label)?")
        }
        for label in ["`--to pem`", "`--to pkcs8`"] {
            for type in ["Ed25519", "Ed448"] {
                #expect(cell(label, type) == "O", "\(label) \(type): \(cell(label, type) ?? "none")")
            }
        }
    }

    // MARK: - Warnings and the Ed448 openssh-key-v1 layout

    /// The private section of an openssh-key-v1 file, and the bytes before it.
    private static func sections(_ text: String) throws -> (head: [UInt8], privateSection: [UInt8]) {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let bytes = try #require(Base64.decode(Array(body.utf8)))
        var r = SSHReader(bytes)
        _ = try r.readRaw(15, "magic")
        for field in ["cipher", "kdf", "kdf options"] { _ = try r.readString(field) }
        _ = try r.readUInt32("nkeys")
        _ = try r.readString("public key")
        let head = Array(bytes[0..<r.offset])
        return (head, try r.readString("private section"))
    }

    /// puttygen is the one common writer (and reader) of Ed448 openssh-key-v1: keyport writes the
    /// same bytes (but for the random check integers), padding included, and warns that OpenSSH
    /// cannot use the key; ssh-keygen indeed refuses it.
    @Test func ed448AsOpenSSHIsWhatPuttygenWritesAndWarns() throws {
        let dir = try TempDir()
        let ppk = dir.path("k.ppk")
        #expect(try Tool.run("/usr/bin/puttygen", ["-t", "ed448", "--new-passphrase", "/dev/null", "-C", "ed448 c", "-o", ppk]).status == 0)
        #expect(try Tool.run("/usr/bin/puttygen", [ppk, "-O", "private-openssh-new", "--new-passphrase", "/dev/null", "-o", dir.path("theirs")]).status == 0)
        let ours = try Tool.keyport(["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("ours"), ppk])
        #expect(ours.status == 0)
        #expect(ours.stderr == "keyport: warning: OpenSSH cannot use Ed448 keys (no release has them); puttygen and other SSH libraries read this openssh-key-v1 file\n", "\(ours.stderr)")
        let a = try Self.sections(try dir.read("theirs")), b = try Self.sections(try dir.read("ours"))
        #expect(a.head == b.head)
        #expect(a.privateSection.count == b.privateSection.count)
        #expect(Array(a.privateSection.dropFirst(8)) == Array(b.privateSection.dropFirst(8)))
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", dir.path("ours")]).status != 0)
        #expect(try Tool.run("/usr/bin/puttygen", [dir.path("ours"), "-O", "fingerprint"]).status == 0)
        // Ed25519 keeps ssh-keygen's layout (8-byte padding unencrypted): its main reader.
        let ed = try sshKeygen(dir, name: "ed", type: "ed25519", comment: "c")
        let again = try Tool.keyport(["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("ed2"), ed])
        #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
        #expect(try Self.sections(try dir.read("ed2")).privateSection.count == (try Self.sections(try dir.read("ed"))).privateSection.count)
    }

    /// Ed25519 and Ed448 in PKCS#8, from generate and convert, name the tools that cannot read
    /// them; the claim is checked against ssh-keygen 9.2, puttygen 0.78 and openssl 3.0.
    @Test(arguments: ["pem", "pkcs8"])
    func edwardsKeysInPKCS8NameTheToolsThatCannotReadThem(_ format: String) throws {
        let dir = try TempDir()
        let out = try Tool.keyport(["generate", "-t", "ed25519", "--format", format, "--no-passphrase", "-C", "a@example.com", "-f", dir.path("k")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("OpenSSH before 9.6 (ssh-keygen, ssh) and PuTTY (puttygen 0.78) cannot read an Ed25519 key in PKCS#8"), "\(out.stderr)")
        #expect(try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", dir.path("k")]).status != 0)
        #expect(try Tool.run("/usr/bin/puttygen", [dir.path("k"), "-O", "fingerprint"]).status != 0)
        #expect(try Tool.run("/usr/bin/openssl", ["pkey", "-in", dir.path("k"), "-noout"]).status == 0)
        let converted = try Tool.keyport(["convert", "--to", format, "--no-passphrase", "-o", dir.path("again"), dir.path("k")])
        #expect(converted.status == 0 && converted.stderr.contains("OpenSSH before 9.6"), "\(converted.stderr)")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "ED448", "-out", dir.path("e448")]).status == 0)
        let ed448 = try Tool.keyport(["convert", "--to", format, "--no-passphrase", "-o", dir.path("e448-out"), dir.path("e448")])
        #expect(ed448.status == 0 && ed448.stderr.contains("OpenSSH (no release has Ed448) and PuTTY (puttygen 0.78) cannot read an Ed448 key in PKCS#8"), "\(ed448.stderr)")
        #expect(try Tool.run("/usr/bin/puttygen", [dir.path("e448-out"), "-O", "fingerprint"]).status != 0)
        // -q drops the warnings; RSA in PKCS#8 gets none.
        #expect(try Tool.keyport(["convert", "-q", "--to", format, "--no-passphrase", "-o", dir.path("q"), dir.path("e448")]).stderr.isEmpty)
        let rsa = try sshKeygen(dir, name: "rsa", type: "rsa", bits: 2048, comment: "")
        #expect(try Tool.keyport(["convert", "--to", format, "--no-passphrase", "-o", dir.path("rsa-out"), rsa]).stderr.isEmpty)
    }
}
