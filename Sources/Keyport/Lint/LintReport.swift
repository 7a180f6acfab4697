// A lint run as programs read it: every key checked, named as `fingerprint` names it (type, bits,
// SHA256 fingerprint) and by its SubjectPublicKeyInfo SHA-256 (as badkeys' `-j` does), next to its
// findings; and the counts of the run.
//
// JSON lines (`lint --format json`), one object per line:
//   {"file":F,"line":N|null,"type":T|null,"bits":B|null,"sha256":"SHA256:…"|null,
//    "spki_sha256":"<64 hex digits>"|null,"findings":[{"rule":R,"severity":S,"message":M,"fix":X},…]}
//     one per key read, in input order, findings or not; a place that holds no readable key (a
//     damaged line, a file-level finding in a file of several keys) has null key fields;
//   {"summary":{"keys":K,"files":F,"skipped":S,"unreadable":U,"errors":E,"findings":N}}  last.

/// One key of a lint run (or one place in a file that holds no readable key) with its findings.
public struct LintedKey: Sendable {
    /// The path as the user named it (or as found while walking); `-` for standard input.
    public var file: String
    /// The line the key starts on, nil for whole-file formats and file-level findings.
    public var line: Int?
    /// The key, nil where none could be read (damaged, or an encrypted PEM without passphrase).
    public var key: PublicKey?
    /// Its findings, in rule order.
    public var findings: [Finding]
    /// Whether a key was read here (an encrypted PEM key is one, though its public half is hidden);
    /// false for a place holding only findings.
    public var isKey: Bool
    /// What the output names a clean streamed key by, which is not kept as a `PublicKey` (`key` is
    /// nil): see `LintInput.read(path:checkingWith:keepingKeyFields:)`.
    var listed: ListedKey?

    /// A key and its findings.
    public init(file: String, line: Int?, key: PublicKey?, findings: [Finding], isKey: Bool? = nil) {
        self.file = file
        self.line = line
        self.key = key
        self.findings = findings
        self.isKey = isKey ?? (key != nil)
    }
}

/// The counts of a lint run, for the summary line and the JSON and SARIF summaries.
public struct LintSummary: Sendable, Equatable {
    /// Keys read and checked (an encrypted PEM without its passphrase counts: its protection was checked).
    public var keys = 0
    /// Files read.
    public var files = 0
    /// Files passed over: found while walking and clearly holding no key, or not regular files.
    public var skipped = 0
    /// Files and directories that could not be read.
    public var unreadable = 0
    /// Error messages of the run: unreadable paths, keys that could not be unlocked.
    public var errors = 0
    /// Findings of every severity.
    public var findings = 0

    /// A summary with every count zero.
    public init() {}

    /// `12 keys checked in 5 files; 3 skipped, 1 could not be read; 4 findings`.
    public var line: String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        var text = "\(count(keys, "key")) checked in \(count(files, "file"))"
        var notes: [String] = []
        if skipped > 0 { notes.append("\(skipped) skipped") }
        if unreadable > 0 { notes.append("\(unreadable) could not be read") }
        if errors > unreadable { notes.append(count(errors - unreadable, "other error")) }
        if !notes.isEmpty { text += "; " + notes.joined(separator: ", ") }
        return text + "; " + count(findings, "finding")
    }
}

extension LintOutput {
    /// Every key of `inputs` with its findings, in input order. A finding without a line goes with the
    /// key of a file that holds one key; in a file of several keys (or none) it gets a place of its own.
    /// Clean keys of inputs read with a linter are listed too (see `LintInput.read`).
    public static func keys(_ inputs: [LintInput], _ findings: [Finding]) -> [LintedKey] {
        var out: [LintedKey] = []
        forEachKey(inputs, findings) { out.append($0) }
        return out
    }

    /// `keys(_:_:)` one key at a time, so a file of a million keys is never a million `LintedKey`s.
    /// Clean keys of a streamed file come in line order among its documents and damaged lines.
    static func forEachKey(_ inputs: [LintInput], _ findings: [Finding], _ body: (LintedKey) -> Void) {
        var byFile: [String: [Finding]] = [:]
        for finding in findings { byFile[finding.file, default: []].append(finding) }
        for input in inputs {
            let rest = byFile.removeValue(forKey: input.path) ?? []
            let clean = input.clean
            func place(_ entry: KeyEntry) -> LintedKey {
                switch entry.result {
                case let .success(doc): return LintedKey(file: input.path, line: entry.line ?? doc.line, key: doc.publicKey, findings: [], isKey: true)
                case .failure: return LintedKey(file: input.path, line: entry.line, key: nil, findings: [], isKey: false)
                }
            }
            // The RSA keys among the clean keys come in the order of their moduli.
            var rsa = 0
            func cleanKey(_ index: Int, line: Int) -> LintedKey {
                var key = LintedKey(file: input.path, line: line, key: nil, findings: [], isKey: true)
                key.listed = clean.listed(index, rsa: &rsa)
                return key
            }
            if input.entries.count + clean.count == 1 {
                var key = input.entries.first.map(place) ?? {
                    var only: LintedKey?
                    clean.forEachLine { index, line in only = cleanKey(index, line: line) }
                    return only!
                }()
                key.findings = rest
                body(key)
                continue
            }
            // By line, in one pass: an authorized_keys file may hold a million keys.
            var byLine: [Int: [Finding]] = [:]
            var fileLevel: [Finding] = []
            for f in rest {
                if let line = f.line { byLine[line, default: []].append(f) } else { fileLevel.append(f) }
            }
            // Findings on lines that hold no key nor damaged line get a place of their own, first.
            let entryLines = Set(input.entries.compactMap { place($0).line })
            let elsewhere = byLine.keys.filter { !entryLines.contains($0) && !clean.holds(line: $0) }.sorted()
            let placeless = fileLevel + elsewhere.flatMap { byLine.removeValue(forKey: $0)! }
            if !placeless.isEmpty { body(LintedKey(file: input.path, line: nil, key: nil, findings: placeless)) }
            func emit(_ key: LintedKey) {
                var key = key
                if let line = key.line, let own = byLine.removeValue(forKey: line) { key.findings = own }
                body(key)
            }
            // Documents and damaged lines are in line order (`LintInput.read` sorts them as this does).
            var e = 0
            clean.forEachLine { index, line in
                while e < input.entries.count, (input.entries[e].line ?? 0) < line {
                    emit(place(input.entries[e]))
                    e += 1
                }
                emit(cleanKey(index, line: line))
            }
            for entry in input.entries[e...] { emit(place(entry)) }
        }
    }

    /// `jsonLines(keys(inputs, findings))` handed to `write` in pieces of about 64 KiB, never
    /// whole: the JSON lines of a million keys take a quarter of a gigabyte. The object of a clean
    /// streamed key without findings is written straight from its record, byte for byte as
    /// `jsonObject` writes it (LintStreamingTests holds them together).
    public static func jsonLines(_ inputs: [LintInput], _ findings: [Finding], write: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16 + 4096)
        var file: String?
        var prefix: [UInt8] = []
        forEachKey(inputs, findings) { key in
            if let listed = key.listed, key.findings.isEmpty, let line = key.line {
                if key.file != file {
                    file = key.file
                    prefix = Array((#"{"file":"# + jsonQuote(FileIO.displayName(key.file)) + #","line":"#).utf8)
                }
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { b in
                    let p = b.baseAddress!
                    var o = LineFingerprinter.writeDecimal(line, to: p)
                    p[o] = UInt8(ascii: ","); o += 1
                    o += listed.writeJSONMembers(to: p + o)
                    out.append(contentsOf: prefix)
                    out.append(contentsOf: UnsafeBufferPointer(start: p, count: o))
                }
                out.append(contentsOf: #","findings":[]}"#.utf8)
                out.append(0x0a)
            } else {
                var text = ""
                jsonObject(key).write(into: &text)
                out.append(contentsOf: text.utf8)
                out.append(0x0a)
            }
            if out.count >= 1 << 16 {
                write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { write(out) }
    }

    /// `sarif(keys(inputs, findings), ...)`: only the keys with findings are kept to build it.
    public static func sarif(_ inputs: [LintInput], _ findings: [Finding], summary: LintSummary, problems: [(path: String, message: String)],
                             policy: Policy = Policy(), toolVersion: String = KeyportVersion.current) -> String {
        var keys: [LintedKey] = []
        forEachKey(inputs, findings) { if !$0.findings.isEmpty { keys.append($0) } }
        return sarif(keys, summary: summary, problems: problems, policy: policy, toolVersion: toolVersion)
    }

    /// One JSON object per key per line (see the top of this file).
    public static func jsonLines(_ keys: [LintedKey]) -> String {
        var out = ""
        for key in keys {
            jsonObject(key).write(into: &out)
            out += "\n"
        }
        return out
    }

    /// `{"summary":{...}}` and a newline: the last line of `lint --format json`.
    public static func jsonSummary(_ summary: LintSummary) -> String {
        JSON.object([("summary", summaryObject(summary))]).serialized + "\n"
    }

    static func summaryObject(_ s: LintSummary) -> JSON {
        .object([("keys", .int(s.keys)), ("files", .int(s.files)), ("skipped", .int(s.skipped)),
                 ("unreadable", .int(s.unreadable)), ("errors", .int(s.errors)), ("findings", .int(s.findings))])
    }

    static func jsonObject(_ k: LintedKey) -> JSON {
        .object([("file", .string(FileIO.displayName(k.file))), ("line", k.line.map { .int($0) } ?? .null)] + keyFields(k) + [
            ("findings", .array(k.findings.map { f in
                .object([("rule", .string(f.ruleID)), ("severity", .string(f.severity.rawValue)),
                         ("message", .string(f.message)), ("fix", .string(f.fix))])
            })),
        ])
    }

    /// `type`, `bits`, `sha256` and `spki_sha256` of a key (nulls when there is none).
    static func keyFields(_ place: LintedKey) -> [(String, JSON)] {
        if let listed = place.listed?.fields {
            return [("type", .string(listed.type)), ("bits", .int(listed.bits)), ("sha256", .string(listed.sha256)),
                    ("spki_sha256", .string(listed.spkiSHA256))]
        }
        let key = place.key
        return [("type", key.map { .string($0.sshType) } ?? .null), ("bits", key.map { .int($0.bits) } ?? .null),
         ("sha256", key.map { .string($0.fingerprint(.sha256)) } ?? .null),
         ("spki_sha256", key?.subjectPublicKeyInfoSHA256.map { .string($0) } ?? .null)]
    }
}

extension PublicKey {
    /// The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 3279 for RSA and DSA, RFC 5480 for
    /// ECDSA, RFC 8410 for EdDSA) of the key (a certificate's key for a certificate), byte for byte
    /// as `openssl pkey -pubin -outform DER` writes it; nil for security-key (sk-) keys, which have
    /// none. Written here rather than through libcrypto's encoder, which costs ~100 µs a key: lint
    /// prints this for every key of authorized_keys files of a million lines.
    public var subjectPublicKeyInfo: [UInt8]? {
        func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + DERReader.encodeLength(content.count) + content }
        // A DER INTEGER of an unsigned magnitude: no leading zero bytes, one added before a high bit.
        func integer(_ magnitude: [UInt8]) -> [UInt8] {
            let trimmed = Array(magnitude.drop(while: { $0 == 0 }))
            return tlv(0x02, trimmed.first.map { $0 >= 0x80 ? [0] + trimmed : trimmed } ?? [0])
        }
        let algorithmID: [UInt8], key: [UInt8]
        switch parts {
        case let .rsa(e, n):
            algorithmID = tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]) + [0x05, 0x00]
            key = tlv(0x30, integer(n) + integer(e))
        case let .dsa(p, q, g, y):
            algorithmID = tlv(0x06, [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]) + tlv(0x30, integer(p) + integer(q) + integer(g))
            key = integer(y)
        case let .ecdsa(point):
            let curve: [UInt8]
            switch algorithm {
            case .ecdsaP256: curve = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
            case .ecdsaP384: curve = [0x2b, 0x81, 0x04, 0x00, 0x22]
            default: curve = [0x2b, 0x81, 0x04, 0x00, 0x23]
            }
            algorithmID = tlv(0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]) + tlv(0x06, curve)
            key = point
        case let .eddsa(publicKey):
            algorithmID = tlv(0x06, [0x2b, 0x65, algorithm == .ed448 ? 0x71 : 0x70])
            key = publicKey
        case .securityKeyECDSA, .securityKeyEd25519:
            return nil
        }
        return tlv(0x30, tlv(0x30, algorithmID) + tlv(0x03, [0] + key))
    }

    /// SHA-256 of `subjectPublicKeyInfo` in lowercase hex (badkeys' `spkisha256`, the SPKI pin of
    /// `openssl pkey -pubin -outform DER | sha256sum`).
    public var subjectPublicKeyInfoSHA256: String? {
        subjectPublicKeyInfo.map { der in Hex.encode(der.withUnsafeBytes { Digest.sha256.hash($0) }) }
    }
}

extension LintRegistry {
    /// `--list-rules --format json`: one object per rule per line: `id`, `category`, `severity`
    /// (the default), `title`, `rationale`, `fix`, `reference` (null when none).
    public static var jsonListing: String {
        all.map { rule in
            JSON.object([
                ("id", .string(rule.id)), ("category", .string(rule.category.rawValue)),
                ("severity", .string(rule.severity.rawValue)), ("title", .string(rule.title)),
                ("rationale", .string(rule.rationale)), ("fix", .string(rule.fix)),
                ("reference", rule.reference.map { .string($0) } ?? .null),
            ]).serialized + "\n"
        }.joined()
    }
}
