import Foundation
import Testing
@testable import Keyport

/// Lint's streaming path (per-key rules judged in the reading workers, clean keys kept only as a
/// line and a hash) finds exactly what the general path (every key kept as a document) finds, in
/// the same order, over every fixture line and thousands of generated lines, damaged ones included.
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
        return lines
    }

    func lint(_ path: String, _ linter: Linter, streaming: Bool) throws -> (findings: [Finding], input: LintInput) {
        let input = try LintInput.read(path: path, checkingWith: streaming ? linter : nil)
        return (linter.lint([input]), input)
    }

    @Test func streamingFindsExactlyWhatTheGeneralPathFinds() throws {
        let lines = try Self.lines()
        let dir = try TempDir()
        var text = Array(lines.map { $0 + [0x0a] }.joined())
        // Repeated past a chunk boundary (so every clean key is also a duplicate), pieces on both cores.
        while text.count < KeyInput.chunkSize + (KeyInput.chunkSize >> 2) { text += Array(lines.map { $0 + [0x0a] }.joined()) }
        // By name an authorized_keys file; the other is one only because some lines carry options.
        let paths = [dir.path("authorized_keys"), dir.path("keys.pub")]
        for path in paths { try Data(text).write(to: URL(fileURLWithPath: path)) }

        var policies: [Policy] = [Policy()]
        var p384 = Policy()
        try p384.set("allow-curves", "nistp384")
        policies.append(p384)
        var offCurveDisabled = Policy()
        try offCurveDisabled.set("disable", "ec-point-off-curve, duplicate-authorized-key")
        policies.append(offCurveDisabled)
        let ed = try #require(lines.first { $0.starts(with: Array("ssh-ed25519 ".utf8)) && $0.count < 200 })
        guard case let .key(doc) = OpenSSHPublicFormat.parseLine(ed[...], lineNumber: 1), let key = doc.publicKey else {
            Issue.record("no Ed25519 line")
            return
        }
        let blocklist = try Blocklist(bytes: Array((key.fingerprint(.sha256) + "\n").utf8))

        var clean = 0
        for (index, policy) in policies.enumerated() {
            let linter = Linter(policy: policy, blocklist: index == 0 ? nil : blocklist)
            for path in paths {
                let general = try lint(path, linter, streaming: false)
                let streamed = try lint(path, linter, streaming: true)
                // Compared one by one: the whole lists would fill the log.
                #expect(streamed.findings.count == general.findings.count, "policy \(index), \(path)")
                if let (a, b) = zip(streamed.findings, general.findings).first(where: { $0 != $1 }) {
                    Issue.record("policy \(index), \(path): first difference: streamed \(a), general \(b)")
                }
                func keys(_ input: LintInput) -> Int {
                    input.entries.count { if case .success = $0.result { return true } else { return false } }
                }
                #expect(keys(streamed.input) + streamed.input.cleanKeyCount == keys(general.input))
                #expect(general.input.cleanKeyCount == 0)
                clean += streamed.input.cleanKeyCount
            }
        }
        // The streaming path must really be taken (the blocklisted runs take it for no key).
        #expect(clean > 1000, "clean keys: \(clean)")
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
