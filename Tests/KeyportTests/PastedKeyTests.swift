import Foundation
import Testing
@testable import Keyport

/// Issue 15 items 9 and 10: keys where and as people paste them, from keys made by the real tools.
@Suite struct PastedKeyTests {
    /// Private keys of every format, made by the tool that writes it: name → path.
    static func privateKeys(_ dir: TempDir) throws -> [(name: String, path: String)] {
        var keys: [(String, String)] = []
        keys.append(("openssh-key-v1", try sshKeygen(dir, name: "ed", type: "ed25519")))
        keys.append(("openssh-key-v1 encrypted", try sshKeygen(dir, name: "ed-enc", type: "ed25519", passphrase: "pass phrase")))
        keys.append(("PEM PKCS#1", try sshKeygen(dir, name: "rsa-pem", type: "rsa", bits: 2048, extra: ["-m", "PEM"])))
        let pkcs8 = dir.path("ec.p8")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pkcs8]).status == 0)
        keys.append(("PKCS#8", pkcs8))
        let encrypted = dir.path("ec-enc.p8")
        #expect(try Tool.run("/usr/bin/openssl", ["pkcs8", "-topk8", "-in", pkcs8, "-passout", "pass:secret", "-out", encrypted]).status == 0)
        keys.append(("PKCS#8 encrypted", encrypted))
        let ppk = dir.path("putty.ppk")
        #expect(try Tool.run("/usr/bin/puttygen", ["-q", "-t", "ed25519", "-C", "putty@example.com", "-o", ppk, "--new-passphrase", "/dev/null"]).status == 0)
        keys.append(("PPK", ppk))
        return keys
    }

    /// The lines of a private key file that carry key material (none may ever be printed).
    static func secretLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            line.count >= 20 && !line.hasPrefix("-----") && !line.contains(": ")
        }
    }

    static func expectNoKeyMaterial(_ output: Tool.Output, from key: String, _ context: String) {
        for line in secretLines(key) {
            #expect(!output.stdout.contains(line) && !output.stderr.contains(line), "\(context): key material printed")
        }
    }

    // MARK: - Item 10: a private key where a public key belongs

    /// A private key (every format) as a `.pub` file, as an authorized_keys file, pasted inside an
    /// authorized_keys file between public keys, or piped to `fingerprint -`: an error naming the
    /// file and line, exit 65, no key material, and every public key around it still printed as
    /// ssh-keygen prints it.
    @Test func privateKeyWherePublicKeysBelongIsRefusedByFingerprint() throws {
        let dir = try TempDir()
        let keys = try Self.privateKeys(dir)
        try sshKeygen(dir, name: "one", type: "ed25519", comment: "one@example.com")
        try sshKeygen(dir, name: "two", type: "ecdsa", comment: "two@example.com")
        let publicLines = [try dir.read("one.pub"), try dir.read("two.pub")]
        let onlyPublic = try dir.write("only-public", publicLines.joined())
        let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", onlyPublic])
        #expect(peer.status == 0)
        for (name, path) in keys {
            let key = try String(contentsOfFile: path, encoding: .utf8)
            // The whole file is the private key.
            for place in ["leaked.pub", "authorized_keys"] {
                let file = try dir.write(place, key)
                let out = try Tool.keyport(["fingerprint", file])
                #expect(out.status == 65, "\(name) as \(place): \(out.stderr)")
                #expect(out.stdout.isEmpty, "\(name) as \(place)")
                let placeName = place == "authorized_keys" ? "an authorized_keys file" : "a .pub file"
                #expect(out.stderr.hasPrefix("keyport: \(file): private key where a public key belongs: \(placeName) holds "), "\(name): \(out.stderr)")
                #expect(out.stderr.split(separator: "\n").count == 1, "\(name): \(out.stderr)")
                Self.expectNoKeyMaterial(out, from: key, "\(name) as \(place)")
            }
            // Piped: ssh-keygen -lf - refuses a private key too.
            let piped = try Tool.keyport(["fingerprint", "-"], stdin: Data(key.utf8))
            #expect(piped.status == 65 && piped.stdout.isEmpty, "\(name) on stdin")
            #expect(piped.stderr.hasPrefix("keyport: (stdin): private key where a public key belongs: standard input holds"), "\(name): \(piped.stderr)")
            Self.expectNoKeyMaterial(piped, from: key, "\(name) on stdin")
            // Pasted between two public keys of an authorized_keys file: reported once, at its
            // first line; the public keys still print exactly as ssh-keygen prints them.
            let pasted = try dir.write("authorized_keys", publicLines[0] + key + publicLines[1])
            let out = try Tool.keyport(["fingerprint", pasted])
            #expect(out.status == 65, "\(name) pasted: \(out.stderr)")
            #expect(out.stdout == peer.stdout, "\(name) pasted")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(name) pasted: \(out.stderr)")
            #expect(out.stderr.hasPrefix("keyport: \(pasted):2: private key where a public key belongs: "), "\(name) pasted: \(out.stderr)")
            Self.expectNoKeyMaterial(out, from: key, "\(name) pasted")
            // The same key given as what it is, a private key file, is fingerprinted as ssh-keygen does.
            if name.hasPrefix("openssh") || name == "PEM PKCS#1" {
                let own = try Tool.keyport(["fingerprint", path])
                let expected = try Tool.run("/usr/bin/ssh-keygen", ["-lf", path]).stdout
                #expect(own.status == 0 && own.stdout == expected, "\(name)")
            }
        }
    }

    /// lint over a directory reports `private-key-exposed` for authorized_keys files and *.pub
    /// files holding private keys (whole or pasted among public lines), and for `lint -`; a private
    /// key under its own name is not exposed.
    @Test func lintReportsExposedPrivateKeys() throws {
        let dir = try TempDir()
        let keys = try Self.privateKeys(dir)
        let publicLine = try dir.read("ed.pub")
        let tree = try TempDir()
        for (index, (_, path)) in keys.enumerated() {
            let key = try String(contentsOfFile: path, encoding: .utf8)
            _ = try tree.write("leak\(index).pub", key)
            try FileManager.default.createDirectory(atPath: tree.path("home\(index)/.ssh"), withIntermediateDirectories: true)
            _ = try tree.write("home\(index)/.ssh/authorized_keys", publicLine + key)
            _ = try tree.write("home\(index)/.ssh/id_own", key)
        }
        let text = try Tool.keyport(["lint", tree.url.path])
        #expect(text.status == 1)
        let exposed = text.stdout.split(separator: "\n").filter { $0.contains(" error private-key-exposed: ") }
        #expect(exposed.count == 2 * keys.count, "\(text.stdout)")
        for index in keys.indices {
            #expect(exposed.contains { $0.hasPrefix("\(tree.path("leak\(index).pub")): error private-key-exposed: a .pub file holds") })
            #expect(exposed.contains { $0.hasPrefix("\(tree.path("home\(index)/.ssh/authorized_keys")):2: error private-key-exposed: ") })
            #expect(!exposed.contains { $0.contains("id_own") })
        }
        for (name, path) in keys {
            Self.expectNoKeyMaterial(text, from: try String(contentsOfFile: path, encoding: .utf8), name)
        }
        let json = try Tool.keyport(["lint", "--format", "json", tree.url.path])
        #expect(json.status == 1)
        #expect(json.stdout.components(separatedBy: "\"rule\":\"private-key-exposed\"").count - 1 == 2 * keys.count)
        for (name, path) in keys {
            let piped = try Tool.keyport(["lint", "--format", "json", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(piped.status == 1 && piped.stdout.contains("\"rule\":\"private-key-exposed\""), "\(name): \(piped.stdout)")
        }
        #expect(try Tool.keyport(["lint", "--explain", "private-key-exposed"]).stdout.contains("authorized_keys"))
    }

    // MARK: - Item 9: keys as people paste them

    /// What paste does to a key's text, by name.
    static func damaged(_ text: String, _ how: String) -> String {
        let bom = "\u{FEFF}"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        switch how {
        case "bom": return bom + text
        case "bom-crlf": return bom + lines.map { $0 + "\r\n" }.joined()
        case "crlf": return lines.map { $0 + "\r\n" }.joined()
        case "trailing": return lines.map { $0 + " \t " }.joined(separator: "\n") + "\n"
        case "yaml": return "private_key: |\n" + lines.map { "    " + $0 + "\n" }.joined()
        case "markdown": return lines.map { "    " + $0 + "\r\n" }.joined()
        case "flat": return lines.joined(separator: " ") + "\n"
        case "literal": return "\"" + lines.joined(separator: "\\n") + "\\n\"\n"
        case "env": return "SSH_KEY=\"" + lines.joined(separator: "\\n") + "\""
        default: return text
        }
    }

    /// Splits a public line's base64 as e-mail clients and terminals wrap it: at `width` columns
    /// (line breaks) or every `width` characters of the base64 (blanks).
    static func wrapped(_ line: String, width: Int, separator: String) -> String {
        let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
        var pieces: [String] = []
        var rest = Substring(fields[1])
        while !rest.isEmpty { pieces.append(String(rest.prefix(width))); rest = rest.dropFirst(width) }
        return fields[0] + " " + pieces.joined(separator: separator) + (fields.count > 2 ? " " + fields[2] : "")
    }

    /// Public keys from ssh-keygen, wrapped, split, with a byte-order mark or CR LF, as bare
    /// base64 and as RFC 4716 text among OpenSSH lines: fingerprint prints exactly what
    /// `ssh-keygen -l` prints for the intact key (for input ssh-keygen reads itself, what it prints
    /// for that input), warns on standard error, inspect and lint say what was repaired, and
    /// convert writes the intact key.
    @Test func pastedPublicKeysReadAsTheIntactKey() throws {
        let dir = try TempDir()
        for (name, type, bits) in [("rsa", "rsa", 2048), ("ed", "ed25519", 0), ("ec", "ecdsa", 384)] {
            try sshKeygen(dir, name: name, type: type, bits: bits == 0 ? nil : bits, comment: "\(name)@example.com")
            let line = try dir.read(name + ".pub")
            let intact = try Tool.run("/usr/bin/ssh-keygen", ["-lf", dir.path(name + ".pub")])
            #expect(intact.status == 0)
            let body = String(line.dropLast())
            var cases: [(String, String)] = [
                ("bom", Self.damaged(line, "bom")),
                ("bom-crlf", Self.damaged(line, "bom-crlf")),
                ("wrapped-60", Self.wrapped(body, width: 60, separator: "\n") + "\n"),
                ("wrapped-50-crlf", Self.wrapped(body, width: 50, separator: "\r\n") + "\r\n"),
                ("split-by-blanks", Self.wrapped(body, width: 64, separator: " ") + "\n"),
            ]
            if name == "rsa" { cases.append(("split-by-tabs", Self.wrapped(body, width: 32, separator: "\t") + "\n")) }
            for (how, text) in cases {
                let file = try dir.write("\(name)-\(how).pub", text)
                // Without its byte-order mark a CR LF line is one ssh-keygen reads: its output then.
                let expected = how == "bom-crlf"
                    ? try Tool.run("/usr/bin/ssh-keygen", ["-lf", try dir.write("\(name)-crlf-only.pub", Self.damaged(line, "crlf"))]).stdout
                    : intact.stdout
                let out = try Tool.keyport(["fingerprint", file])
                #expect(out.status == 0 && out.stdout == expected, "\(name) \(how): \(out.stdout) \(out.stderr)")
                #expect(out.stderr.hasPrefix("keyport: \(file):1: warning: repaired "), "\(name) \(how): \(out.stderr)")
                let piped = try Tool.keyport(["fingerprint", "-"], stdin: Data(text.utf8))
                #expect(piped.stdout == expected, "\(name) \(how) piped")
                let inspect = try Tool.keyport(["inspect", "--json", file])
                let object = try #require(JSONContractTests.objects(inspect.stdout).first)
                #expect((object["repaired"] as? [String])?.isEmpty == false, "\(name) \(how)")
                #expect(intact.stdout.contains(" \(object["sha256"] as? String ?? "?") "))
                #expect(try Tool.keyport(["inspect", file]).stdout.contains("observation:"), "\(name) \(how)")
                let lint = try Tool.keyport(["lint", file])
                #expect(lint.stdout.contains(":1: warning pasted-key-repaired: repaired "), "\(name) \(how): \(lint.stdout)")
                let converted = try Tool.keyport(["convert", "--to", "openssh", file])
                #expect(converted.status == 0 && converted.stdout == line, "\(name) \(how): \(converted.stdout)")
            }
            // Damage ssh-keygen reads through (CR LF, trailing blanks) is no repair: the output is
            // what ssh-keygen prints for that very input, byte for byte.
            for how in ["crlf", "trailing"] {
                let file = try dir.write("\(name)-\(how).pub", Self.damaged(line, how))
                let peer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", file])
                let out = try Tool.keyport(["fingerprint", file])
                #expect(peer.status == 0 && out.stdout == peer.stdout && out.stderr.isEmpty, "\(name) \(how)")
            }
            // The base64 alone (PuTTYgen's window, an RFC 4716 body): the key without a comment.
            let bare = Self.wrapped(String(body.split(separator: " ")[0]) + " " + String(body.split(separator: " ")[1]), width: 64, separator: "\n")
                .split(separator: " ", maxSplits: 1)[1] + "\n"
            let noComment = try dir.write("\(name)-nocomment.pub", body.split(separator: " ").prefix(2).joined(separator: " ") + "\n")
            let bareOut = try Tool.keyport(["fingerprint", "-"], stdin: Data(bare.utf8))
            let noCommentPeer = try Tool.run("/usr/bin/ssh-keygen", ["-lf", noComment]).stdout
            #expect(bareOut.status == 0 && bareOut.stdout == noCommentPeer, "\(name) bare: \(bareOut.stderr)")
            #expect(bareOut.stderr.contains("warning: repaired a public key without its type word"))
            // RFC 4716 (ssh-keygen -e) pasted into an authorized_keys file between OpenSSH lines.
            let rfc = try Tool.run("/usr/bin/ssh-keygen", ["-e", "-f", dir.path(name + ".pub")]).stdout
            let others = try dir.read("rsa.pub")
            let mixed = try dir.write("authorized_keys", others + rfc + others)
            let out = try Tool.keyport(["fingerprint", mixed])
            let fingerprint = try #require(intact.stdout.split(separator: " ").dropFirst().first)
            let printed = out.stdout.split(separator: "\n")
            #expect(out.status == 0 && printed.count == 3 && printed[1].contains(" \(fingerprint) "), "\(name) rfc4716: \(out.stdout) \(out.stderr)")
            #expect(out.stderr.contains("keyport: \(mixed):2: warning: repaired RFC 4716 text"), "\(out.stderr)")
            #expect(try Tool.keyport(["lint", mixed]).stdout.contains(":2: warning pasted-key-repaired: repaired RFC 4716 text"))
            // The whole authorized_keys file in RFC 4716: a key file keyport reads, but sshd skips it.
            let whole = try dir.write("authorized_keys", rfc)
            #expect(try Tool.keyport(["lint", whole]).stdout.contains("warning pasted-key-repaired: RFC 4716 text in an authorized_keys file"))
        }
    }

    /// Private keys from ssh-keygen (openssh-key-v1, PEM), openssl (PKCS#8) and puttygen (PPK) with
    /// a byte-order mark, CR LF, trailing blanks, indented (YAML, Markdown), flattened onto one line,
    /// with literal \n (CI secrets) or inside a .env line: read as the intact key, fingerprinted as
    /// the peer fingerprints the intact key, converted to the same public key, reported by lint.
    @Test func pastedPrivateKeysReadAsTheIntactKey() throws {
        let dir = try TempDir()
        let openssh = try sshKeygen(dir, name: "ed", type: "ed25519", comment: "ed@example.com")
        let pem = try sshKeygen(dir, name: "rsa", type: "rsa", bits: 2048, extra: ["-m", "PEM"])
        let pkcs8 = dir.path("ec.p8")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pkcs8]).status == 0)
        let ppk = dir.path("putty.ppk")
        #expect(try Tool.run("/usr/bin/puttygen", ["-q", "-t", "ed25519", "-C", "putty@example.com", "-o", ppk, "--new-passphrase", "/dev/null"]).status == 0)
        for (name, path, armoured) in [("openssh-key-v1", openssh, true), ("PEM", pem, true), ("PKCS#8", pkcs8, true), ("PPK", ppk, false)] {
            let key = try String(contentsOfFile: path, encoding: .utf8)
            // The peer's answer for the intact key: ssh-keygen's, or puttygen's for PPK.
            let expected: String
            let publicLine: String
            if name == "PPK" {
                let sha = try Tool.run("/usr/bin/puttygen", ["-l", "-E", "sha256", path]).stdout
                expected = String(sha.split(separator: " ")[2].prefix { $0 != "\n" })
                publicLine = try Tool.run("/usr/bin/puttygen", [path, "-O", "public-openssh", "-o", "/dev/stdout"]).stdout
            } else {
                expected = try Tool.run("/usr/bin/ssh-keygen", ["-lf", path]).stdout
                publicLine = try Tool.run("/usr/bin/ssh-keygen", ["-y", "-f", path]).stdout
            }
            var hows = ["bom", "bom-crlf", "trailing", "yaml", "markdown"]
            if armoured { hows += ["flat", "literal", "env"] }
            for how in hows {
                let file = try dir.write("\(name.filter(\.isLetter))-\(how).key", Self.damaged(key, how))
                let out = try Tool.keyport(["fingerprint", file])
                if name == "PPK" {
                    #expect(out.status == 0 && out.stdout.contains(" \(expected) "), "\(name) \(how): \(out.stdout) \(out.stderr)")
                } else {
                    // Bits, fingerprint and type as ssh-keygen prints them (the comment of a PEM key
                    // comes from the .pub beside the intact file, which the pasted copy lacks).
                    let fields = out.stdout.split(separator: " "), peer = expected.split(separator: " ")
                    #expect(out.status == 0 && fields.prefix(2) == peer.prefix(2) && fields.last == peer.last, "\(name) \(how): \(out.stdout) \(out.stderr)")
                    if name == "openssh-key-v1" { #expect(out.stdout == expected, "\(name) \(how)") }
                }
                // PEM readers (ssh-keygen, openssl) read trailing blanks: nothing to repair there.
                let readAsWritten = how == "trailing" && (name == "PEM" || name == "PKCS#8")
                #expect(readAsWritten ? out.stderr.isEmpty : out.stderr.hasPrefix("keyport: \(file): warning: repaired "), "\(name) \(how): \(out.stderr)")
                Self.expectNoKeyMaterial(out, from: key, "\(name) \(how)")
                // The other commands read through the same reader: checked on a few forms.
                guard ["bom-crlf", "yaml", "flat", "env"].contains(how) else { continue }
                let converted = try Tool.keyport(["convert", "--to", "openssh", "--public", file])
                #expect(converted.status == 0, "\(name) \(how): \(converted.stderr)")
                #expect(converted.stdout.split(separator: " ").prefix(2) == publicLine.split(separator: " ").prefix(2), "\(name) \(how)")
                let lint = try Tool.keyport(["lint", "--format", "json", file])
                #expect(lint.stdout.contains("\"rule\":\"pasted-key-repaired\"") != readAsWritten, "\(name) \(how): \(lint.stdout)")
                let inspect = try #require(JSONContractTests.objects(try Tool.keyport(["inspect", "--json", file]).stdout).first)
                #expect((inspect["repaired"] as? [String])?.isEmpty == readAsWritten, "\(name) \(how)")
            }
            // The key as written is read as it always was: nothing repaired.
            let plain = try #require(JSONContractTests.objects(try Tool.keyport(["inspect", "--json", path]).stdout).first)
            #expect((plain["repaired"] as? [String]) == [], "\(name)")
        }
    }

    /// Damage keyport cannot undo is named, never "no BEGIN line", exit 65, and no key material is
    /// printed; a repair never makes a different key (one changed character is refused).
    @Test func unrepairableDamageIsNamed() throws {
        let dir = try TempDir()
        let openssh = try dir.read(URL(fileURLWithPath: try sshKeygen(dir, name: "ed", type: "ed25519")).lastPathComponent)
        let pem = try dir.read(URL(fileURLWithPath: try sshKeygen(dir, name: "rsa", type: "rsa", bits: 2048, extra: ["-m", "PEM"])).lastPathComponent)
        let line = try dir.read("rsa.pub")
        let wrappedLines = Self.wrapped(String(line.dropLast()), width: 60, separator: "\n").split(separator: "\n").map(String.init)
        // One character of the blob's type string changed: the pieces join into base64 that decodes,
        // but not to an ssh-rsa key, so nothing is read.
        var changed = Array(line)
        let at = changed.index(changed.startIndex, offsetBy: 14)
        changed[at] = changed[at] == "A" ? "B" : "A"
        let cases: [(String, String, String, String)] = [
            ("flat-cut", String(Self.damaged(openssh, "flat").prefix(200)), "flattened onto one line", openssh),
            ("pem-flat-cut", String(Self.damaged(pem, "flat").prefix(300)), "flattened onto one line", pem),
            ("yaml-cut", Self.damaged(openssh, "yaml").split(separator: "\n").prefix(4).joined(separator: "\n") + "\n", "indentation", openssh),
            ("bom-cut", "\u{FEFF}" + openssh.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n", "byte-order mark", openssh),
            ("wrapped-missing-line.pub", wrappedLines.enumerated().filter { $0.offset != 2 }.map(\.element).joined(separator: "\n") + "\n", "wrapped over", line),
            ("wrapped-changed.pub", Self.wrapped(String(String(changed).dropLast()), width: 60, separator: "\n") + "\n", "wrapped over", line),
        ]
        for (name, text, damage, key) in cases {
            let file = try dir.write(name, text)
            let out = try Tool.keyport(["fingerprint", file])
            #expect(out.status == 65 && out.stdout.isEmpty, "\(name): \(out.stdout)")
            #expect(out.stderr.contains(damage) && !out.stderr.contains("no -----BEGIN"), "\(name): \(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(name): \(out.stderr)")
            Self.expectNoKeyMaterial(out, from: key, name)
            let lint = try Tool.keyport(["lint", file])
            #expect(lint.status == 1 && lint.stdout.contains("unreadable-key") && lint.stdout.contains(damage), "\(name): \(lint.stdout)")
        }
    }
}
