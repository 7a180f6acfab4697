// What `fingerprint` prints for one key: the `ssh-keygen -l` line (with the randomart of `-lv`), or
// one JSON object. This is the one renderer of both; `LineFingerprinter` is a faster way to the same
// bytes for plain lines, and a differential test holds the two together.
//
//   text:  bits SP fingerprint SP comment-or-"no comment" SP "(" TYPE ")" LF   (ssh-keygen.c do_fingerprint)
//   json:  {"file":…,"line":…,…} LF, its fields in the order of `FingerprintStyle.jsonFields`

/// How `fingerprint` writes each key.
public struct FingerprintStyle: Sendable, Equatable {
    /// The hash of the text line and the randomart (`-E`).
    public var hash: FingerprintHash
    /// Also draw the randomart picture, as `ssh-keygen -lv`.
    public var randomart: Bool
    /// One JSON object per key per line instead of `ssh-keygen -l` lines.
    public var json: Bool

    /// A style; the default is ssh-keygen's: SHA-256, text, no picture.
    public init(hash: FingerprintHash = .sha256, randomart: Bool = false, json: Bool = false) {
        self.hash = hash
        self.randomart = randomart
        self.json = json
    }

    /// One field of a `fingerprint --json` object.
    public enum JSONField: Sendable, Equatable {
        /// The path as given (`-` for standard input).
        case file
        /// The line in a line file, else null.
        case line
        /// The SSH type name (the certificate type for certificates).
        case type
        /// Bits as ssh-keygen counts them.
        case bits
        /// The comment, trailing blanks removed.
        case comment
        /// The fingerprint with this hash, named after it (`"sha256":"SHA256:…"`).
        case fingerprint(FingerprintHash)
        /// The format name (`openssh-public`, `authorized_keys`, …).
        case format
        /// authorized_keys options; left out when the line has none.
        case options
        /// known_hosts host patterns; left out when the line has none.
        case hosts
        /// The known_hosts marker (`@cert-authority`, `@revoked`); left out when there is none.
        case marker
        /// The randomart picture of `-v`, lines joined by newlines.
        case randomart

        /// The `.pub` file the comment was taken from; left out when the key's own file holds it.
        case commentFrom

        /// The member name in the object.
        public var name: String {
            switch self {
            case .file: return "file"
            case .line: return "line"
            case .type: return "type"
            case .bits: return "bits"
            case .comment: return "comment"
            case .commentFrom: return "comment_from"
            case let .fingerprint(hash): return hash.jsonName
            case .format: return "format"
            case .options: return "options"
            case .hosts: return "hosts"
            case .marker: return "marker"
            case .randomart: return "randomart"
            }
        }

        /// What an object says when the key has no such value: nothing (the member is left out)
        /// or `null`.
        public var nullWhenAbsent: Bool { self == .line || self == .comment }
    }

    /// The members of every JSON object, in order. Both encoders (`FingerprintOutput.json` and
    /// `LineFingerprinter`'s fast path) write from this list, so a change here changes both.
    /// SHA-256 always; `-E md5|sha1|sha512|…` adds that hash, `-v` the randomart. MD5 is not
    /// there by default: it is a legacy form ssh-keygen shows only on request, and on CPUs with
    /// SHA-NI it would cost as much as everything else `--json` adds (Benchmarks/MEASUREMENTS.md).
    public var jsonFields: [JSONField] {
        var fields: [JSONField] = [.file, .line, .type, .bits, .comment, .commentFrom, .fingerprint(.sha256)]
        if hash != .sha256 { fields.append(.fingerprint(hash)) }
        if randomart, hash.isSSHKeygen { fields.append(.randomart) }
        return fields + [.format, .options, .hosts, .marker]
    }

    /// The name under which the input at `path` appears in output (the `file` member).
    public static func fileName(_ path: String) -> String { FileIO.displayName(path) }
}

/// The `ssh-keygen -l` line and the JSON object of a key, as `keyport fingerprint` prints them.
public enum FingerprintOutput {
    /// The output for one key of `document` read from `path`: one text line (plus the randomart
    /// when asked), or one JSON line. Empty for known_hosts marker lines in text, which
    /// `ssh-keygen -l` skips. Another tool's kind (`spki-sha256`, `aws-md5`, `aws-sha1`) takes the
    /// place of the hash in the same line; it has no randomart.
    ///
    /// - Throws: when the key has no fingerprint of that kind (see `PublicKey.fingerprint(_:privateKey:)`).
    public static func render(_ key: PublicKey, document doc: KeyDocument, path: String, style: FingerprintStyle) throws -> String {
        if style.json { return try json(key, document: doc, path: path, style: style) + "\n" }
        // ssh-keygen skips @cert-authority/@revoked lines (it skips only one token before the key).
        if doc.marker != nil { return "" }
        var line = "\(key.bits) \(try key.fingerprint(style.hash, privateKey: doc.privateKey)) \(label(doc, path: path)) (\(key.displayType))\n"
        if style.randomart, style.hash.isSSHKeygen { line += Randomart.render(key, hash: style.hash) + "\n" }
        return line
    }

    /// The JSON object (without newline) for one key, members in `style.jsonFields` order.
    public static func json(_ key: PublicKey, document doc: KeyDocument, path: String, style: FingerprintStyle) throws -> String {
        var members: [(String, JSON)] = []
        for field in style.jsonFields {
            let value: JSON?
            switch field {
            case .file: value = .string(FingerprintStyle.fileName(path))
            case .line: value = doc.keyLine.map { .int($0) }
            case .type: value = .string(key.sshType)
            case .bits: value = .int(key.bits)
            // null when the comment is unknown (encrypted, no .pub beside it); bytes that are not
            // UTF-8 in ssh-keygen's escaped form, never as U+FFFD.
            case .comment: value = doc.knownCommentBytes.map { .string(jsonText($0)) }
            case .commentFrom:
                if case let .publicFile(pubPath) = doc.commentSource { value = .string(pubPath) } else { value = nil }
            case let .fingerprint(hash): value = .string(try key.fingerprint(hash, privateKey: doc.privateKey))
            case .format: value = .string(doc.format.rawValue)
            case .options: value = doc.optionList.map { .array($0.map { .string($0) }) }
            case .hosts: value = doc.hostPatterns.map { .array($0.map { .string($0) }) }
            case .marker: value = doc.marker.map { .string($0) }
            case .randomart: value = .string(Randomart.render(key, hash: style.hash))
            }
            if let value { members.append((field.name, value)) } else if field.nullWhenAbsent { members.append((field.name, .null)) }
        }
        return JSON.object(members).serialized
    }

    /// What `ssh-keygen -l` prints as the comment of a key read from `path`.
    public static func label(_ doc: KeyDocument, path: String) -> String {
        if !doc.isPrivate {
            // Line-oriented files: the trailing comment unless it starts with '#', else the options or
            // host token before the key, else "no comment" (ssh-keygen.c do_fingerprint).
            let comment = doc.verbatimComment ?? doc.commentBytes
            if !comment.isEmpty, comment.first != UInt8(ascii: "#") { return visEscaped(comment) }
            return (doc.verbatimLeading ?? (doc.options ?? doc.hosts).map { Array($0.utf8) }).map(visEscaped) ?? "no comment"
        }
        // Private key files (ssh-keygen.c fingerprint_private): the comment of FILE.pub when it holds
        // the same key, else the comment stored in an unencrypted openssh-key-v1 file (which may be
        // empty: the two-space form), else "no comment". PEM stores no comment; PPK keeps its own.
        // A FILE.pub whose line has no comment names itself (authfile.c sshkey_try_load_public), and
        // its comment is the rest of the line up to the first CR, trailing blanks kept.
        // The caller resolves the .pub (`KeyDocument.withCommentFromPublicFile(beside:always: true)`).
        switch (doc.commentSource, doc.format) {
        case let (.publicFile(pubPath), _):
            let verbatim = doc.verbatimComment ?? doc.commentBytes
            return visEscaped(verbatim.isEmpty ? Array(pubPath.utf8) : verbatim)
        case (.unknown, _): return "no comment"
        case (.file, .opensshPrivate): return visEscaped(doc.commentBytes)
        case (.file, _): return doc.commentBytes.isEmpty ? "no comment" : visEscaped(doc.commentBytes)
        }
    }

    /// Comment bytes as JSON text: as they are when UTF-8, else in `visEscaped` form (JSON holds
    /// only Unicode text; U+FFFD would lose the bytes).
    public static func jsonText(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) ?? visEscaped(bytes)
    }

    /// Untrusted text as printed: `SafeText`'s rule (OpenSSH's `\ooo` escaping, which ssh-keygen -l
    /// applies to every control character but tab, CR and LF; keyport escapes CR and LF too).
    /// A CR that ends the text is the CR of a CRLF line: it stays raw, as in ssh-keygen's output
    /// (only keyport's own " (TYPE)" follows it, so it cannot forge anything).
    public static func visEscaped(_ text: String) -> String { visEscaped(Array(text.utf8)) }

    /// `visEscaped` of raw bytes (a comment as it stood in the file, perhaps not UTF-8).
    public static func visEscaped(_ bytes: [UInt8]) -> String {
        guard bytes.last == 0x0d else { return SafeText.escape(bytes: bytes) }
        return SafeText.escape(bytes: bytes.dropLast()) + "\r"
    }
}
