// Text helpers shared by the text formats and the CLI's small parsers, written once so that
// "blank" and "line" mean the same thing everywhere (and need no Foundation).

extension StringProtocol {
    /// Without leading and trailing ASCII blanks: space, tab, CR and LF. Only these: a file's
    /// other bytes (a no-break space, a form feed) are content, reported where they do not belong
    /// rather than silently dropped.
    package func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return text[first...last]
    }
}

/// Is `byte` one of the blanks of `trimmingBlanks` (space, tab, CR, LF)?
@inline(__always) func isBlankByte(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

// MARK: - Lines

/// Where a text format ends its lines. The formats differ, and their readers (and the peers
/// keyport matches) depend on the difference, so each format names its rule.
enum LineBreaks: Sendable {
    /// LF only; a CR before it (or anywhere) stays in the line, for the format to judge. OpenSSH
    /// reads public-key lines and openssh-key-v1 armour this way (sshkey.c, authfile.c).
    case lf
    /// LF, CR LF or a lone CR (RFC 7468 §2 for PEM, RFC 4716 §3).
    case anyNewline
    /// PuTTY's (sshpubk.c read_header/read_body): a CR or LF ends the line, and one more CR or LF
    /// right after belongs to the same line end, so LF, CR LF and CR files read alike (and so do
    /// LF LF: PuTTY does not see that blank line).
    case putty
}

/// One line of a text: its bytes without the line end, where it sits, and its 1-based number.
struct TextLine<Text: Collection> where Text.Element == UInt8, Text.Index == Int {
    /// The line's bytes, without its line end: a slice of the input, not a copy.
    var text: Text
    /// 1-based line number, for messages ("line 7").
    var number: Int
    /// Offset just past the line end in the input (the start of the next line).
    var next: Int

    /// Offset of the line's first byte in the input.
    var start: Int { text.startIndex }
    /// Offset just past the line's last byte (before its line end).
    var end: Int { text.endIndex }
    /// Does the line hold only blanks (space, tab, CR, LF)?
    var isBlank: Bool { text.allSatisfy(isBlankByte) }
    /// The line as text (invalid UTF-8 becomes U+FFFD), without leading and trailing blanks.
    var trimmed: Substring { String(decoding: text, as: UTF8.self).trimmingBlanks() }
}

/// Reads the lines of a byte buffer in order, without copying them: each line is a slice of the
/// input. A final line without a line end is a line; a line end at the very end of the input
/// starts no further (empty) line. The one line splitter of every text format (`LineBreaks`
/// says how each ends its lines). The streaming fingerprinter scans its chunks itself
/// (LineFingerprinter.swift): it reads no documents, only lines across buffer boundaries.
struct LineReader<Bytes: RandomAccessCollection>: Sequence, IteratorProtocol where Bytes.Element == UInt8, Bytes.Index == Int {
    typealias Line = TextLine<Bytes.SubSequence>

    let bytes: Bytes
    let breaks: LineBreaks
    /// Offset of the next line's first byte.
    var position: Int
    /// The number the next line will have.
    var nextNumber = 1

    init(_ bytes: Bytes, breaks: LineBreaks) {
        self.bytes = bytes
        self.breaks = breaks
        position = bytes.startIndex
    }

    /// No line is left.
    var atEnd: Bool { position >= bytes.endIndex }

    /// The bytes not read yet.
    var rest: Bytes.SubSequence { bytes[Swift.min(position, bytes.endIndex)...] }

    /// The next line, or nil at the end of the input.
    mutating func next() -> Line? {
        let end = bytes.endIndex
        guard position < end else { return nil }
        let start = position
        var i = start
        switch breaks {
        case .lf:
            while i < end, bytes[i] != 0x0A { i += 1 }
            position = i < end ? i + 1 : i
        case .anyNewline:
            while i < end, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
            position = i
            if position < end {
                if bytes[position] == 0x0D, position + 1 < end, bytes[position + 1] == 0x0A { position += 1 }
                position += 1
            }
        case .putty:
            while i < end, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
            position = i
            if position < end {
                position += 1
                if position < end, bytes[position] == 0x0A || bytes[position] == 0x0D { position += 1 }
            }
        }
        defer { nextNumber += 1 }
        return Line(text: bytes[start..<i], number: nextNumber, next: position)
    }

    /// The next line, without reading it.
    func peek() -> Line? {
        var copy = self
        return copy.next()
    }
}
