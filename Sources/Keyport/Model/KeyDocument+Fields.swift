// The document's fields as every keyport output presents them (schema/keyport.schema.json): lists as
// lists, "unknown" as nil, one meaning of `line` and one name for standard input in every command.
// Kept in one place so that inspect, fingerprint and lint cannot drift apart.

extension FormatID {
    /// True for files of key lines (one key per line, each with its own line number): OpenSSH
    /// public keys, authorized_keys and known_hosts. Every other format is one key per file or per
    /// armoured block.
    public var isLineOriented: Bool {
        switch self {
        case .opensshPublic, .authorizedKeys, .knownHosts: return true
        default: return false
        }
    }

    /// True when the format has a place for a comment (PEM, PKCS#8, SPKI and DER have none).
    public var storesComment: Bool {
        switch self {
        case .opensshPublic, .authorizedKeys, .knownHosts, .rfc4716, .opensshPrivate, .ppk: return true
        case .pemTraditional, .pkcs8, .pkcs8Encrypted, .spki, .pkcs1Public: return false
        }
    }
}

extension KeyDocument {
    /// The 1-based line where the key starts in a file of key lines or of several armoured keys;
    /// nil when the key is the whole file (`KeyFile.read` leaves no line there), so that `line`
    /// means one thing in every command.
    public var keyLine: Int? { line }

    /// The comment's bytes when they are known: nil when the format stores no comment (PEM, PKCS#8)
    /// or keeps it encrypted and the key was not unlocked (`CommentSource.unknown`); empty is a
    /// comment known to be empty. A comment taken from `FILE.pub` is known. JSON's `comment` is
    /// this, so "no comment" has one meaning in every command.
    public var knownCommentBytes: [UInt8]? {
        switch commentSource {
        case .unknown: return nil
        case .publicFile: return commentBytes
        case .file: return format.storesComment ? commentBytes : nil
        }
    }

    /// `knownCommentBytes` as text (invalid UTF-8 shows as U+FFFD; print the bytes escaped instead).
    public var knownComment: String? { knownCommentBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// authorized_keys options, one item per option as written (`no-pty`, `command="a,b"`): the
    /// options token split at commas outside double quotes.
    public var optionList: [String]? { options.map { Self.splitAtCommas($0) } }

    /// known_hosts host patterns, one item per pattern (`[host]:2222`, `!*.example.org`, `|1|…`).
    public var hostPatterns: [String]? { hosts.map { Self.splitAtCommas($0) } }

    /// Splits at commas that are not inside double quotes (a backslash escapes a quote), dropping
    /// empty items.
    static func splitAtCommas(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in text {
            if c == ",", !quoted {
                if !current.isEmpty { items.append(current) }
                current = ""
                continue
            }
            if c == "\"", !escaped { quoted.toggle() }
            escaped = c == "\\" && !escaped
            current.append(c)
        }
        if !current.isEmpty { items.append(current) }
        return items
    }
}

extension FileIO {
    /// How standard input (`-`) is named in every output, text and JSON alike, and in messages.
    public static let standardInputName = "(stdin)"

    /// The name of an input path in output: the path as given, `(stdin)` for `-`.
    public static func displayName(_ path: String) -> String { path == "-" ? standardInputName : path }
}
