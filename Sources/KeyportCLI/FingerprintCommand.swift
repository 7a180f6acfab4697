import ArgumentParser
import Dispatch
import Keyport
#if canImport(Glibc)
import Glibc
#endif

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print key fingerprints, line for line as ssh-keygen -l does.",
        discussion: """
        Reads public keys, authorized_keys and known_hosts files (every key, each with its line \
        number) and private keys of every supported format. Encrypted OpenSSH and PPK keys are \
        fingerprinted without a passphrase; encrypted PEM needs --passphrase-file. Bad lines are \
        reported on standard error and the good keys still printed; the exit status is then 65.
        """
    )

    @Option(name: .customShort("E"), help: ArgumentHelp("Fingerprint hash: sha256 (default), md5, sha1 or sha512, in any case.", valueName: "hash"))
    var hash: FingerprintHash = .sha256

    @Flag(name: .shortAndLong, help: "Also print the randomart picture, as ssh-keygen -lv.")
    var verbose = false

    @Flag(name: .long, help: "One JSON object per key per line (file, line, type, bits, comment, sha256, md5).")
    var json = false

    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("Key files; - reads standard input.", valueName: "file"))
    var files: [String]

    mutating func run() throws {
        try Self.execute(files: files, hash: hash, verbose: verbose, json: json, passphraseFile: unlock.passphraseFile)
    }

    /// The command itself, callable without ArgumentParser (see `QuickStart`).
    static func execute(files: [String], hash: FingerprintHash, verbose: Bool, json: Bool, passphraseFile: String?) throws {
        var reader = KeyReader()
        var out = OutputBuffer()
        var passphrase: SecureBytes?
        for path in files {
            if let streamed = BulkFingerprinter.tryStreaming(path: path, hash: hash, verbose: verbose, json: json, out: &out, reader: &reader) {
                if streamed { continue }
            }
            let preread = path == "-" ? BulkFingerprinter.stdinFallback : nil
            for loaded in reader.load(path, preread: preread) {
                var doc = loaded.document
                if doc.publicKey == nil {
                    do {
                        doc = try KeyFile.unlock(doc, passphrase: UnlockOptions.passphrase(file: passphraseFile, for: path, document: doc, cache: &passphrase))
                    } catch {
                        reader.fail(path, line: doc.line, error)
                        continue
                    }
                }
                guard let key = doc.publicKey else { continue }
                out.append(FingerprintCommand.render(key, document: doc, path: path, hash: hash, verbose: verbose, json: json))
            }
        }
        out.flush()
        if reader.exitCode != .ok { throw ExitCodeError(reader.exitCode) }
    }

    /// What ssh-keygen -l prints as the comment of a key.
    static func label(_ doc: KeyDocument, path: String) -> String {
        if !doc.isPrivate {
            // Line-oriented files: the trailing comment unless it starts with '#', else the options or
            // host token before the key, else "no comment" (ssh-keygen.c do_fingerprint).
            let comment = doc.verbatimComment ?? Array(doc.comment.utf8)
            if !comment.isEmpty, comment.first != UInt8(ascii: "#") { return visEscaped(comment) }
            return (doc.verbatimLeading ?? (doc.options ?? doc.hosts).map { Array($0.utf8) }).map(visEscaped) ?? "no comment"
        }
        // Private key files (ssh-keygen.c fingerprint_private): the comment of FILE.pub when it holds
        // the same key, else the comment stored in an unencrypted openssh-key-v1 file (which may be
        // empty: the two-space form), else "no comment". PEM stores no comment; PPK keeps its own.
        // A FILE.pub whose line has no comment names itself (authfile.c sshkey_try_load_public), and
        // its comment is the rest of the line up to the first CR, trailing blanks kept.
        if path != "-", let sibling = try? KeyFile.read(FileIO.read(path + ".pub")),
           let pub = sibling.lazy.compactMap({ try? $0.result.get() }).first, pub.publicKey == doc.publicKey {
            let verbatim = (pub.verbatimComment ?? Array(pub.comment.utf8)).prefix { $0 != 0x0d && $0 != 0x0a }
            return visEscaped(verbatim.isEmpty ? Array((path + ".pub").utf8) : Array(verbatim))
        }
        switch (doc.format, doc.content) {
        case (.opensshPrivate, .privateKey): return visEscaped(doc.comment)
        case (.opensshPrivate, _): return "no comment"
        default: return doc.comment.isEmpty ? "no comment" : visEscaped(doc.comment)
        }
    }

    /// What OpenSSH's mprintf does to untrusted text in a UTF-8 locale: tab, CR and LF pass, other
    /// control characters and invalid UTF-8 bytes become \ooo octal escapes.
    static func visEscaped(_ text: String) -> String { visEscaped(Array(text.utf8)) }

    static func visEscaped(_ bytes: [UInt8]) -> String {
        guard bytes.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return String(decoding: bytes, as: UTF8.self) }
        func octal(_ byte: UInt8) -> String {
            let digits = String(byte, radix: 8)
            return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
        }
        var out = ""
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0
            // One character at a time; what does not decode (overlong, surrogate, cut short) is
            // escaped byte by byte, as mbtowc failing makes OpenSSH do.
            guard length > 0, i + length <= bytes.count,
                  let character = String(validating: bytes[i..<i + length], as: UTF8.self),
                  let scalar = character.unicodeScalars.first else {
                out += octal(lead)
                i += 1
                continue
            }
            let v = scalar.value
            if (v < 0x20 && v != 0x09 && v != 0x0a && v != 0x0d) || (v >= 0x7f && v < 0xa0) {
                for byte in bytes[i..<i + length] { out += octal(byte) }
            } else {
                out.unicodeScalars.append(scalar)
            }
            i += length
        }
        return out
    }

    static func render(_ key: PublicKey, document doc: KeyDocument, path: String, hash: FingerprintHash, verbose: Bool, json: Bool) -> String {
        if json {
            var o = JSONObject()
            o.add("file", path)
            o.add("line", doc.line)
            o.add("type", key.sshType)
            o.add("bits", key.bits)
            o.add("comment", doc.comment)
            o.add("sha256", key.fingerprint(.sha256))
            o.add("md5", key.fingerprint(.md5))
            o.add("format", doc.format.rawValue)
            if let options = doc.options { o.add("options", options) }
            if let hosts = doc.hosts { o.add("hosts", hosts) }
            if let marker = doc.marker { o.add("marker", marker) }
            return o.text + "\n"
        }
        // ssh-keygen skips @cert-authority/@revoked lines (it skips only one token before the key).
        if doc.marker != nil { return "" }
        var line = "\(key.bits) \(key.fingerprint(hash)) \(label(doc, path: path)) (\(key.displayType))\n"
        if verbose { line += Randomart.render(key, hash: hash) + "\n" }
        return line
    }
}

/// Thrown to leave with a specific exit status after messages were already printed.
struct ExitCodeError: Error {
    let code: ExitCode
    init(_ code: ExitCode) { self.code = code }
}

/// Streams authorized_keys / known_hosts / .pub files of any size: fixed-size chunks, lines parsed and
/// hashed on every core, output in input order. Memory stays flat however long the file is: one
/// read buffer plus one output buffer per worker, both about `chunkSize`.
///
/// Plain canonical lines take `LineFingerprinter` (no allocation per line); every other line takes
/// the general parser and renderer, so both paths print the same bytes and errors come from one place.
enum BulkFingerprinter {
    static let chunkSize = 1 << 20
    /// Below this many lines in a chunk one thread does it all (thread hand-off costs more).
    static let parallelThreshold = 2048

    static let workerCount: Int = {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, min(16, online))
    }()

    /// Returns nil when the file is not a public-line file (the caller then reads it as a key file).
    static func tryStreaming(path: String, hash: FingerprintHash, verbose: Bool, json: Bool, out: inout OutputBuffer, reader: inout KeyReader) -> Bool? {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        // One buffer: [unfinished line carried over | newly read bytes]. A line never outgrows it:
        // a line longer than 1 MiB is no key line.
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var first = true
        var sawKey = false
        var failures: [(Int, KeyportError)] = []
        var head: [UInt8] = []
        var consumed = 0
        while true {
            var n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                if first { return nil }
                // A read error midway: say so, the output so far is not the whole file.
                reader.fail(path, KeyportError.io(path: path, reason: "read failed: \(String(cString: strerror(errno)).lowercased())"))
                return true
            }
            if first {
                first = false
                // A pipe may deliver a few bytes first: detect on at least 4 KiB (or the whole input).
                while n > 0, n < 4096 {
                    let more = read(fd, buffer.baseAddress! + n, buffer.count - n)
                    if more < 0, errno == EINTR { continue }
                    if more <= 0 { break }
                    n += more
                }
                let start = Array(buffer[0..<n])
                head = Array(start.prefix(4096))
                // Only line files stream; stdin that is something else is kept for the general path.
                if KeyFile.detect(start) != .publicLines || start.isEmpty {
                    if fd == STDIN_FILENO {
                        var rest = start
                        do {
                            while true {
                                let m = read(fd, buffer.baseAddress!, buffer.count)
                                if m <= 0 { break }
                                rest.append(contentsOf: buffer[0..<m])
                                if rest.count > KeyFile.maximumSize { throw KeyportError.io(path: path, reason: "larger than 1024 KiB; not a key file") }
                            }
                            stdinFallback = rest
                        } catch { reader.fail(path, error); return true }
                    }
                    return nil
                }
            }
            if n == 0 { break }
            filled += n
            let valid = UnsafeBufferPointer(rebasing: buffer[0..<filled])
            guard let lastNewline = lastIndex(of: UInt8(ascii: "\n"), in: valid) else {
                if filled == buffer.count {
                    for (line, error) in failures { reader.fail(path, line: line, error) }
                    reader.fail(path, line: lineNumber + 1, KeyportError.unrecognizedFormat(seen: "a line longer than \(KeyFile.maximumSize / 1024) KiB"))
                    return true
                }
                continue
            }
            process(UnsafeBufferPointer(rebasing: valid[0...lastNewline]), startLine: &lineNumber, path: path, hash: hash, verbose: verbose, json: json, out: &out, failures: &failures, sawKey: &sawKey)
            consumed += lastNewline + 1
            // Move the unfinished last line to the front.
            let tail = filled - (lastNewline + 1)
            if tail > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + lastNewline + 1, byteCount: tail)
            }
            filled = tail
            if sawKey {
                // Once a key was seen every bad line is reported on its own: no need to keep them.
                for (line, error) in failures { reader.fail(path, line: line, error) }
                failures.removeAll()
            } else if consumed > KeyFile.maximumSize {
                // Not one key in the first MiB: binary data or text that is no key file (and may be
                // endless, like a device). Give the whole-file verdict instead of reading on.
                reader.fail(path, KeyFile.noKeyError(head: head, failedLines: max(failures.count, 2))
                            ?? KeyportError.unrecognizedFormat(seen: "no key in the first \(KeyFile.maximumSize / 1024) KiB"))
                return true
            }
        }
        if filled > 0 {
            process(UnsafeBufferPointer(rebasing: buffer[0..<filled]), startLine: &lineNumber, path: path, hash: hash, verbose: verbose, json: json, out: &out, failures: &failures, sawKey: &sawKey)
        }
        // The same verdict KeyFile.read gives for a whole file without a key.
        if !sawKey, let error = KeyFile.noKeyError(head: head, failedLines: failures.count) {
            reader.fail(path, error)
            return true
        }
        for (line, error) in failures { reader.fail(path, line: line, error) }
        return true
    }

    nonisolated(unsafe) static var stdinFallback: [UInt8]?

    static func lastIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        // A backward scan: it only crosses the last (unfinished) line.
        var i = buffer.count
        while i > 0 {
            i -= 1
            if buffer[i] == byte { return i }
        }
        return nil
    }

    /// Number of LF bytes in `buffer` (memchr runs at memory speed).
    static func countLines(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        guard var p = buffer.baseAddress.map(UnsafeRawPointer.init) else { return 0 }
        var left = buffer.count
        var count = 0
        while left > 0, let hit = memchr(p, 0x0A, left) {
            count += 1
            let next = UnsafeRawPointer(hit) + 1
            left -= next - p
            p = next
        }
        return count
    }

    /// Parses the lines of `block` (complete lines, the last one possibly without LF) on all cores
    /// and appends the output in input order. The block is cut into one byte range per worker at
    /// line boundaries; each worker first counts the lines before its range is known (a memchr
    /// pass, also parallel), so line numbers are exact without a serial scan.
    static func process(_ block: UnsafeBufferPointer<UInt8>, startLine: inout Int, path: String, hash: FingerprintHash, verbose: Bool, json: Bool,
                        out: inout OutputBuffer, failures: inout [(Int, KeyportError)], sawKey: inout Bool) {
        guard !block.isEmpty else { return }
        let workers = block.count / 100 < parallelThreshold ? 1 : workerCount
        // Cut points: each range ends just after an LF (or at the end of the block).
        var cuts = [0]
        for w in 1..<max(workers, 1) {
            var c = max(1, cuts[cuts.count - 1], block.count * w / workers)
            while c < block.count, block[c - 1] != UInt8(ascii: "\n") { c += 1 }
            cuts.append(c)
        }
        cuts.append(block.count)
        let base = startLine
        let cutPoints = cuts
        nonisolated(unsafe) let lines = block
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<ChunkResult>.allocate(capacity: workers)
        results.initialize(repeating: ChunkResult())
        defer { results.deinitialize().deallocate() }
        let lineCounts = UnsafeMutableBufferPointer<Int>.allocate(capacity: workers)
        defer { lineCounts.deallocate() }
        nonisolated(unsafe) let counts = lineCounts
        if workers == 1 {
            results[0] = fingerprintLines(block, firstLine: base + 1, path: path, hash: hash, verbose: verbose, json: json)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                counts[w] = countLines(UnsafeBufferPointer(rebasing: lines[cutPoints[w]..<cutPoints[w + 1]]))
            }
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let range = UnsafeBufferPointer(rebasing: lines[cutPoints[w]..<cutPoints[w + 1]])
                let first = base + 1 + (0..<w).reduce(0) { $0 + counts[$1] }
                results[w] = fingerprintLines(range, firstLine: first, path: path, hash: hash, verbose: verbose, json: json)
            }
        }
        for w in 0..<workers {
            out.append(bytes: results[w].text)
            failures.append(contentsOf: results[w].errors)
            if results[w].sawKey { sawKey = true }
            startLine += results[w].lines
        }
    }

    struct ChunkResult {
        var text: [UInt8] = []
        var errors: [(Int, KeyportError)] = []
        var sawKey = false
        var lines = 0
    }

    /// One worker's share: every line of `range`, numbered from `firstLine`.
    static func fingerprintLines(_ range: UnsafeBufferPointer<UInt8>, firstLine: Int, path: String, hash: FingerprintHash, verbose: Bool, json: Bool) -> ChunkResult {
        var result = ChunkResult()
        result.text.reserveCapacity(range.count / 2 + 256)
        var fast = LineFingerprinter()
        let useFast = !verbose && !json
        var s = 0
        var number = firstLine
        while s < range.count {
            var e = s
            if let hit = memchr(range.baseAddress! + s, 0x0A, range.count - s) {
                e = UnsafeRawPointer(hit) - UnsafeRawPointer(range.baseAddress!)
            } else {
                e = range.count
            }
            let line = UnsafeBufferPointer(rebasing: range[s..<e])
            if useFast, fast.append(line: line, hash: hash, to: &result.text) {
                result.sawKey = true
            } else {
                switch OpenSSHPublicFormat.parseLine(ArraySlice(line), lineNumber: number) {
                case .skip: break
                case let .failure(error): result.errors.append((number, error))
                case let .key(doc):
                    result.sawKey = true
                    if let key = doc.publicKey {
                        result.text.append(contentsOf: FingerprintCommand.render(key, document: doc, path: path, hash: hash, verbose: verbose, json: json).utf8)
                    }
                }
            }
            number += 1
            result.lines += 1
            s = e + 1
        }
        return result
    }
}
