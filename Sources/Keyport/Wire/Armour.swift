// The one armour reader of the text formats: BEGIN and END lines around optional headers and a
// base64 body, over the lines of `LineReader`.
//
//   -----BEGIN RSA PRIVATE KEY-----          RFC 7468 (PEM); RFC 1421 §4.6 headers
//   Proc-Type: 4,ENCRYPTED
//   DEK-Info: AES-128-CBC,8A3C…
//                                            a blank line ends the headers
//   MIIEow…                                  base64, whitespace between characters skipped
//   -----END RSA PRIVATE KEY-----
//
//   ---- BEGIN SSH2 PUBLIC KEY ----          RFC 4716 §3: `Tag: value` headers, a trailing '\'
//   Comment: "a very long comment that \    continues the header on the next line
//   goes on here"
//   AAAAB3NzaC1yc2E…
//   ---- END SSH2 PUBLIC KEY ----
//
// The dialects differ where their peers differ, and keyport matches each peer: OpenSSL's PEM
// reader refuses a BEGIN inside a block and an END of another label; sshkey.c (private2_uudecode)
// reads openssh-key-v1 with no headers and ends the body at the first line that starts with its
// END marker; RFC 4716 files know one label and continue headers with '\'. What a format makes of
// a block (its observations, its messages) stays in its codec.

/// The armour dialect of a format (see the file's comment).
enum ArmourDialect: Sendable {
    /// PEM (RFC 7468, RFC 1421 headers): lines end in LF, CR LF or CR; text between blocks is skipped.
    case pem
    /// openssh-key-v1 as sshkey.c reads it: LF lines, no headers, END by prefix.
    case openssh
    /// RFC 4716: lines end in LF, CR LF or CR; headers continue with '\'.
    case rfc4716

    var breaks: LineBreaks { self == .openssh ? .lf : .anyNewline }
    /// Before and after `BEGIN label` / `END label` on a marker line.
    var markers: (open: String, close: String) { self == .rfc4716 ? ("---- ", " ----") : ("-----", "-----") }
}

/// What went wrong inside a block; each format words it in its own message.
enum ArmourError: Error, Equatable {
    /// The END line of another label (line number, the label found). PEM only.
    case endMismatch(line: Int, found: String)
    /// A BEGIN line inside the block (line number). PEM only.
    case beginInside(line: Int)
    /// The input ends before the block's END line.
    case noEnd
}

/// A header of an armoured block: `Name: value`, its continuation lines joined.
struct ArmourHeader {
    /// The name as written, without blanks around it.
    var name: String
    /// The value without blanks around it (RFC 4716 continuations joined, their '\' removed).
    var value: String
    /// The header's first line.
    var number: Int
    /// The byte length of its first line as text (RFC 4716 counts lines of at most 72 bytes).
    var length: Int
}

/// The armour reader: finds BEGIN lines, then reads a block's headers and body up to its END line.
/// The body's lines stay slices of the input until `decodedBody` decodes them into `SecureBytes`.
struct ArmourReader<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    typealias Line = TextLine<Bytes.SubSequence>

    /// A block: its label, headers, body lines, and its BEGIN and END lines.
    struct Block {
        var label: String
        var headers: [ArmourHeader] = []
        /// The base64 lines as written (blanks and all).
        var body: [Line] = []
        var begin: Line
        var end: Line

        /// The body decoded (whitespace between base64 characters skipped), straight into a buffer
        /// wiped when freed; nil when it is not base64.
        func decodedBody() -> SecureBytes? { Base64.decode(secret: body.map(\.text)) }
    }

    let dialect: ArmourDialect
    var lines: LineReader<Bytes>

    init(_ bytes: Bytes, dialect: ArmourDialect) {
        self.dialect = dialect
        lines = LineReader(bytes, breaks: dialect.breaks)
    }

    /// The line as marker text: without blanks around it. openssh-key-v1 keeps sshkey.c's rule:
    /// only spaces and tabs go in front (a CR there is content), CR, space and tab behind.
    func markerText(_ line: Line) -> Substring {
        guard dialect == .openssh else { return line.trimmed }
        var text = line.text[...]
        while let first = text.first, first == 0x20 || first == 0x09 { text = text.dropFirst() }
        while let last = text.last, last == 0x20 || last == 0x09 || last == 0x0D { text = text.dropLast() }
        return Substring(String(decoding: text, as: UTF8.self))
    }

    /// The label of a `BEGIN` or `END` marker line, or nil. A whole armoured key flattened onto one
    /// line is no marker line (and its body, which would follow here, must never be quoted in a
    /// message): the paste repair rebuilds it.
    func label(_ text: Substring, _ word: String) -> String? {
        let prefix = dialect.markers.open + word + " ", suffix = dialect.markers.close
        guard text.hasPrefix(prefix), text.hasSuffix(suffix), text.count >= prefix.count + suffix.count else { return nil }
        let label = String(text.dropFirst(prefix.count).dropLast(suffix.count))
        return dialect != .rfc4716 && label.contains("-----") ? nil : label
    }

    /// The next BEGIN line (of `label` only, when given) and its label. Every line before it goes
    /// to `outside`, which may throw to refuse it; at the end of the input, nil.
    mutating func nextBegin(label wanted: String? = nil, outside: (Line) throws -> Void) rethrows -> (label: String, line: Line)? {
        while let line = lines.next() {
            if let found = label(markerText(line), "BEGIN"), wanted == nil || found == wanted { return (found, line) }
            try outside(line)
        }
        return nil
    }

    /// The next BEGIN line (of `label` only, when given), skipping the lines before it.
    mutating func nextBegin(label wanted: String? = nil) -> (label: String, line: Line)? {
        nextBegin(label: wanted, outside: { _ in })
    }

    /// Reads the block that `begin` opens: its headers, its body lines and its END line.
    mutating func readBlock(_ begin: (label: String, line: Line)) throws(ArmourError) -> Block {
        var block = Block(label: begin.label, begin: begin.line, end: begin.line)
        let endMarker = dialect.markers.open + "END " + begin.label + dialect.markers.close
        // Headers are `Name: value` lines right after BEGIN; a blank line or any other line ends them.
        var inHeaders = dialect != .openssh
        while let line = lines.next() {
            switch dialect {
            case .openssh:
                if line.text.starts(with: endMarker.utf8) { block.end = line; return block }
            case .pem:
                let text = line.trimmed
                if let found = label(text, "END") {
                    guard found == begin.label else { throw .endMismatch(line: line.number, found: found) }
                    block.end = line
                    return block
                }
                if text.hasPrefix("-----BEGIN ") { throw .beginInside(line: line.number) }
            case .rfc4716:
                if line.trimmed == endMarker { block.end = line; return block }
            }
            if inHeaders, let header = readHeader(line) {
                block.headers.append(header)
                continue
            }
            // The blank line after PEM headers is no body line (it would decode to nothing anyway).
            if inHeaders, dialect == .pem, !block.headers.isEmpty, line.isBlank { inHeaders = false; continue }
            inHeaders = false
            block.body.append(line)
        }
        throw .noEnd
    }

    /// `Name: value` (RFC 4716: continued while the value ends in '\'), or nil when `line` holds no colon.
    private mutating func readHeader(_ line: Line) -> ArmourHeader? {
        let text = String(decoding: line.text, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        var value = String(text[text.index(after: colon)...])
        if dialect == .rfc4716 {
            while value.hasSuffix("\\"), let next = lines.next() {
                value.removeLast()
                value += String(decoding: next.text, as: UTF8.self)
            }
        }
        return ArmourHeader(name: String(text[..<colon].trimmingBlanks()), value: String(value.trimmingBlanks()),
                            number: line.number, length: text.utf8.count)
    }
}
