import Foundation
import Testing
@testable import Keyport

/// Lint's streaming path (per-key rules judged in the reading workers, clean keys kept only as a
/// line and a hash, clean RSA keys also as their modulus) finds exactly what the general path
/// (every key kept as a document) finds, in the same order, over every fixture line and thousands
/// of generated lines, damaged ones, weak RSA keys and RSA keys sharing primes included.
@Suite struct LintStreamingTests {
    /// The fingerprint engine's lines (every fixture line, 4,000 generated ones) and lines the lint
    /// judge decides on: email-like comments of every near miss, ECDSA points moved off their curve.
    static func lines() throws -> [[UInt8]] {
        var lines = try FingerprintEngineTests.lines()
        let dir = try TempDir()
        var keys: [(type: String, blob: [UInt8])] = []
        for (name, type, bits) in [("e", "ed25519", 0), ("p256", "ecdsa", 256), ("p384", "ecdsa", 384), ("p521", "ecdsa", 521)] {
            try sshKeygen(dir, name: name, type: type, bits: bits == 0 ? nil : bits)
            let fields = try dir.read(name + ".pub").split(separator: " ")
            keys.append((String(fields[0]), try #require(Base64.decode(Array(fields[1].utf8)[...]))))
        }
        let comments = ["u@example.com", "u@example.com  ", "#u@example.com", "u@b", "u@b.", "@b.c", "u@@b.c", "u@b..c", "u@.b.c",
                        "a b@c.d", "u@b.c@d.e", "u@x.y.z", ".@.", "u@b.c.", "\"q\"@b.c", "u\\v@b.c"]
        var random = SeededGenerator(seed: 17)
        for i in 0..<1500 {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            var blob = key.blob
            // An ECDSA point off its curve (still canonical: the fast path takes the line).
            if key.type.hasPrefix("ecdsa"), random.next() % 4 == 0 { blob[blob.count - 1 - Int(random.next() % 8)] ^= 1 }
            let comment = i % 3 == 0 ? "user\(i)@example.com" : comments[Int(random.next() % UInt64(comments.count))]
            lines.append(Array("\(key.type) \(Base64.encode(blob)) \(comment)".utf8))
        }
        return lines + (try rsa.get().lines)
    }

    /// RSA lines the judge decides on, from ssh-keygen and from planted structure (the weak-key
    /// suites' helpers): sound keys of 2048 and 3072 bits, a 1024-bit one, e = 3 and 65539, a
    /// ROCA, a Fermat and a small-factor modulus, and moduli sharing primes (three through one
    /// prime, two through another); every one with email-like comments and near misses, some
    /// with an option (a document line). `partner` is a line for another file only: its modulus
    /// shares a prime with `sharing[0]`'s.
    static let rsa = Result { () throws -> (lines: [[UInt8]], sharing: [PublicKey], partner: [UInt8]) in
        let dir = try TempDir()
        var keys: [PublicKey] = []
        for (name, bits) in [("r1", 2048), ("r2", 2048), ("r3", 3072), ("weak", 1024)] {
            try sshKeygen(dir, name: name, type: "rsa", bits: bits)
            keys.append(try readKey(dir.path(name + ".pub")))
        }
        keys.append(rsaPublic(e: [3], n: try soundModulus()))
        keys.append(rsaPublic(e: [1, 0, 3], n: try soundModulus()))
        let weak = WeakKeyLintTests()
        keys.append(rsaPublic(n: try weak.rocaPrime(bits: 1024).multiplied(by: try weak.rocaPrime(bits: 1024)).bytes))
        let p = try lintRandomPrime(bits: 1024)
        keys.append(rsaPublic(n: p.multiplied(by: p.adding(1 << 20).nextPrime()).bytes))
        keys.append(rsaPublic(n: try lintRandomPrime(bits: 2032).multiplied(by: GMPInteger(65537)).bytes))
        let shared = try lintRandomPrime(bits: 1024), other = try lintRandomPrime(bits: 1024)
        var sharing: [PublicKey] = []
        for prime in [shared, shared, shared, other, other] {
            sharing.append(rsaPublic(n: prime.multiplied(by: try lintRandomPrime(bits: 1024)).bytes))
        }
        keys += sharing
        func line(_ key: PublicKey, _ comment: String, option: Bool = false) -> [UInt8] {
            Array("\(option ? "no-pty " : "")ssh-rsa \(Base64.encode(key.plainBlob)) \(comment)".utf8)
        }
        var lines: [[UInt8]] = []
        var random = SeededGenerator(seed: 2048)
        let comments = ["u@example.com", "u@b", "u@b.c.", "u@b.c@d.e", "a b@c.d", "", "u@x.y.z  "]
        for i in 0..<400 {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            let comment = i % 2 == 0 ? "rsa\(i)@example.com" : comments[Int(random.next() % UInt64(comments.count))]
            lines.append(line(key, comment, option: random.next() % 8 == 0))
        }
        let partner = rsaPublic(n: shared.multiplied(by: try lintRandomPrime(bits: 1024)).bytes)
        return (lines, sharing, line(partner, "partner@example.com"))
    }

    /// Room reserved from a file's size never exceeds an eighth of the machine's memory: the
    /// kernel refuses one allocation larger than memory and swap even if it is never touched, and
    /// a refused allocation stops a Swift process.
    @Test func roomReservedForAHugeFileIsBoundedByMemory() {
        let memory = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
        #expect(CleanKeys.room(1000, of: UInt64.self) == 1000)
        #expect(CleanKeys.room(1 << 50, of: UInt64.self) * 8 <= memory / 8)
        #expect(CleanKeys.room(1 << 50, of: UInt8.self) <= memory / 8)
        var keys = CleanKeys()
        keys.reserve(forFileOf: 1 << 50, keepingFields: true)   // a petabyte: would trap unbounded
        keys.append(line: 1, hash: 7)
        #expect(keys.count == 1)
    }

    @Test func streamingFindsExactlyWhatTheGeneralPathFinds() throws {
        let lines = try Self.lines()
        let dir = try TempDir()
        var text = Array(lines.map { $0 + [0x0a] }.joined())
        // Repeated past a chunk boundary (so every clean key is also a duplicate), pieces on both cores.
        while text.count < KeyInput.chunkSize + (KeyInput.chunkSize >> 2) { text += Array(lines.map { $0 + [0x0a] }.joined()) }
        // By name an authorized_keys file; the other is one only because some lines carry options.
        let paths = [dir.path("authorized_keys"), dir.path("keys.pub")]
        let rsa = try Self.rsa.get()
        // The second file alone holds a key sharing a prime with keys of both files.
        for (k, path) in paths.enumerated() { try Data(text + (k == 1 ? rsa.partner + [0x0a] : [])).write(to: URL(fileURLWithPath: path)) }

        var policies: [Policy] = [Policy()]
        var p384 = Policy()
        try p384.set("allow-curves", "nistp384")
        policies.append(p384)
        var offCurveDisabled = Policy()
        try offCurveDisabled.set("disable", "ec-point-off-curve, duplicate-authorized-key")
        policies.append(offCurveDisabled)
        // RSA rules off or loosened: the weak moduli become clean keys whose moduli batch GCD sees.
        var rsaLoose = Policy()
        try rsaLoose.set("min-rsa-bits", "1024")
        try rsaLoose.set("fermat-steps", "0")
        try rsaLoose.set("disable", "rsa-roca, rsa-small-factors")
        policies.append(rsaLoose)
        var rsaStrict = Policy()
        try rsaStrict.set("min-rsa-bits", "3072")
        try rsaStrict.set("fermat-steps", "1000")
        policies.append(rsaStrict)
        let ed = try #require(lines.first { $0.starts(with: Array("ssh-ed25519 ".utf8)) && $0.count < 200 })
        guard case let .key(doc) = OpenSSHPublicFormat.parseLine(ed[...], lineNumber: 1), let key = doc.publicKey else {
            Issue.record("no Ed25519 line")
            return
        }
        let blocklist = try Blocklist(bytes: Array((key.fingerprint(.sha256) + "\n").utf8))

        var clean = 0, cleanRSA = 0
        for (index, policy) in policies.enumerated() {
            let linter = Linter(policy: policy, blocklist: index == 1 || index == 2 ? blocklist : nil)
            // Both files in one run (shared primes across files); under the default policy each alone too.
            for run in (index == 0 ? paths.map { [$0] } : []) + [paths] {
                let general = try run.map { try LintInput.read(path: $0) }
                let streamed = try run.map { try LintInput.read(path: $0, checkingWith: linter) }
                let expected = linter.lint(general), found = linter.lint(streamed)
                // Compared one by one: the whole lists would fill the log.
                #expect(found.count == expected.count, "policy \(index), \(run)")
                if let (a, b) = zip(found, expected).first(where: { $0 != $1 }) {
                    Issue.record("policy \(index), \(run): first difference: streamed \(a), general \(b)")
                }
                func keys(_ input: LintInput) -> Int {
                    input.entries.count { if case .success = $0.result { return true } else { return false } }
                }
                for (s, g) in zip(streamed, general) {
                    #expect(keys(s) + s.cleanKeyCount == keys(g))
                    #expect(g.cleanKeyCount == 0)
                    clean += s.cleanKeyCount
                    cleanRSA += s.clean.moduli.count
                }
                if index == 0, run.count == 2 { try expectSharedPrimes(found, rsa.sharing, paths) }
            }
        }
        // The streaming path must really be taken (the blocklisted runs take it for no key).
        #expect(clean > 1000, "clean keys: \(clean)")
        #expect(cleanRSA > 200, "clean RSA keys: \(cleanRSA)")
    }

    /// The shared-prime findings name each planted key by its fingerprint (as `ssh-keygen -l`
    /// prints it) at every line it is on, clean streamed lines and document lines alike.
    func expectSharedPrimes(_ findings: [Finding], _ sharing: [PublicKey], _ paths: [String]) throws {
        let shared = findings.filter { $0.ruleID == "rsa-shared-prime" }
        for (k, key) in sharing.enumerated() {
            let own = shared.filter { $0.message.hasPrefix("the modulus of \(key.fingerprint()) shares") }
            #expect(own.count >= 2 && Set(own.map(\.file)) == Set(paths), "key \(k): \(own.count) findings")
            for partner in k < 3 ? sharing[0..<3] : sharing[3..<5] where partner != key {
                #expect(own.allSatisfy { $0.message.contains("\(partner.fingerprint()) (\(paths[0]):") }, "key \(k)")
            }
        }
        // The second file's own key shares a prime with the first three, and they with it.
        #expect(shared.contains { $0.file == paths[1] && $0.message.contains("(\(paths[1]):") && $0.message.contains(sharing[0].fingerprint()) })
    }

    /// The CLI: text output (read streaming) prints exactly the general path's findings; JSON (read
    /// without a linter) lists every key, clean RSA ones included.
    @Test func cliTextAndJSONOverRSALines() throws {
        let rsa = try Self.rsa.get()
        let dir = try TempDir()
        let path = dir.path("authorized_keys")
        try Data(Array((rsa.lines + [rsa.partner]).map { $0 + [0x0a] }.joined())).write(to: URL(fileURLWithPath: path))
        let general = try LintInput.read(path: path)
        let expected = LintOutput.text(Linter().lint([general]))
        let text = try Tool.keyport(["lint", "-v", path])
        #expect(text.stdout == expected)
        let keys = general.entries.count { if case .success = $0.result { return true } else { return false } }
        #expect(text.stderr.contains("\(keys) keys checked in 1 file"), "\(text.stderr)")
        #expect(try LintInput.read(path: path, checkingWith: Linter()).cleanKeyCount > 50)
        let json = try jsonLines(try Tool.keyport(["lint", "--format", "json", path]).stdout)
        #expect(json.count == keys + 1)
        #expect((json.last?["summary"] as? [String: Int])?["keys"] == keys)
    }

    /// JSON and SARIF of inputs read streaming with their key fields kept (clean keys neither
    /// documents nor `LintedKey`s until written) are byte for byte those of the document path
    /// (every key decoded, `LintInput.read` without a linter): in the library, and from the CLI over
    /// several files (duplicates, shared primes across them, options, damaged lines, a one-key
    /// file with a file-level finding) and standard input.
    @Test func jsonAndSARIFListKeysAsTheDocumentPathDoes() throws {
        let lines = try Self.lines() + [Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA!!!! x@y.z".utf8), Array("not a key".utf8)]
        let rsa = try Self.rsa.get()
        let dir = try TempDir()
        let text = Array(lines.map { $0 + [0x0a] }.joined())
        let second = Array(lines[(lines.count / 2)...].map { $0 + [0x0a] }.joined()) + rsa.partner + [0x0a]
        let clean = try #require(rsa.lines.first { $0.starts(with: Array("ssh-rsa ".utf8)) && $0.contains(UInt8(ascii: "@")) })
        // Distinct keys (no duplicate findings): those raising nothing are written straight from their record.
        var distinct = Set(rsa.lines.filter { $0.starts(with: Array("ssh-rsa ".utf8)) }.map { line in
            Array(line.split(separator: 0x20)[0...1].joined(separator: [0x20])) + Array(" d@example.com".utf8)
        })
        var random = SeededGenerator(seed: 57)
        for i in 0..<300 {
            var blob = SSHWriter()
            blob.writeString(Array("ssh-ed25519".utf8))
            blob.writeString((0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            distinct.insert(Array("ssh-ed25519 \(Base64.encode(blob.bytes)) e\(i)@example.com".utf8))
        }
        for (k, bits) in [256, 384, 521, 256].enumerated() {
            try sshKeygen(dir, name: "d\(k)", type: "ecdsa", bits: bits)
            distinct.insert(Array(try dir.read("d\(k).pub").split(separator: " ")[0...1].joined(separator: " ").utf8) + Array(" c\(k)@example.com".utf8))
        }
        let many = Array(distinct.sorted { $0.lexicographicallyPrecedes($1) }.map { $0 + [0x0a] }.joined())
        var paths: [String] = []
        for (name, bytes, mode) in [("authorized_keys", text, 0o600), ("keys.pub", second, 0o600), ("authorized_keys2", clean + [0x0a], 0o666),
                                    ("many.pub", many, 0o600)] {
            paths.append(dir.path(name))
            try Data(bytes).write(to: URL(fileURLWithPath: paths.last!))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: paths.last!)
        }
        var rsaLoose = Policy()
        try rsaLoose.set("min-rsa-bits", "1024")
        try rsaLoose.set("disable", "rsa-roca, rsa-small-factors")
        func summary(_ inputs: [LintInput], _ findings: [Finding]) -> LintSummary {
            var s = LintSummary()
            s.files = inputs.count
            s.keys = LintOutput.keys(inputs, findings).count(where: \.isKey)
            s.findings = findings.count
            return s
        }
        func documentPath(_ inputs: [LintInput], _ linter: Linter) -> (json: String, sarif: String) {
            let findings = linter.lint(inputs), keys = LintOutput.keys(inputs, findings), s = summary(inputs, findings)
            return (LintOutput.jsonLines(keys) + LintOutput.jsonSummary(s),
                    LintOutput.sarif(keys, summary: s, problems: [], policy: linter.policy))
        }
        for policy in [Policy(), rsaLoose] {
            let linter = Linter(policy: policy)
            let general = try paths.map { try LintInput.read(path: $0) }
            let streamed = try paths.map { try LintInput.read(path: $0, checkingWith: linter, keepingKeyFields: true) }
            #expect(streamed.reduce(0) { $0 + $1.cleanKeyCount } > 1000)
            #expect(streamed[2].cleanKeyCount == 1)
            let findings = linter.lint(streamed)
            // Clean keys without findings (written from their records) of every type, RSA included.
            let written = LintOutput.keys(streamed, findings).filter { $0.findings.isEmpty }.compactMap(\.listed)
            #expect(Set(written.map(\.algorithm)) == Set(CleanKeys.Fields.algorithms) && written.count > 300)
            var json = ""
            LintOutput.jsonLines(streamed, findings) { json += String(decoding: $0, as: UTF8.self) }
            json += LintOutput.jsonSummary(summary(general, linter.lint(general)))
            let expected = documentPath(general, linter)
            try expectSame(json, expected.json, "library json")
            try expectSame(LintOutput.sarif(streamed, findings, summary: summary(general, linter.lint(general)), problems: [], policy: policy),
                           expected.sarif, "library sarif")
        }
        let expected = documentPath(try paths.map { try LintInput.read(path: $0) }, Linter())
        try expectSame(try Tool.keyport(["lint", "--format", "json"] + paths).stdout, expected.json, "cli json")
        let sarif = try Tool.keyport(["lint", "--format", "sarif"] + paths).stdout
        try expectSame(sarif, expected.sarif, "cli sarif")
        // A damaged line's result names no key: no properties, not null ones.
        #expect(!sarif.contains(#""properties":{"type":null"#) && sarif.contains(#""properties":{"type":"ssh-ed25519""#))
        // Standard input: the second file as the document path reads it, but named `-` and without modes.
        var stdin = try LintInput.read(path: paths[1])
        (stdin.path, stdin.mode, stdin.directoryMode) = ("-", nil, nil)
        let fromStdin = documentPath([stdin], Linter())
        try expectSame(try Tool.keyport(["lint", "--format", "json", "-"], stdin: Data(second)).stdout, fromStdin.json, "stdin json")
        try expectSame(try Tool.keyport(["lint", "--format", "sarif", "-"], stdin: Data(second)).stdout, fromStdin.sarif, "stdin sarif")
    }

    /// Equal texts, or where they first differ recorded (whole outputs would fill the log).
    func expectSame(_ found: String, _ expected: String, _ what: String) throws {
        guard found != expected else { return }
        let a = Array(found.utf8), b = Array(expected.utf8)
        let k = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        func around(_ t: [UInt8]) -> String { String(decoding: t[max(0, k - 200)..<min(t.count, k + 200)], as: UTF8.self) }
        Issue.record("\(what): \(a.count) bytes, expected \(b.count); from byte \(k): \(around(a)) expected \(around(b))")
    }

    /// Repeated hashes are found across the two halves sorted on their own cores, and within each.
    @Test func repeatedValuesAreFoundWhereverTheyAre() {
        #expect(HygieneRules.repeatedValues([]).isEmpty)
        #expect(HygieneRules.repeatedValues([7]).isEmpty)
        #expect(HygieneRules.repeatedValues([7, 7]) == [7])
        #expect(HygieneRules.repeatedValues([3, 1, 2, 3, 5]) == [3])
        #expect(HygieneRules.repeatedValues([9, 9, 1, 2, 4, 4, 4]) == [9, 4])
        var random = SeededGenerator(seed: 5)
        let values = (0..<10_001).map { _ in random.next() % 4000 }
        var counts: [UInt64: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        #expect(HygieneRules.repeatedValues(values) == Set(counts.filter { $0.value > 1 }.keys))
    }

    /// The judge's email test is `HygieneRules.isEmailAddress` on the bytes of a plain comment.
    @Test func commentCheckMatchesTheRule() {
        let comments = ["u@example.com", "u@example.com  ", "#u@example.com", "u@b", "u@b.", "@b.c", "u@@b.c", "u@b..c", "u@.b.c",
                        "a b@c.d", "u@b.c@d.e", "u@x.y.z", ".@.", "u@b.c.", "", "   ", "@", "a@b.c d", "x@y.z "]
        for comment in comments {
            let line = Array(("ssh-ed25519 AAAA " + comment).utf8)
            let judged = line.withUnsafeBufferPointer { LintLineJudge.commentIsEmail($0, from: 17) }
            var trimmed = comment
            while trimmed.hasSuffix(" ") { trimmed.removeLast() }
            #expect(judged == HygieneRules.isEmailAddress(String(trimmed.trimmingBlanks())), "\"\(comment)\"")
        }
    }
}
