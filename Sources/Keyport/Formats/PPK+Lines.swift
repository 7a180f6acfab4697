// The line discipline of PPK files: headers, counted base64 blocks, and the messages that say which
// count or header is wrong. Split from PPK.swift, which holds the format itself.

extension PPKFormat {
    /// PuTTY's line discipline (sshpubk.c read_header/read_body): a header is `Name: value` with a
    /// name of at most 39 bytes; lines end as `LineBreaks.putty` says, so LF, CRLF and CR files all read.
    struct HeaderReader {
        var lines: LineReader<[UInt8]>

        init(_ bytes: [UInt8]) { lines = LineReader(bytes, breaks: .putty) }

        var atEnd: Bool { lines.atEnd }

        /// The number of the next line.
        var lineNumber: Int { lines.nextNumber }

        var restIsBlank: Bool { lines.rest.allSatisfy(isBlankByte) }

        /// Is the next line base64 (so a line counter before it was too small)?
        var nextLineIsBase64: Bool {
            guard let text = lines.peek()?.text else { return false }
            return !text.isEmpty && text.allSatisfy(Self.isBase64)
        }

        /// Skips blanks before the first header (PuTTY would not; detection does), counting the LFs
        /// among them as lines. True when there were any.
        mutating func skipLeadingBlanks() -> Bool {
            let start = lines.position
            while !lines.atEnd, isBlankByte(lines.bytes[lines.position]) {
                if lines.bytes[lines.position] == 0x0A { lines.nextNumber += 1 }
                lines.position += 1
            }
            return lines.position > start
        }

        /// The next line without its line end.
        mutating func line() -> ArraySlice<UInt8> { lines.next()?.text ?? [] }

        /// Splits `Name: value`; nil when the line is not a header.
        static func split(_ line: ArraySlice<UInt8>) -> (String, [UInt8])? {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon - line.startIndex <= 39,
                  colon + 1 < line.endIndex, line[colon + 1] == 0x20 else { return nil }
            return (String(decoding: line[line.startIndex..<colon], as: UTF8.self), Array(line[(colon + 2)...]))
        }

        mutating func header() throws -> (String, [UInt8]) {
            guard !atEnd else { throw KeyportError.truncated(format: PPKFormat.format, field: "first line") }
            guard let pair = Self.split(line()) else {
                throw KeyportError.malformed(format: PPKFormat.format, field: "line \(lineNumber - 1)", reason: "expected a \"Name: value\" header")
            }
            return pair
        }

        /// Reads the header `name`. `after` names the line counter before it, so that base64 where the
        /// header belongs is reported as that counter being too small.
        mutating func expect(_ name: String, after counter: String? = nil) throws -> [UInt8] {
            let number = lineNumber
            guard !atEnd else { throw KeyportError.truncated(format: PPKFormat.format, field: "\(name) header (the file ends at line \(number))") }
            let text = line()
            guard let (found, value) = Self.split(text) else {
                if let counter, !text.isEmpty, text.allSatisfy(Self.isBase64) {
                    throw KeyportError.malformed(format: PPKFormat.format, field: counter,
                                                 reason: "more base64 lines follow than the count says (line \(number) holds base64 where the \(name) header belongs)")
                }
                throw KeyportError.malformed(format: PPKFormat.format, field: name, reason: "expected the \"\(name):\" header on line \(number)")
            }
            guard found == name else {
                throw KeyportError.malformed(format: PPKFormat.format, field: name,
                                             reason: "expected the \"\(name):\" header on line \(number), found \"\(PublicKey.printable(found))\"")
            }
            return value
        }

        mutating func count(_ name: String, after counter: String? = nil) throws -> Int {
            let text = String(decoding: try expect(name, after: counter), as: UTF8.self)
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(text), n <= PPKFormat.maximumLines else {
                throw KeyportError.malformed(format: PPKFormat.format, field: name, reason: "\"\(PublicKey.printable(text))\" is not a line count")
            }
            return n
        }

        mutating func uint32(_ name: String) throws -> Int {
            let text = String(decoding: try expect(name), as: UTF8.self)
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt32(text) else {
                throw KeyportError.malformed(format: PPKFormat.format, field: name, reason: "\"\(PublicKey.printable(text))\" is not a 32-bit number")
            }
            return Int(n)
        }

        static func isBase64(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F || c == 0x3D
        }

        /// Reads `count` base64 lines. A header or the end of the file inside them means the count
        /// is larger than the data.
        mutating func blob(_ count: Int, counter: String, observations: inout [Observation]) throws -> [UInt8] {
            var out: [UInt8] = []
            for i in 0..<count {
                let number = lineNumber
                guard !atEnd else {
                    throw KeyportError.truncated(format: PPKFormat.format, field: "\(counter) data (\(count) lines announced, the file ends after \(i))")
                }
                let text = line()
                if let (name, _) = Self.split(text) {
                    throw KeyportError.malformed(format: PPKFormat.format, field: counter,
                                                 reason: "\(count) lines announced but only \(i) base64 lines follow (line \(number) is the \"\(PublicKey.printable(name))\" header)")
                }
                guard text.allSatisfy(Self.isBase64), var decoded = Base64.decode(text) else {
                    throw KeyportError.malformed(format: PPKFormat.format, field: counter, reason: "line \(number) is not base64")
                }
                defer { wipe(&decoded) } // an unencrypted file's private lines are the key in clear
                if text.count > 64 || text.count % 4 != 0 {
                    observations.append(Observation(.ppkLineWidth, "line \(number) has \(text.count) base64 characters; PuTTY needs at most 64 and a multiple of 4"))
                }
                appendWiping(&out, decoded)
            }
            return out
        }
    }
}
