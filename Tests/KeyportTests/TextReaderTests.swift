import Testing
@testable import Keyport

// The line reader and the armour reader of Wire/ (Text.swift, Armour.swift), which every text format
// reads through: line ends per format, line numbers, the final line, and armour with headers.

private func lines(_ text: String, _ breaks: LineBreaks) -> [String] {
    LineReader(Array(text.utf8), breaks: breaks).map { String(decoding: $0.text, as: UTF8.self) }
}

@Suite struct LineReaderTests {
    @Test func lfLinesKeepTheirCR() {
        #expect(lines("a\r\nb\rc\n", .lf) == ["a\r", "b\rc"])
    }

    @Test func anyNewlineTakesLFCRLFAndALoneCR() {
        #expect(lines("a\r\nb\rc\nd", .anyNewline) == ["a", "b", "c", "d"])
        // CR CR LF is a lone CR, then CR LF: two line ends, one blank line.
        #expect(lines("a\r\r\nb", .anyNewline) == ["a", "", "b"])
        #expect(lines("a\n\rb", .anyNewline) == ["a", "", "b"])
    }

    @Test func puttyJoinsTwoLineEndBytes() {
        // As PuTTY's read_header/read_body: one more CR or LF after a line end belongs to it.
        #expect(lines("a\r\nb\n\nc\r\rd\n\n\ne", .putty) == ["a", "b", "c", "d", "", "e"])
    }

    @Test func finalLineWithoutNewlineIsALine() {
        for breaks in [LineBreaks.lf, .anyNewline, .putty] {
            #expect(lines("a\nb", breaks) == ["a", "b"])
            #expect(lines("a\nb\n", breaks) == ["a", "b"])
            #expect(lines("", breaks) == [])
            #expect(lines("\n", breaks) == [""])
        }
    }

    @Test func blankLinesAreLinesWithNumbers() {
        let read = Array(LineReader(Array("a\n\n  \nb\n".utf8), breaks: .lf))
        #expect(read.map(\.number) == [1, 2, 3, 4])
        #expect(read.map(\.isBlank) == [false, true, true, false])
        #expect(read[3].start == 6 && read[3].end == 7 && read[3].next == 8)
    }

    @Test func linesAreSlicesOfTheInput() {
        let bytes = Array("one\r\ntwo".utf8)
        var reader = LineReader(bytes, breaks: .anyNewline)
        #expect(reader.peek()?.text == bytes[0..<3])
        let first = reader.next()
        #expect(first?.text == bytes[0..<3])
        #expect(reader.rest == bytes[5...])
        let second = reader.next()
        #expect(second?.text == bytes[5..<8])
        let last = reader.next()
        #expect(reader.atEnd && last == nil)
    }

    @Test func veryLongLine() {
        let long = String(repeating: "A", count: 1 << 20)
        #expect(lines(long + "\r\n" + long, .anyNewline).map(\.count) == [1 << 20, 1 << 20])
    }

    /// Detection reads a line file's first lines with the one LF reader, so CR LF lines read as LF
    /// lines do: a key line without a comment, then private armour, is a line file either way
    /// (before, a CR LF file was split on "\n" characters, which "\r\n" is not, and went to PEM).
    @Test func crlfLineFileWithArmourIsALineFile() {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v"
        for end in ["\n", "\r\n"] {
            let text = key + end + "-----BEGIN OPENSSH PRIVATE KEY-----" + end
            #expect(KeyFile.detect(Array(text.utf8)).isKeyLines)
        }
    }

    @Test func overABufferPointer() {
        let bytes = Array("x\ny".utf8)
        let count = bytes.withUnsafeBufferPointer { LineReader($0, breaks: .lf).reduce(0) { n, _ in n + 1 } }
        #expect(count == 2)
    }
}

private func read(_ text: String, _ dialect: ArmourDialect) throws(ArmourError) -> [ArmourReader<[UInt8]>.Block] {
    var reader = ArmourReader(Array(text.utf8), dialect: dialect)
    var blocks: [ArmourReader<[UInt8]>.Block] = []
    while let begin = reader.nextBegin() { blocks.append(try reader.readBlock(begin)) }
    return blocks
}

@Suite struct ArmourReaderTests {
    @Test func pemBlockWithHeadersAndCRLF() throws {
        let text = "junk\r\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,00FF\r\n\r\nAAEC\r\nAwQ=\r\n-----END RSA PRIVATE KEY-----\r\ntail"
        let blocks = try read(text, .pem)
        #expect(blocks.count == 1)
        let block = blocks[0]
        #expect(block.label == "RSA PRIVATE KEY")
        #expect(block.headers.map(\.name) == ["Proc-Type", "DEK-Info"])
        #expect(block.headers.map(\.value) == ["4,ENCRYPTED", "AES-128-CBC,00FF"])
        #expect(block.begin.number == 2 && block.end.number == 8)
        #expect(block.body.map(\.number) == [6, 7])
        #expect(block.decodedBody()?.bytes == [0, 1, 2, 3, 4])
    }

    @Test func loneCRLinesAndNoFinalNewline() throws {
        let blocks = try read("-----BEGIN PUBLIC KEY-----\rAAEC\r-----END PUBLIC KEY-----", .pem)
        #expect(blocks.map(\.label) == ["PUBLIC KEY"])
        #expect(blocks[0].decodedBody()?.bytes == [0, 1, 2])
    }

    @Test func beginWithoutEnd() {
        #expect(throws: ArmourError.noEnd) { try read("-----BEGIN PUBLIC KEY-----\nAAEC\n", .pem) }
        #expect(throws: ArmourError.noEnd) { try read("---- BEGIN SSH2 PUBLIC KEY ----\nAAEC\n", .rfc4716) }
        #expect(throws: ArmourError.noEnd) { try read("-----BEGIN OPENSSH PRIVATE KEY-----\nAAEC", .openssh) }
    }

    @Test func mismatchedEndLabel() {
        #expect(throws: ArmourError.endMismatch(line: 3, found: "PRIVATE KEY")) {
            try read("-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PRIVATE KEY-----\n", .pem)
        }
        #expect(throws: ArmourError.beginInside(line: 2)) {
            try read("-----BEGIN PUBLIC KEY-----\n-----BEGIN PRIVATE KEY-----\n", .pem)
        }
        // RFC 4716 knows one label: another END line is body text (and fails as base64).
        #expect(throws: ArmourError.noEnd) { try read("---- BEGIN SSH2 PUBLIC KEY ----\n---- END X ----\n", .rfc4716) }
    }

    @Test func rfc4716HeadersWithContinuations() throws {
        let text = """
        ---- BEGIN SSH2 PUBLIC KEY ----
        Comment: "a long \\
        comment"
        x-private: one\\
        two\\
        three
        AAEC
        ---- END SSH2 PUBLIC KEY ----

        """
        let block = try #require(try read(text, .rfc4716).first)
        #expect(block.headers.map(\.name) == ["Comment", "x-private"])
        #expect(block.headers.map(\.value) == ["\"a long comment\"", "onetwothree"])
        #expect(block.headers.map(\.number) == [2, 4])
        #expect(block.body.map(\.number) == [7])
        #expect(block.end.number == 8)
    }

    @Test func blankLinesAndHeaderRules() throws {
        // PEM: the blank line after headers is no body line; a colon line later is body (and not base64).
        let pem = try #require(try read("-----BEGIN X-----\nA: b\n\nAAEC\nc: d\n-----END X-----\n", .pem).first)
        #expect(pem.headers.map(\.name) == ["A"])
        #expect(pem.body.map(\.number) == [4, 5])
        #expect(pem.decodedBody() == nil)
        // Headers only right after BEGIN.
        let late = try #require(try read("-----BEGIN X-----\n\nA: b\n-----END X-----\n", .pem).first)
        #expect(late.headers.isEmpty && late.body.count == 2)
        // openssh-key-v1 has no headers.
        let openssh = try #require(try read("-----BEGIN OPENSSH PRIVATE KEY-----\nA: b\n-----END OPENSSH PRIVATE KEY-----\n", .openssh).first)
        #expect(openssh.headers.isEmpty && openssh.body.count == 1)
    }

    @Test func opensshEndsAtTheFirstLineStartingWithItsEndMarker() throws {
        let text = "  -----BEGIN OPENSSH PRIVATE KEY-----\t\nAAEC\n-----END OPENSSH PRIVATE KEY-----junk\nAwQ=\n"
        var reader = ArmourReader(Array(text.utf8), dialect: .openssh)
        let found = reader.nextBegin(label: "OPENSSH PRIVATE KEY")
        let begin = try #require(found)
        let block = try reader.readBlock(begin)
        #expect(block.end.number == 3 && reader.markerText(block.end) == "-----END OPENSSH PRIVATE KEY-----junk")
        #expect(block.decodedBody()?.bytes == [0, 1, 2])
        #expect(reader.lines.map(\.number) == [4])
    }

    @Test func flattenedArmourIsNoBeginLine() throws {
        #expect(try read("-----BEGIN PRIVATE KEY----- AAEC -----END PRIVATE KEY-----\n", .pem).isEmpty)
    }

    @Test func veryLongBodyLine() throws {
        let body = String(repeating: "AAAA", count: 1 << 18)
        let block = try #require(try read("-----BEGIN X-----\n\(body)\n-----END X-----\n", .pem).first)
        #expect(block.decodedBody()?.count == 3 << 18)
    }

    @Test func secretDecodingMatchesArrayDecoding() {
        let pieces = ["AAEC", " Aw", "Q=\r"].map { Array($0.utf8) }
        #expect(Base64.decode(secret: pieces)?.bytes == Base64.decode(Array(pieces.joined()), ignoringWhitespace: true))
        #expect(Base64.decode(secret: [Array("A".utf8)]) == nil)
        #expect(Base64.decode(secret: [Array("AA=A".utf8)]) == nil)
    }
}
