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
    /// The label of its armour.
    static let label = "SSH2 PUBLIC KEY"
    static let begin = "---- BEGIN SSH2 PUBLIC KEY ----"
    static let end = "---- END SSH2 PUBLIC KEY ----"
    static let privateBegin = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"

    static func sniff(_ text: Substring) -> Bool { text.hasPrefix("---- BEGIN SSH2 PUBLIC KEY") }

    /// Decodes every RFC 4716 block in the file (`ArmourReader`, RFC 4716 dialect). Only blank
    /// lines may stand around the blocks.
    public static func decode(_ bytes: [UInt8]) throws -> [KeyDocument] {
        var reader = ArmourReader(bytes, dialect: .rfc4716)
        var documents: [KeyDocument] = []
        func refuse(_ line: ArmourReader<[UInt8]>.Line) throws {
            let trimmed = line.trimmed
            if trimmed.isEmpty { return }
            if trimmed.hasPrefix(privateBegin) {
                throw KeyportError.unsupported("SSH.com (SSH2) private key: not supported; convert it with puttygen first", reason: .sshComPrivateKey)
            }
            throw KeyportError.malformed(format: "RFC 4716", field: "line \(line.number)", reason: documents.isEmpty ? "expected \(begin)" : "text after the END line")
        }
        while let begin = try reader.nextBegin(outside: refuse) {
            guard begin.label == label else { try refuse(begin.line); continue }
            let block: ArmourReader<[UInt8]>.Block
            do {
                block = try reader.readBlock(begin)
            } catch {
                throw KeyportError.truncated(format: "RFC 4716", field: "END line (file ends inside the key)")
            }
            var comment = ""
            for header in block.headers where header.name.lowercased() == "comment" {
                let value = Substring(header.value)
                comment = value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
                    ? String(value.dropFirst().dropLast()).replacingEscapedQuotes() : header.value
            }
            // Header lines count from their first line; continuation lines are not counted.
            let lengths = block.headers.map { ($0.number, $0.length) } + block.body.map { ($0.number, String(decoding: $0.text, as: UTF8.self).utf8.count) }
            let observations = lengths.filter { $0.1 > 72 }.map { Observation(.rfc4716LongLine, "line \($0.0) is longer than 72 bytes") }
            guard let blob = block.decodedBody()?.bytes, !blob.isEmpty else {
                throw KeyportError.malformed(format: "RFC 4716", field: "key data", reason: "not valid base64")
            }
            let key = try PublicKey(blob: blob)
            var doc = KeyDocument(format: .rfc4716, content: .publicKey(key), comment: comment, line: begin.line.number)
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
