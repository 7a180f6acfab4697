// RFC 4716 "SSH2" public key files (§3):
//
//   ---- BEGIN SSH2 PUBLIC KEY ----
//   Comment: "text"                 headers: Tag: value, a trailing '\' continues the line
//   x-private: ...
//   AAAAB3NzaC1yc2E...              base64 of the public-key blob, lines of at most 72 bytes
//   ---- END SSH2 PUBLIC KEY ----
//
// Lines end in CR, LF or CRLF. Readers must accept a Comment with or without quotes; unknown headers
// are ignored.

/// RFC 4716 ("SSH2") public key files.
public enum RFC4716Format {
    static let begin = "---- BEGIN SSH2 PUBLIC KEY ----"
    static let end = "---- END SSH2 PUBLIC KEY ----"
    static let privateBegin = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"

    static func sniff(_ text: Substring) -> Bool { text.hasPrefix("---- BEGIN SSH2 PUBLIC KEY") }

    /// Decodes every RFC 4716 block in the file.
    public static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [(number: Int, text: Substring)] = []
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            lines.append((number, raw))
        }
        var documents: [KeyDocument] = []
        var i = 0
        while i < lines.count {
            let trimmed = lines[i].text.trimmingBlanks()
            if trimmed.isEmpty { i += 1; continue }
            if trimmed.hasPrefix(privateBegin) {
                throw KeyportError.unsupported("SSH.com (SSH2) private key: not supported; convert it with puttygen first", reason: .sshComPrivateKey)
            }
            guard trimmed == begin else {
                throw KeyportError.malformed(format: "RFC 4716", field: "line \(lines[i].number)", reason: documents.isEmpty ? "expected \(begin)" : "text after the END line")
            }
            let startLine = lines[i].number
            i += 1
            var comment = ""
            var body: [UInt8] = []
            var inHeaders = true
            var sawEnd = false
            var observations: [Observation] = []
            while i < lines.count {
                var line = Substring(lines[i].text)
                if line.trimmingBlanks() == end { sawEnd = true; i += 1; break }
                if line.utf8.count > 72 { observations.append(Observation(.rfc4716LongLine, "line \(lines[i].number) is longer than 72 bytes")) }
                if inHeaders, let colon = line.firstIndex(of: ":") {
                    // A header; gather continuation lines ending in a backslash.
                    var value = String(line[line.index(after: colon)...])
                    let tag = line[line.startIndex..<colon].trimmingBlanks().lowercased()
                    while value.hasSuffix("\\"), i + 1 < lines.count {
                        value.removeLast()
                        i += 1
                        line = lines[i].text
                        value += line
                    }
                    if tag == "comment" {
                        var v = Substring(value).trimmingBlanks()
                        if v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") {
                            v = v.dropFirst().dropLast()
                            comment = String(v).replacingEscapedQuotes()
                        } else {
                            comment = String(v)
                        }
                    }
                    i += 1
                    continue
                }
                inHeaders = false
                body.append(contentsOf: line.utf8)
                i += 1
            }
            guard sawEnd else { throw KeyportError.truncated(format: "RFC 4716", field: "END line (file ends inside the key)") }
            guard let blob = Base64.decode(body, ignoringWhitespace: true), !blob.isEmpty else {
                throw KeyportError.malformed(format: "RFC 4716", field: "key data", reason: "not valid base64")
            }
            let key = try PublicKey(blob: blob)
            var doc = KeyDocument(format: .rfc4716, content: .publicKey(key), comment: comment, line: startLine)
            doc.observations = observations
            documents.append(doc)
        }
        if documents.isEmpty { throw KeyportError.malformed(format: "RFC 4716", field: "file", reason: "no key found") }
        return documents
    }

    /// Writes the key with a quoted Comment header and 70-column body lines, as `ssh-keygen -e` does.
    /// Header lines longer than 72 bytes are continued with a backslash.
    public static func encode(_ key: PublicKey, comment: String) -> String {
        var out = begin + "\n"
        if !comment.isEmpty {
            // Backslash and quote are escaped as PuTTY writes and reads them (sshpubk.c), so that
            // `decode` (which reads \" and \\ as escapes) gives the comment back.
            let escaped = comment.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            out += wrapHeader("Comment: \"\(escaped)\"")
        }
        out += Base64.encode(key.blob, lineLength: 70) + "\n"
        out += end + "\n"
        return out
    }

    /// Splits a header into lines of at most 72 bytes, each but the last ending in '\'.
    static func wrapHeader(_ header: String) -> String {
        var out = ""
        var current = ""
        for ch in header {
            if current.utf8.count + ch.utf8.count > 71 {
                out += current + "\\\n"
                current = ""
            }
            current.append(ch)
        }
        return out + current + "\n"
    }
}

extension StringProtocol {
    func replacingEscapedQuotes() -> String {
        var out = ""
        var it = makeIterator()
        while let c = it.next() {
            if c == "\\" {
                if let n = it.next() { out.append(n == "\"" || n == "\\" ? n : "\\"); if n != "\"" && n != "\\" { out.append(n) } }
                else { out.append(c) }
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[rest.startIndex..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
