// OpenSSH public-key lines, authorized_keys and known_hosts (sshd(8), OpenSSH sshkey.c sshkey_read,
// ssh-keygen.c do_fingerprint, hostfile.c).
//
//   public line:      keytype SP base64(blob) [SP comment]
//   authorized_keys:  [options SP] keytype SP base64 [SP comment]
//   known_hosts:      [@marker SP] hostpatterns SP keytype SP base64 [SP comment]
//
// Blank lines and lines starting with '#' (after leading blanks) are skipped. Options may hold
// quoted values with spaces and \" escapes. Lines may end in LF or CRLF; the last may lack one.

/// What one line of a public-key file holds.
public enum PublicLine: Sendable {
    /// Blank or comment line.
    case skip
    /// A key, with its options, hosts, marker and comment.
    case key(KeyDocument)
    /// A line that is not a valid key (reported with its line number).
    case failure(KeyportError)
}

/// OpenSSH public-key lines: `.pub` files, authorized_keys and known_hosts.
public enum OpenSSHPublicFormat {
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), hash = UInt8(ascii: "#")

    /// authorized_keys option keywords (sshd(8)); anything else in front of a key is read as host patterns.
    static let optionNames: Set<String> = [
        "agent-forwarding", "cert-authority", "command", "environment", "expiry-time", "from",
        "no-agent-forwarding", "no-port-forwarding", "no-pty", "no-user-rc", "no-x11-forwarding",
        "permitlisten", "permitopen", "port-forwarding", "principals", "pty", "no-touch-required",
        "verify-required", "restrict", "tunnel", "user-rc", "x11-forwarding",
    ]

    /// Does this look like the start of an OpenSSH public line (a known key type token first)?
    static func startsWithKeyType(_ bytes: ArraySlice<UInt8>) -> Bool {
        let token = bytes.prefix(while: { $0 != space && $0 != tab })
        guard token.count < bytes.count else { return false }
        return KeyAlgorithm.lineWord(String(decoding: token, as: UTF8.self)) != nil
    }

    /// Is `word` the key-type word of a key line of a type keyport does not know? It must look like
    /// an SSH algorithm name (lowercase letters, digits and '-', then an optional `@domain`; host
    /// names have dots before any '@') and be followed by a base64 token.
    static func isUnknownKeyType(_ word: ArraySlice<UInt8>, before next: ArraySlice<UInt8>) -> Bool {
        let name = word.prefix { $0 != UInt8(ascii: "@") }
        return name.contains(UInt8(ascii: "-")) && name.count < 64 && next.count >= 16
            && name.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d })
            && word.dropFirst(name.count).allSatisfy({ $0 > 0x20 && $0 < 0x7f })
            && next.allSatisfy({ Base64.isAlphabet($0) || $0 == UInt8(ascii: "=") || $0 == cr })
            && KeyAlgorithm.lineWord(String(decoding: word, as: UTF8.self)) == nil
    }

    /// Parses `keytype base64 [comment]` at the start of `text` (sshkey_read). Returns the key and the
    /// index where the comment starts.
    static func parseKey(_ text: ArraySlice<UInt8>) throws -> (PublicKey, Int) {
        var i = text.startIndex
        let end = text.endIndex
        while i < end, text[i] != space, text[i] != tab { i += 1 }
        let typeToken = String(decoding: text[text.startIndex..<i], as: UTF8.self)
        guard i < end else {
            throw KeyportError.malformed(format: "public key line", field: "key", reason: "no key after \"\(PublicKey.printable(typeToken))\"")
        }
        guard let (algorithm, isCertificate) = KeyAlgorithm.lineWord(typeToken) else {
            throw KeyportError.unsupported("unknown key type \"\(PublicKey.printable(typeToken))\"", reason: .keyType)
        }
        while i < end, text[i] == space || text[i] == tab { i += 1 }
        let b64Start = i
        while i < end, text[i] != space, text[i] != tab { i += 1 }
        var b64 = text[b64Start..<i]
        while let last = b64.last, last == cr { b64 = b64.dropLast() }
        guard !b64.isEmpty else {
            throw KeyportError.malformed(format: "public key line", field: "key", reason: "missing base64 key data after \(typeToken)")
        }
        // OpenSSH's b64_pton wants whole 4-character groups: padding exactly where a group is short,
        // never missing, never extra. keyport reads key lines as strictly as sshd does.
        guard b64.count % 4 == 0, let blob = Base64.decode(b64) else {
            throw KeyportError.malformed(format: "public key line", field: "key", reason: "the key data is not valid base64")
        }
        let key = try PublicKey(blob: blob)
        guard key.algorithm == algorithm, (key.certificate != nil) == isCertificate else {
            throw KeyportError.malformed(format: "public key line", field: "key type", reason: "line says \(typeToken) but the key data is \(key.sshType)")
        }
        while i < end, text[i] == space || text[i] == tab { i += 1 }
        return (key, i)
    }

    /// The end of a leading token, honouring double quotes and \" as sshd and ssh-keygen do.
    static func skipToken(_ text: ArraySlice<UInt8>) -> Int? {
        var i = text.startIndex
        var quoted = false
        while i < text.endIndex, quoted || (text[i] != space && text[i] != tab) {
            if text[i] == backslash, i + 1 < text.endIndex, text[i + 1] == quote {
                i += 1
            } else if text[i] == quote {
                quoted.toggle()
            }
            i += 1
        }
        return quoted || i >= text.endIndex ? nil : i
    }

    /// True when every comma-separated element of the token is an authorized_keys option.
    static func looksLikeOptions(_ token: String) -> Bool {
        var names: [Substring] = []
        var current = Substring("")
        var quoted = false
        var start = token.startIndex
        var index = token.startIndex
        while index < token.endIndex {
            let c = token[index]
            if c == "\"" { quoted.toggle() }
            if c == ",", !quoted {
                current = token[start..<index]
                names.append(current)
                start = token.index(after: index)
            }
            index = token.index(after: index)
        }
        names.append(token[start..<token.endIndex])
        return names.allSatisfy { element in
            let name = element.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            return optionNames.contains(name)
        }
    }

    /// Parses one line (without its line terminator).
    public static func parseLine(_ raw: ArraySlice<UInt8>, lineNumber: Int) -> PublicLine {
        // Notepad's byte-order mark before a line: read past it, and say so (Pasted.swift).
        guard raw.starts(with: PasteRepair.byteOrderMark) else { return parseLineAsWritten(raw, lineNumber: lineNumber) }
        let result = parseLineAsWritten(raw.dropFirst(3), lineNumber: lineNumber)
        if case let .failure(error) = result, error.kind == .damagedInput {
            return .failure(.malformed(format: "public key line", field: "line", reason: "after a UTF-8 byte-order mark (as Notepad saves it), which was skipped: \(error.description)"))
        }
        guard case var .key(doc) = result else { return result }
        doc.observations += PasteRepair.observation(["a UTF-8 byte-order mark before the key (as Notepad saves it)"])
        return .key(doc)
    }

    static func parseLineAsWritten(_ raw: ArraySlice<UInt8>, lineNumber: Int) -> PublicLine {
        var line = raw
        var start = line.startIndex
        while start < line.endIndex, line[start] == space || line[start] == tab { start += 1 }
        line = line[start...]
        guard let first = line.first, first != hash, !line.allSatisfy({ $0 == cr || $0 == space || $0 == tab }) else { return .skip }
        // Private key armour pasted among public key lines: named, never echoed (Pasted.swift).
        if let exposed = exposedArmourStart(line) { return .failure(exposed) }
        if endsPrivateArmour(line) { return .failure(privateArmourEnd) }

        var marker: String?
        if first == UInt8(ascii: "@") {
            guard let end = skipToken(line) else {
                return .failure(.malformed(format: "known_hosts", field: "marker", reason: "nothing after the marker"))
            }
            let word = String(decoding: line[line.startIndex..<end], as: UTF8.self)
            guard word == "@cert-authority" || word == "@revoked" else {
                return .failure(.malformed(format: "known_hosts", field: "marker", reason: "unknown marker \(PublicKey.printable(word))"))
            }
            marker = word
            var i = end
            while i < line.endIndex, line[i] == space || line[i] == tab { i += 1 }
            line = line[i...]
        }

        var leading: [UInt8]?
        var key: PublicKey
        var commentStart: Int
        var bareError: KeyportError?
        if marker == nil, startsWithKeyType(line) {
            do {
                (key, commentStart) = try parseKey(line)
                return .key(makeDocument(key, line: line, commentStart: commentStart, lineNumber: lineNumber, leading: nil, marker: nil))
            } catch let error as KeyportError {
                bareError = error
            } catch {
                bareError = .malformed(format: "public key line", field: "key", reason: "\(error)")
            }
            // The base64 split by blanks (a paste): joined when the pieces make the key (Pasted.swift).
            let pieces = line.split(whereSeparator: { $0 == space || $0 == tab || $0 == cr })
            if pieces.count > 2, let (key, commentStart) = joinedKey(pieces) {
                let comment = Array(pieces[min(commentStart, pieces.count)...].joined(separator: [space]))
                var doc = KeyDocument(format: .opensshPublic, content: .publicKey(key), line: lineNumber)
                doc.commentBytes = comment
                doc.verbatimComment = comment
                doc.observations = PasteRepair.observation(["a public key whose base64 is split by blanks"])
                return .key(doc)
            }
        }
        if marker == nil, isSSH1(line) {
            return .failure(.unsupported("SSH-1 key: obsolete, not supported for conversion", reason: .ssh1))
        }
        guard let end = skipToken(line) else {
            return .failure(bareError ?? .malformed(format: "public key line", field: "line", reason: "no key found (an unterminated quote or a single word)"))
        }
        leading = Array(line[line.startIndex..<end])
        var i = end
        while i < line.endIndex, line[i] == space || line[i] == tab { i += 1 }
        let rest = line[i...]
        guard startsWithKeyType(rest) else {
            if let bareError { return .failure(bareError) }
            let token = rest.prefix(while: { $0 != space && $0 != tab })
            if token.isEmpty {
                return .failure(.malformed(format: "public key line", field: "line", reason: "no key found"))
            }
            if let leading, isUnknownKeyType(leading[...], before: token) {
                return .failure(.unsupported("unknown key type \"\(PublicKey.printable(String(decoding: leading, as: UTF8.self)))\"", reason: .keyType))
            }
            // A long base64 token here may be a line of private key material: describe, never echo.
            if token.count >= 16, token.allSatisfy({ Base64.isAlphabet($0) }) {
                return .failure(.malformed(format: "public key line", field: "line", reason: "no key type before a base64 token"))
            }
            return .failure(.unsupported("unknown key type \"\(PublicKey.printable(String(decoding: token, as: UTF8.self)))\"", reason: .keyType))
        }
        do {
            (key, commentStart) = try parseKey(rest)
        } catch let error as KeyportError {
            return .failure(error)
        } catch {
            return .failure(.malformed(format: "public key line", field: "key", reason: "\(error)"))
        }
        return .key(makeDocument(key, line: rest, commentStart: commentStart, lineNumber: lineNumber, leading: leading, marker: marker))
    }

    /// SSH-1 public keys are `bits exponent modulus [comment]`, all decimal.
    static func isSSH1(_ line: ArraySlice<UInt8>) -> Bool {
        let tokens = line.split(separator: space, maxSplits: 3, omittingEmptySubsequences: true)
        guard tokens.count >= 3 else { return false }
        return tokens.prefix(3).allSatisfy { $0.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }

    static func makeDocument(_ key: PublicKey, line: ArraySlice<UInt8>, commentStart: Int, lineNumber: Int, leading leadingBytes: [UInt8]?, marker: String?) -> KeyDocument {
        var comment = line[commentStart...]
        let verbatim = Array(comment)
        while let last = comment.last, last == space || last == tab || last == cr { comment = comment.dropLast() }
        var format = FormatID.opensshPublic
        var doc = KeyDocument(format: format, content: .publicKey(key), line: lineNumber)
        doc.commentBytes = Array(comment)
        doc.verbatimComment = verbatim
        doc.verbatimLeading = leadingBytes
        if let leadingBytes {
            let leading = String(decoding: leadingBytes, as: UTF8.self)
            if marker == nil, looksLikeOptions(leading) {
                format = .authorizedKeys
                doc.options = leading
            } else {
                format = .knownHosts
                doc.hosts = leading
            }
        }
        if marker != nil { format = .knownHosts }
        doc.format = format
        doc.marker = marker
        return doc
    }

    /// Splits a whole file into lines and parses each; `body` gets every key or failure in order.
    public static func decodeLines(_ bytes: [UInt8], _ body: (Int, PublicLine) -> Void) {
        for line in LineReader(bytes, breaks: .lf) {
            let result = parseLine(line.text, lineNumber: line.number)
            if case .skip = result {} else { body(line.number, result) }
        }
    }

    /// The `.pub` line for a key: `type base64 comment`; ssh-keygen writes a trailing space when the
    /// comment is empty, and so does keyport.
    public static func encode(_ key: PublicKey, comment: String) -> String {
        "\(key.sshType) \(Base64.encode(key.blob)) \(comment)\n"
    }

    /// The line as bytes, the comment written unchanged (it need not be UTF-8). `blankWhenEmpty`
    /// keeps the blank after the key when there is no comment, as in the .pub files ssh-keygen
    /// writes; without it the line is as `ssh-keygen -y` prints it.
    public static func encode(_ key: PublicKey, comment: [UInt8], blankWhenEmpty: Bool) -> [UInt8] {
        var line = Array("\(key.sshType) \(Base64.encode(key.blob))".utf8)
        if blankWhenEmpty || !comment.isEmpty { line.append(space) }
        return line + comment + [lf]
    }

    /// The line as `ssh-keygen -y` and `ssh-keygen -i` print it: no blank after the key when there is
    /// no comment (`encode` keeps that blank, as ssh-keygen writes a new key's .pub file).
    public static func encodeLine(_ key: PublicKey, comment: String) -> String {
        comment.isEmpty ? "\(key.sshType) \(Base64.encode(key.blob))\n" : encode(key, comment: comment)
    }
}
