import Foundation
import Testing
@testable import Keyport
import CKeyportSys

/// The fingerprint engine: LineFingerprinter's fast path prints exactly what the general path
/// (parse, then FingerprintOutput) prints, or declines; the streaming reader keeps order and reads
/// past lines too long to be keys.
@Suite struct FingerprintEngineTests {
    /// ssh-keygen's kinds: the only ones the fast path takes (the others are tested in ExternalFingerprintTests).
    static let styles: [FingerprintStyle] = FingerprintHash.allCases.filter(\.isSSHKeygen).flatMap { hash in
        [FingerprintStyle(hash: hash), FingerprintStyle(hash: hash, json: true), FingerprintStyle(hash: hash, randomart: true, json: true)]
    }

    /// Every line of every text fixture, then thousands of lines made from real keys of each type
    /// the fast path takes, with comments, blanks, options, markers and base64 damaged in many ways.
    static let cachedLines = Result { try makeLines() }
    static func lines() throws -> [[UInt8]] { try cachedLines.get() }

    static func makeLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        let files = FileManager.default.enumerator(at: fixturesURL, includingPropertiesForKeys: nil)!
        for case let url as URL in files where !url.hasDirectoryPath {
            let bytes = Array(try Data(contentsOf: url))
            lines += bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
        }
        let dir = try TempDir()
        var keys: [(type: String, blob: String)] = []
        for (name, type, bits) in [("r", "rsa", 1024), ("r2", "rsa", 2048), ("e", "ed25519", 0), ("p256", "ecdsa", 256),
                                   ("p384", "ecdsa", 384), ("p521", "ecdsa", 521)] {
            try sshKeygen(dir, name: name, type: type, bits: bits == 0 ? nil : bits)
            let fields = try dir.read(name + ".pub").split(separator: " ")
            keys.append((String(fields[0]), String(fields[1])))
        }
        let comments = ["", "alice@example.com", "with \"quotes\"", "back\\slash", "#hash", "trailing  ", "tab\there", "cr\r",
                        "caf\u{e9}", "\u{1b}[31mred", "#", String(repeating: "long ", count: 60), "two  spaces", "x\u{7f}",
                        "sp ", " \t", "a\"\\\"b"]
        let separators = [" ", "  ", "\t", " \t "]
        let leads = ["", " ", "\t", "no-pty ", "command=\"echo hi\" ", "host.example.com ", "@cert-authority *.example.com ",
                     "@revoked * ", "# "]
        var random = SeededGenerator(seed: 20_261_202)
        func damage(_ b64: String) -> String {
            var chars = Array(b64)
            switch random.next() % 12 {
            case 0: chars[Int(random.next() % UInt64(chars.count))] = "*"
            case 1: chars.removeLast()
            case 2: chars.removeLast(min(chars.count - 1, 1 + Int(random.next() % 8)))
            case 3: chars += "="
            case 4: chars += "AAAA"
            case 5: chars = Array(chars.prefix(chars.count / 2))
            case 6:
                let i = Int(random.next() % UInt64(chars.count))
                chars[i] = chars[i] == "A" ? "B" : "A"
            case 7: chars = chars.filter { $0 != "=" }
            case 8: chars += "\r"
            case 9: chars += "\r\r"
            default: break
            }
            return String(chars)
        }
        for _ in 0..<4000 {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            var type = key.type
            if random.next() % 16 == 0 { type = keys[Int(random.next() % UInt64(keys.count))].type }
            let b64 = random.next() % 3 == 0 ? damage(key.blob) : key.blob
            let lead = random.next() % 3 == 0 ? leads[Int(random.next() % UInt64(leads.count))] : ""
            let separator = separators[Int(random.next() % UInt64(separators.count))]
            let comment = comments[Int(random.next() % UInt64(comments.count))]
            let tail = comment.isEmpty && random.next() % 2 == 0 ? "" : separator + comment
            lines.append(Array((lead + type + separator + b64 + tail).utf8))
        }
        return lines
    }

    @Test func fastPathMatchesTheGeneralPathByteForByteOrDeclines() throws {
        let fast = LineFingerprinter()
        let path = "dir/\"odd\" name"
        var taken = 0, declined = 0
        for (index, line) in try Self.lines().enumerated() {
            let number = index + 1
            let general: KeyDocument?
            if case let .key(doc) = OpenSSHPublicFormat.parseLine(line[...], lineNumber: number) { general = doc } else { general = nil }
            for style in Self.styles {
                let layout = LineFingerprinter.JSONLayout(style: style, fileName: FingerprintStyle.fileName(path))
                let capacity = LineFingerprinter.jsonCapacity(lineLength: line.count, layout: layout)
                let out = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                defer { out.deallocate() }
                let n = line.withUnsafeBufferPointer { l in
                    style.json ? fast.renderJSON(line: l, number: number, layout: layout, into: out)
                        : fast.render(line: l, hash: style.hash, into: out)
                }
                guard n > 0 else { declined += 1; continue }
                taken += 1
                let doc = try #require(general, "fast path took a line the general path refuses: \(String(decoding: line, as: UTF8.self))")
                let expected = try FingerprintOutput.render(doc.publicKey!, document: doc, path: path, style: style)
                #expect(String(decoding: UnsafeBufferPointer(start: out, count: n), as: UTF8.self) == expected,
                        "line \(String(decoding: line, as: UTF8.self)) style \(style)")
            }
        }
        // Both paths must really be exercised.
        #expect(taken > 10_000 && declined > 10_000, "taken \(taken), declined \(declined)")
    }

    /// The vector base64 kernel (CKeyportSys/base64.c) decodes exactly the 16-character blocks of
    /// alphabet characters before the first other byte, and never writes past its room: every byte
    /// value at every position of a 64-character token, and rooms around the 16-byte store.
    @Test func base64BlocksStopBeforeTheFirstNonAlphabetByte() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var random = SeededGenerator(seed: 16)
        let token = (0..<64).map { _ in alphabet[Int(random.next() % 64)] }
        func reference(_ chars: ArraySlice<UInt8>) -> [UInt8] {
            var out: [UInt8] = []
            var bits = 0, value = 0
            for c in chars {
                value = value << 6 | alphabet.firstIndex(of: c)!
                bits += 6
                if bits >= 8 { bits -= 8; out.append(UInt8(truncatingIfNeeded: value >> bits)) }
            }
            return out
        }
        let dst = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { dst.deallocate() }
        for position in 0..<64 {
            for byte in 0...255 {
                var chars = token
                chars[position] = UInt8(byte)
                let quanta = chars.withUnsafeBufferPointer { keyport_base64_decode_quanta($0.baseAddress!, 64, dst, 64) }
                let blocks = alphabet.contains(UInt8(byte)) ? 4 : position / 16
                // Without SSSE3 the kernel decodes nothing and the scalar loop does it all.
                guard quanta != 0 || blocks == 0 || !Self.kernelIsActive else {
                    Issue.record("byte \(byte) at \(position): 0 quanta"); return
                }
                if quanta == 0 { continue }
                #expect(quanta == 4 * blocks, "byte \(byte) at \(position)")
                #expect(Array(UnsafeBufferPointer(start: dst, count: 3 * quanta)) == reference(chars[..<(4 * quanta)]))
            }
        }
        // Room: a block is stored only with 16 bytes free; a short input ends it too.
        for room in 0..<40 {
            dst.initialize(repeating: 0xEE, count: 64)
            let quanta = token.withUnsafeBufferPointer { keyport_base64_decode_quanta($0.baseAddress!, 64, dst, room) }
            if Self.kernelIsActive { #expect(quanta == 4 * (room >= 16 ? 1 + (room - 16) / 12 : 0), "room \(room)") }
            #expect(UnsafeBufferPointer(start: dst + room, count: 64 - room).allSatisfy { $0 == 0xEE }, "wrote past room \(room)")
        }
        for length in 0..<40 {
            let quanta = token.withUnsafeBufferPointer { keyport_base64_decode_quanta($0.baseAddress!, length, dst, 64) }
            if Self.kernelIsActive { #expect(quanta == 4 * (length / 16)) } else { #expect(quanta == 0) }
        }
    }

    /// Whether this CPU runs the vector kernel (x86-64 with SSSE3: every x86-64 CPU since 2006).
    static let kernelIsActive: Bool = {
        let chars = Array("AAAAAAAAAAAAAAAA".utf8)
        let dst = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        defer { dst.deallocate() }
        return chars.withUnsafeBufferPointer { keyport_base64_decode_quanta($0.baseAddress!, 16, dst, 16) } == 4
    }()

    @Test func decimalsAreWrittenAsStringDescribesThem() {
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: 24)
        defer { out.deallocate() }
        var values = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65537, 999_999, 1_000_000, 4_294_967_296, Int.max]
        for p in 1...18 { values.append(Int(pow(10, Double(p))) - 1) }
        for v in values {
            let n = LineFingerprinter.writeDecimal(v, to: out)
            #expect(String(decoding: UnsafeBufferPointer(start: out, count: n), as: UTF8.self) == String(v))
        }
    }

    /// The whole engine over a file: the same bytes in text and JSON whichever path each line took
    /// and however the file was cut into chunks and pieces.
    @Test func streamedOutputEqualsLineByLineGeneralOutput() throws {
        let lines = try Self.lines()
        let dir = try TempDir()
        let path = dir.path("authorized_keys")
        var text = Array(lines.map { $0 + [0x0a] }.joined())
        // Repeat to pass a chunk boundary; the second chunk is large enough to be cut into pieces.
        while text.count < KeyInput.chunkSize + (KeyInput.chunkSize >> 2) { text += Array(lines.map { $0 + [0x0a] }.joined()) }
        try Data(text).write(to: URL(fileURLWithPath: path))
        for style in [FingerprintStyle(), FingerprintStyle(hash: .md5, json: true)] {
            var expected: [UInt8] = []
            var expectedFailures: [Int] = []
            var number = 0
            // The lines of a private key pasted among the keys are one failure, at its BEGIN line.
            var fold = ExposedArmourFold()
            for line in text.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast() {
                number += 1
                switch OpenSSHPublicFormat.parseLine(line, lineNumber: number) {
                case .skip: break
                case let .failure(error): if fold.keep(line: number, error) { expectedFailures.append(number) }
                // A certificate whose signature does not verify is refused, as ssh-keygen -l does.
                case let .key(doc) where doc.publicKey?.certificateSignatureFailure != nil:
                    if fold.keep(line: number, doc.publicKey!.certificateSignatureFailure!) { expectedFailures.append(number) }
                case let .key(doc): expected += Array(try FingerprintOutput.render(doc.publicKey!, document: doc, path: path, style: style).utf8)
                }
            }
            var got: [UInt8] = []
            var failures: [Int] = []
            Fingerprinter(style: style).run(path: path, passphrase: { _ in nil },
                                            output: { parts, _ in for p in parts { got += p } },
                                            report: { line, _ in failures.append(line ?? 0) })
            #expect(got == expected)
            #expect(failures == expectedFailures)
        }
    }
}

/// Line files as fingerprint, inspect and lint read them: a line too long to be a key is reported
/// with its number and the keys after it are still read (sshd and ssh-keygen read past it too);
/// keys from a pipe come out as soon as their line is read.
@Suite struct LineFileStreamingTests {
    /// key, a 3 MiB line that starts like a key, a weak RSA key, the first key again; and the same
    /// with the long line first.
    static func files(_ dir: TempDir) throws -> (middle: String, first: String, expected: String) {
        try sshKeygen(dir, name: "good", type: "ed25519")
        try sshKeygen(dir, name: "weak", type: "rsa", bits: 1024)
        let good = try dir.read("good.pub"), weak = try dir.read("weak.pub")
        let long = "ssh-ed25519 " + String(repeating: "A", count: 3 << 20) + "\n"
        let middle = try dir.write("authorized_keys", good + long + weak + good)
        let first = try dir.write("known_hosts", long + good + weak + good)
        let expected = try Tool.run("/usr/bin/ssh-keygen", ["-l", "-f", middle]).stdout
        #expect(expected.split(separator: "\n").count == 3)
        return (middle, first, expected)
    }

    func viaStdin(_ args: [String], _ file: String) throws -> Tool.Output {
        try Tool.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" - < \"$F\"".replacingOccurrences(of: "$F", with: file), Tool.keyportPath] + args)
    }

    @Test func aLongLineHidesNoKeyFromFingerprintInspectOrLint() throws {
        let dir = try TempDir()
        let (middle, first, expected) = try Self.files(dir)
        for (path, longLine) in [(middle, 2), (first, 1)] {
            for (r, name) in [(try Tool.keyport(["fingerprint", path]), path), (try viaStdin(["fingerprint"], path), "(stdin)")] {
                #expect(r.stdout == expected, "\(r.stdout)")
                #expect(r.status == 65)
                #expect(r.stderr == "keyport: \(name):\(longLine): public key line: longer than 1024 KiB; skipped (no key line is that long)\n", "\(r.stderr)")
            }
            let json = try Tool.keyport(["fingerprint", "--json", path])
            #expect(json.stdout.split(separator: "\n").count == 3 && json.stderr.contains(":\(longLine): "), "\(json.stderr)")
            for r in [try Tool.keyport(["inspect", "--json", path]), try viaStdin(["inspect", "--json"], path)] {
                let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                #expect(lines.compactMap { $0?["line"] as? Int } == (longLine == 2 ? [1, 3, 4] : [2, 3, 4]), "\(r.stdout)")
                #expect(r.status == 65 && r.stderr.contains(":\(longLine): public key line: longer than 1024 KiB"), "\(r.stderr)")
            }
            let text = try Tool.keyport(["inspect", path])
            #expect(text.stdout.components(separatedBy: "\n\n").count == 3, "\(text.stdout)")
            let lint = try Tool.keyport(["lint", path])
            #expect(lint.stdout.contains(":\(longLine): error unreadable-key: public key line: longer than 1024 KiB"), "\(lint.stdout)")
            #expect(lint.stdout.contains(":3: error rsa-too-short"), "\(lint.stdout)")
        }
    }

    /// `fingerprint -` and `fingerprint --json -` print each key as soon as its line arrives, before
    /// standard input ends.
    @Test func keysFromAPipeAreWrittenAsSoonAsRead() throws {
        let dir = try TempDir()
        try sshKeygen(dir, name: "k", type: "ed25519")
        let line = Data(try dir.read("k.pub").utf8)
        for args in [["fingerprint", "-"], ["fingerprint", "--json", "-"], ["inspect", "--json", "-"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Tool.keyportPath)
            process.arguments = args
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let got = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var received = Data()
            output.fileHandleForReading.readabilityHandler = { handle in
                received += handle.availableData
                if received.contains(0x0a) { got.signal() }
            }
            // Twice: the first line may be held to detect the format, the second must not wait.
            input.fileHandleForWriting.write(line)
            input.fileHandleForWriting.write(line)
            let inTime = got.wait(timeout: .now() + 20) == .success
            output.fileHandleForReading.readabilityHandler = nil
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(inTime, "\(args): nothing written before standard input ended")
            #expect(process.terminationStatus == 0)
        }
    }
}
