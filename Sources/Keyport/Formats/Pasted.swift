// Keys where people put them: private key material where only public keys belong (issue 15.10).
//
// A private key in an authorized_keys file, a `.pub` file or on the standard input of a command that
// takes public keys is readable by everyone those are shared with. Two ways it shows:
//   - the whole input is a private key (any format): the document is private and the place is one
//     of public keys (`KeyDocument.exposure(at:)`, by the path's name);
//   - a file of public-key lines holds the armour of a private key among its lines: its BEGIN line
//     (`-----BEGIN … PRIVATE KEY-----`, `PuTTY-User-Key-File-`, an SSH.com private key) is a failed
//     line of kind `privateKeyExposed`; the body lines after it up to the END line are folded into
//     that one failure (`ExposedArmourFold`), so one pasted key is one report, not thirty.
// Messages name the format and the place, never a byte of the key.

extension KeyFile {
    /// The place `path` names when only public keys belong there, for people ("an authorized_keys
    /// file", "a .pub file", "standard input" for `-`); nil for any other path. Callers that take
    /// private keys on standard input (`inspect`, `convert`) ask only for real paths.
    public static func publicKeyPlace(_ path: String) -> String? {
        if path == "-" { return "standard input" }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasPrefix("authorized_keys") { return "an authorized_keys file" }
        if name.hasPrefix("known_hosts") { return "a known_hosts file" }
        if name.hasSuffix(".pub") { return "a .pub file" }
        return nil
    }
}

extension KeyDocument {
    /// What is wrong when this document is a private key (locked or not) read from a place of
    /// public keys (`KeyFile.publicKeyPlace`); nil otherwise. Names the format, never key material.
    public func exposure(at path: String) -> KeyportError? {
        guard isPrivate, let place = KeyFile.publicKeyPlace(path) else { return nil }
        let name = format.displayName
        let article = "AEIOU".contains(name.first ?? "x") ? "an" : "a"
        return .privateKeyExposed("\(place) holds \(article) \(name)\(isLocked ? " (encrypted)" : ""); whoever reads it can use the key: give the public key instead")
    }
}

extension OpenSSHPublicFormat {
    /// The failure of a line that starts the armour of a private key, or nil.
    static func exposedArmourStart(_ line: ArraySlice<UInt8>) -> KeyportError? {
        guard let first = line.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "P") else { return nil }
        let text = String(decoding: line.prefix(80), as: UTF8.self)
        let what: String
        let label = text.hasPrefix("-----BEGIN ") ? text.dropFirst(11).prefix { $0 != "-" } : ""
        if label.hasSuffix("PRIVATE KEY"), text.dropFirst(11 + label.count).hasPrefix("-----") {
            what = label == "OPENSSH PRIVATE KEY" ? "the BEGIN line of an OpenSSH private key (openssh-key-v1)" : "the BEGIN line of a PEM private key (\(label))"
        } else if text.hasPrefix("PuTTY-User-Key-File-") {
            what = "the header of a PuTTY private key (PPK)"
        } else if text.hasPrefix("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----") {
            what = "the BEGIN line of an SSH.com private key"
        } else {
            return nil
        }
        return .privateKeyExposed("\(what) among public key lines; whoever reads this file can use the key: remove it")
    }

    /// The failure of a line that ends the armour of a private key (folded into its BEGIN's report;
    /// reported alone when no BEGIN came before it).
    static let privateArmourEnd = KeyportError.malformed(format: "public key line", field: "line", reason: "the END line of a private key")

    /// Does `line` end the armour of a private key?
    static func endsPrivateArmour(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "P") else { return false }
        let text = String(decoding: line.prefix(80), as: UTF8.self)
        return (text.hasPrefix("-----END ") && text.contains("PRIVATE KEY-----")) || text.hasPrefix("Private-MAC:")
            || text.hasPrefix("---- END SSH2 ENCRYPTED PRIVATE KEY ----")
    }
}

/// Folds the failed lines of a private key's armour pasted among public key lines into the one
/// failure of its BEGIN line. Fed every failed line in line order; `keep` says which to report.
/// The fold ends at the END line, or at the first failed line more than two lines after the last
/// one folded (armour has no gaps but a blank line after PEM headers), so that a damaged public key
/// line after a cut-off paste is still reported.
public struct ExposedArmourFold: Sendable {
    private var lastFolded: Int?

    /// A fold with nothing open.
    public init() {}

    /// Whether the failure of `line` (nil: the whole input) is to be reported.
    public mutating func keep(line: Int?, _ error: KeyportError) -> Bool {
        guard let line else { return true }
        if let last = lastFolded {
            if line <= last + 3, !Self.isStart(error) {
                lastFolded = error == OpenSSHPublicFormat.privateArmourEnd ? nil : line
                return false
            }
            lastFolded = nil
        }
        if Self.isStart(error) { lastFolded = line }
        return true
    }

    private static func isStart(_ error: KeyportError) -> Bool {
        if case .privateKeyExposed = error { return true }
        return false
    }
}

extension OpenSSHPublicFormat {
    /// Is the first line of `text` that is not blank or a `#` comment a public key line?
    static func startsWithKeyLine(_ text: Substring) -> Bool {
        for line in LineReader(Array(text.utf8), breaks: .lf).lazy.filter({ !$0.text.isEmpty }).prefix(64) {
            switch parseLine(line.text, lineNumber: 1) {
            case .skip: continue
            case .key: return true
            case .failure: return false
            }
        }
        return false
    }
}

// MARK: - Keys as people paste them (issue 15.9)
//
// Copy and paste damages keys in a few known ways: Notepad's byte-order mark, CR LF or stray CRs,
// trailing blanks, indentation (YAML, Markdown), a public key line wrapped by an e-mail client or a
// terminal or its base64 split by spaces, an armoured private key flattened onto one line (CI
// secrets, `.env` files, literal `\n`), RFC 4716 text or PuTTYgen's bare base64 where an OpenSSH
// line is expected. `KeyFile.read` reads the input as it is first; only when that fails and the
// input shows such damage is it repaired (`PasteRepair.read`) and read again. A repair never makes
// a different key: the repaired text must decode in full and pass its format's checks (blob length
// fields to the last byte and a type string matching the line's, openssh-key-v1 check integers,
// the PPK MAC, the DER structure). What was undone goes on each document as a `pastedRepair`
// observation ("repaired …"), which inspect shows, lint reports (`pasted-key-repaired`) and the
// tool prints as a warning. When the repaired text still does not decode, the error names the
// damage seen.

/// Undoes paste damage; see the section comment above.
public enum PasteRepair {
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// Inputs up to this size that hold a failing line are read whole rather than streamed, so a
    /// key wrapped over several lines can be joined (pasted keys are small).
    public static let wholeFileLimit = 64 * 1024

    /// One observation per repair, each "repaired …".
    static func observation(_ repairs: [String]) -> [Observation] {
        repairs.map { Observation(.pastedRepair, "repaired " + $0) }
    }

    /// Should a line file of `count` bytes, complete in `bytes`, be read whole so its paste damage
    /// can be repaired? True when it starts with a byte-order mark or a line is not a key.
    public static func wantsWholeFile(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= wholeFileLimit else { return false }
        if bytes.starts(with: byteOrderMark) { return true }
        for line in LineReader(bytes, breaks: .lf) {
            switch OpenSSHPublicFormat.parseLine(ArraySlice(line.text), lineNumber: line.number) {
            case .failure: return true
            case let .key(doc) where doc.observations.contains(where: { $0.code == .pastedRepair }): return true
            default: break
            }
        }
        return false
    }

    /// Does a line from the first BEGIN line to the last END line start with a blank?
    static func armourIsIndented(_ bytes: [UInt8]) -> Bool {
        var inside = false
        for line in LineReader(bytes, breaks: .lf).lazy.map(\.text) {
            let text = line.drop { $0 == 0x20 || $0 == 0x09 }
            if !inside, text.starts(with: Array("-----BEGIN ".utf8)) { inside = true }
            if inside, text.count != line.count, !text.isEmpty, !text.allSatisfy({ $0 == 0x0D }) { return true }
            if text.starts(with: Array("-----END ".utf8)) { inside = false }
        }
        return false
    }

    /// Reads `bytes`, which `format` failed to read with `error`, after undoing the paste damage
    /// they show. Returns nil when they show none (the caller rethrows `error`); throws an error
    /// naming the damage when the repaired text does not decode either.
    static func read(_ bytes: [UInt8], failed format: any KeyFormat.Type, with error: KeyportError) throws -> [KeyEntry]? {
        // Damage can also look unsupported (an OpenSSH key after `key: |` is a structure the PEM
        // reader does not read, a PPK type word with trailing blanks an unknown type); an input
        // that is unsupported as written and shows no paste damage is left as it is below.
        switch error.kind {
        case .damagedInput, .unsupported: break
        default: return nil
        }
        var repairs: [String] = []
        var text = bytes
        defer { SecureBytes.wipe(&text) }
        if text.starts(with: byteOrderMark) {
            text.removeFirst(3)
            repairs.append("a UTF-8 byte-order mark before the key (as Notepad saves it)")
        }
        let markers = ["-----BEGIN ", "PuTTY-User-Key-File-", "---- BEGIN SSH2 "]
        let armoured = markers.contains { text.contains(Array($0.utf8)) }
        // Public lines keep a CR as part of their comment, as ssh-keygen prints it: only armoured
        // text loses its CRs.
        if armoured { normaliseArmoured(&text, repairs: &repairs) }
        var entries: [KeyEntry]
        do {
            if !repairs.isEmpty {
                entries = try KeyFile.detect(text).format.read(text)
            } else if ObjectIdentifier(format) == ObjectIdentifier(RFC4716Format.self) {
                // RFC 4716 text followed by OpenSSH lines (`cat key.rfc more.pub`): read as lines,
                // its block joined by the line reader.
                entries = try OpenSSHPublicFormat.readJoining(text)
                guard entries.contains(where: { (try? $0.result.get())?.observations.contains { $0.code == .pastedRepair } == true }) else { return nil }
            } else {
                return nil
            }
        } catch let again as KeyportError {
            guard !repairs.isEmpty else { return nil }
            // Repaired into something keyport does not handle (an SSH.com key, ...): that, as is.
            guard again.kind == .damagedInput else { throw again }
            throw damaged(repairs, again)
        }
        let notes = observation(repairs)
        for i in entries.indices {
            if case var .success(doc) = entries[i].result {
                doc.observations += notes
                entries[i] = KeyEntry(line: entries[i].line, result: .success(doc))
            }
        }
        return entries
    }

    /// The error for text that shows paste damage and does not read once it is undone: it names the
    /// damage, then what is still wrong.
    static func damaged(_ repairs: [String], _ error: KeyportError) -> KeyportError {
        let what = "the key shows paste damage (\(repairs.joined(separator: "; ")))"
        if repairs.contains(where: { $0.hasPrefix(flattenedCutOff) }) {
            return .malformed(format: "pasted key", field: "pasted key", reason: "the armour is flattened onto one line (as in a CI secret or .env file) and has no END line: the key was cut off")
        }
        return .malformed(format: "pasted key", field: "pasted key", reason: "\(what), and with that undone it still does not read: \(error.description)")
    }

    static let flattened = "armour flattened onto one line (as in a CI secret or .env file)"
    static let flattenedCutOff = "armour flattened onto one line without its END line"

    /// Literal `\n`, quotes, CRs, indentation and trailing blanks of armoured text (PEM, openssh-key-v1,
    /// PPK, RFC 4716), then a flattened PEM or OpenSSH armour rebuilt with its line breaks.
    static func normaliseArmoured(_ text: inout [UInt8], repairs: inout [String]) {
        let backslash = UInt8(ascii: "\\"), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        // Literal \n (and \r\n) as JSON, YAML and .env files write line breaks.
        if text.contains([backslash, UInt8(ascii: "n")]), text.filter({ $0 == lf }).count <= 2 {
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var i = 0
            while i < text.count {
                if text[i] == backslash, i + 1 < text.count, text[i + 1] == UInt8(ascii: "n") { out.append(lf); i += 2; continue }
                if text[i] == backslash, i + 1 < text.count, text[i + 1] == UInt8(ascii: "r") { i += 2; continue }
                out.append(text[i])
                i += 1
            }
            SecureBytes.wipe(&text)
            text = out
            repairs.append("line breaks written as \\n (as in a CI secret or .env file)")
        }
        if text.contains(cr) {
            let crlf = text.contains([cr, lf])
            var out: [UInt8] = []
            for (i, b) in text.enumerated() where b != cr || (i + 1 < text.count && text[i + 1] != lf && !crlf) {
                out.append(b == cr ? lf : b)
            }
            SecureBytes.wipe(&text)
            text = out
            repairs.append(crlf ? "CR LF line ends" : "stray carriage returns")
        }
        var lines = LineReader(text, breaks: .lf).map { Array($0.text) }
        // The lines are joined again below: a final line end stays one.
        if text.isEmpty || text.last == lf { lines.append([]) }
        // Quotes around the whole key ("…" in YAML or .env).
        let blankBytes: Set<UInt8> = [0x20, 0x09]
        if let first = lines.firstIndex(where: { !$0.allSatisfy(blankBytes.contains) }),
           let last = lines.lastIndex(where: { !$0.allSatisfy(blankBytes.contains) }) {
            let head = lines[first].drop(while: blankBytes.contains), tail = lines[last].reversed().drop(while: blankBytes.contains)
            if let q = head.first, q == UInt8(ascii: "\"") || q == UInt8(ascii: "'"), tail.first == q, first != last || head.count > 1 {
                lines[first] = Array(head.dropFirst())
                lines[last] = Array(lines[last].reversed().drop(while: blankBytes.contains).dropFirst().reversed())
                repairs.append("quotes around the key")
            }
        }
        var indented = false, trailing = false
        for i in lines.indices {
            let stripped = Array(lines[i].drop(while: blankBytes.contains))
            if stripped.count != lines[i].count, !stripped.isEmpty { indented = true }
            var end = stripped.count
            while end > 0, blankBytes.contains(stripped[end - 1]) { end -= 1 }
            if end != stripped.count, end > 0 { trailing = true }
            lines[i] = Array(stripped[0..<end])
        }
        if indented { repairs.append("indentation (as in YAML or Markdown)") }
        if trailing { repairs.append("trailing spaces or tabs") }
        // A PuTTY key's header must start the file: lines before it (`key: |` in YAML) go.
        if let header = lines.firstIndex(where: { $0.starts(with: Array("PuTTY-User-Key-File-".utf8)) }),
           lines[..<header].contains(where: { !$0.isEmpty }) {
            lines.removeFirst(header)
            repairs.append("text before the key (as in a .env or YAML file)")
        }
        text = Array(lines.joined(separator: [lf]))
        rebuildFlattenedArmour(&text, repairs: &repairs)
    }

    /// `-----BEGIN L----- body -----END L-----` on one line (or its body run together with blanks):
    /// the armour with one header per line, a blank line after headers and the body wrapped at the
    /// width its tool writes (70 for openssh-key-v1, 64 for PEM). Text outside the armour is dropped.
    static func rebuildFlattenedArmour(_ text: inout [UInt8], repairs: inout [String]) {
        let string = String(decoding: text, as: UTF8.self)
        guard let begin = string.firstRange(of: "-----BEGIN ") else { return }
        let afterBegin = string[begin.upperBound...]
        let label = afterBegin.prefix { $0 != "-" }
        guard afterBegin.dropFirst(label.count).hasPrefix("-----") else { return }
        let beginMarker = "-----BEGIN \(label)-----", endMarker = "-----END \(label)-----"
        let rest = string[begin.lowerBound...].dropFirst(beginMarker.count)
        // Flattened: the BEGIN line goes on after its marker. Wrapped: text before the marker on its
        // line (`KEY="-----BEGIN …` in a .env file).
        let flat = !(rest.first == "\n" || rest.isEmpty)
        // Text before the armour: on its line (`KEY="-----BEGIN …`) or on lines before it (`key: |`
        // in YAML). OpenSSH's armour must start the file; PEM readers skip such text anyway.
        let before = string[..<begin.lowerBound]
        let sameLine = before.reversed().prefix { $0 != "\n" }.contains { !$0.isWhitespace }
        let wrapped = sameLine || label == "OPENSSH PRIVATE KEY" && before.contains { !$0.isWhitespace }
        guard flat || wrapped else { return }
        guard let endRange = rest.firstRange(of: endMarker) else {
            if flat { repairs.append(flattenedCutOff) }
            return
        }
        var tokens = rest[..<endRange.lowerBound].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var headers: [String] = []
        while tokens.count >= 2, tokens[0].hasSuffix(":"), tokens[0].dropLast().allSatisfy({ $0.isLetter || $0 == "-" }) {
            headers.append("\(tokens[0]) \(tokens[1])")
            tokens.removeFirst(2)
        }
        var body = Array(tokens.joined().utf8)
        defer { SecureBytes.wipe(&body) }
        guard !body.isEmpty, body.allSatisfy(Base64.isAlphabet) else { return }
        let width = label == "OPENSSH PRIVATE KEY" ? 70 : 64
        var out = Array((beginMarker + "\n").utf8)
        for header in headers { out += Array((header + "\n").utf8) }
        if !headers.isEmpty { out.append(0x0A) }
        var i = 0
        while i < body.count {
            out += body[i..<min(i + width, body.count)]
            out.append(0x0A)
            i += width
        }
        out += Array((endMarker + "\n").utf8)
        SecureBytes.wipe(&text)
        text = out
        if flat {
            // Trailing blanks of a one-line key are what its line breaks became: one repair, not two.
            repairs.removeAll { $0 == "trailing spaces or tabs" }
            repairs.append(flattened)
        }
        if wrapped { repairs.append("text before the key (as in a .env or YAML file)") }
    }
}

extension OpenSSHPublicFormat {
    /// A public key whose base64 was split by blanks or line breaks: `type b64 b64 … [comment]`, the
    /// pieces joined, the first join that decodes in full to a key of the line's type wins; or bare
    /// base64 with no type word (PuTTYgen's window, an RFC 4716 body without its armour). Nil
    /// when no join is such a key. `pieces` are the blank-separated words of the text.
    static func joinedKey(_ pieces: [ArraySlice<UInt8>]) -> (key: PublicKey, commentStart: Int)? {
        guard let first = pieces.first else { return nil }
        let word = String(decoding: first, as: UTF8.self)
        if let (algorithm, isCertificate) = KeyAlgorithm.lineWord(word) {
            var base64: [UInt8] = []
            for k in 1..<pieces.count {
                guard pieces[k].allSatisfy(Base64.isAlphabet) else { break }
                base64 += pieces[k]
                // k == 1 is the line as written, which the caller already failed to read.
                guard k >= 2, base64.count % 4 == 0, let blob = Base64.decode(base64),
                      let key = try? PublicKey(blob: blob), key.algorithm == algorithm, (key.certificate != nil) == isCertificate else { continue }
                return (key, k + 1)
            }
            return nil
        }
        guard pieces.allSatisfy({ $0.allSatisfy(Base64.isAlphabet) }) else { return nil }
        let base64 = Array(pieces.joined())
        guard base64.count % 4 == 0, let blob = Base64.decode(base64), let key = try? PublicKey(blob: blob) else { return nil }
        return (key, pieces.count)
    }
}

extension OpenSSHPublicFormat {
    /// The lines of a file of public keys as `read` returns them, after joining what paste split:
    /// each run of consecutive lines that are not keys is searched for RFC 4716 blocks and for a
    /// key wrapped over its lines (or bare base64), each read as one key at its first line, with
    /// a `pastedRepair` observation. A private key's armour among the lines is one failure.
    static func readJoining(_ bytes: [UInt8]) throws -> [KeyEntry] {
        var entries: [KeyEntry] = []
        var run: [(number: Int, text: ArraySlice<UInt8>, error: KeyportError)] = []
        func flush() {
            entries += joinRun(run)
            run.removeAll()
        }
        for line in LineReader(bytes, breaks: .lf) {
            switch parseLine(line.text, lineNumber: line.number) {
            case .skip:
                // A blank or comment line ends a run (wrapped keys and RFC 4716 blocks have none).
                flush()
            case let .key(doc):
                flush()
                entries.append(KeyEntry(line: line.number, result: .success(doc)))
            case let .failure(error):
                run.append((line.number, line.text, error))
            }
        }
        flush()
        var fold = ExposedArmourFold()
        entries = entries.filter { entry in
            guard case let .failure(error) = entry.result else { return true }
            return fold.keep(line: entry.line, error)
        }
        if entries.allSatisfy({ if case .failure = $0.result { return true } else { return false } }),
           let error = KeyFile.noKeyError(head: bytes, failedLines: entries.count) {
            throw error
        }
        return entries
    }

    /// A run of failed lines: RFC 4716 blocks and wrapped keys in it read, the rest still failures.
    static func joinRun(_ run: [(number: Int, text: ArraySlice<UInt8>, error: KeyportError)]) -> [KeyEntry] {
        guard !run.isEmpty else { return [] }
        func trimmed(_ i: Int) -> String {
            String(String(decoding: run[i].text, as: UTF8.self).trimmingBlanks())
        }
        var out: [KeyEntry] = []
        var i = 0
        var pending: [Int] = []
        func flushPending() {
            defer { pending.removeAll() }
            guard !pending.isEmpty else { return }
            var pieces: [ArraySlice<UInt8>] = []
            for k in pending {
                pieces += run[k].text.split(whereSeparator: { $0 == space || $0 == tab || $0 == cr })
            }
            if pieces.isEmpty {
                out += pending.map { KeyEntry(line: run[$0].number, result: .failure(run[$0].error)) }
            } else if pending.count > 1 || pieces.count > 2, let (key, commentStart) = joinedKey(pieces) {
                let comment = Array(pieces[min(commentStart, pieces.count)...].joined(separator: [space]))
                var doc = KeyDocument(format: .opensshPublic, content: .publicKey(key), line: run[pending[0]].number)
                doc.commentBytes = comment
                doc.verbatimComment = comment
                let typed = KeyAlgorithm.lineWord(String(decoding: pieces[0], as: UTF8.self)) != nil
                let what = !typed ? "a public key without its type word (the base64 alone, as PuTTYgen shows it)"
                    : pending.count > 1 ? "a public key line wrapped over \(pending.count) lines (as an e-mail client or terminal does)"
                    : "a public key whose base64 is split by blanks"
                doc.observations = PasteRepair.observation([what])
                out.append(KeyEntry(line: doc.line, result: .success(doc)))
            } else if pending.count > 1, let type = KeyAlgorithm.lineWord(String(decoding: pieces[0], as: UTF8.self)),
                      pending.dropFirst().allSatisfy({ k in run[k].text.split(whereSeparator: { $0 == space || $0 == tab }).first?.allSatisfy(Base64.isAlphabet) == true }) {
                // A key line and lines of base64 after it that do not join into the key: name that.
                let name = type.isCertificate ? type.algorithm.sshName + " certificate" : type.algorithm.sshName
                out.append(KeyEntry(line: run[pending[0]].number, result: .failure(.malformed(
                    format: "public key line", field: "key",
                    reason: "the key is wrapped over \(pending.count) lines (as an e-mail client or terminal does) and the pieces do not join into a key of type \(name): part of it is missing or changed"))))
            } else {
                out += pending.map { KeyEntry(line: run[$0].number, result: .failure(run[$0].error)) }
            }
        }
        while i < run.count {
            guard trimmed(i) == RFC4716Format.begin,
                  let end = (i..<run.count).first(where: { trimmed($0) == RFC4716Format.end }) else {
                pending.append(i)
                i += 1
                continue
            }
            flushPending()
            let block = Array(run[i...end].map(\.text).joined(separator: [lf]))
            if var doc = try? RFC4716Format.decode(block).first {
                doc.line = run[i].number
                doc.observations += PasteRepair.observation(["RFC 4716 text where OpenSSH public key lines are expected (sshd and ssh-keygen -l skip it)"])
                out.append(KeyEntry(line: doc.line, result: .success(doc)))
            } else {
                out += run[i...end].map { KeyEntry(line: $0.number, result: .failure($0.error)) }
            }
            i = end + 1
        }
        flushPending()
        return out
    }
}
