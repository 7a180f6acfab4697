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

    @Option(name: .customShort("E"), help: ArgumentHelp("Fingerprint hash, in any case.", valueName: "hash"))
    var hash: FingerprintHash = .sha256

    @Flag(name: .shortAndLong, help: "Also print the randomart picture, as ssh-keygen -lv.")
    var verbose = false

    @Flag(name: .long, help: "One JSON object per key per line (file, line, type, bits, comment, sha256, md5).")
    var json = false

    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("Key files; - reads standard input.", valueName: "file"), completion: .file())
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
            // schema/keyport.schema.json#/$defs/fingerprint; -E adds its hash, -v the randomart.
            var o = JSONObject()
            o.add("file", FileIO.displayName(path))
            o.add("line", doc.keyLine)
            o.add("type", key.sshType)
            o.add("bits", key.bits)
            o.add("comment", doc.knownComment)
            o.add("sha256", key.fingerprint(.sha256))
            o.add("md5", key.fingerprint(.md5))
            if hash == .sha1 || hash == .sha512 { o.add(hash.rawValue, key.fingerprint(hash)) }
            if verbose { o.add("randomart", Randomart.render(key, hash: hash)) }
            o.add("format", doc.format.rawValue)
            if let options = doc.optionList { o.add("options", raw: JSONObject.array(options)) }
            if let hosts = doc.hostPatterns { o.add("hosts", raw: JSONObject.array(hosts)) }
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

    /// Byte ranges each chunk is cut into: more than there are cores, so they balance.
    static let piecesPerChunk = workerCount == 1 ? 1 : workerCount * 4

    /// A chunk read and cut, ready to fingerprint: `buffer[0..<blockEnd]` holds whole lines
    /// (the last one without LF at the end of the input), `buffer[blockEnd..<filled]` the start of
    /// an unfinished line.
    struct Chunk {
        var filled = 0
        var blockEnd = 0
        var eof = false
        /// errno of a failed read; the data before it is still valid.
        var readError: Int32?
        /// No LF in a full buffer: a line too long for a key line.
        var overlong = false
        var cuts: [Int] = []
        var counts: [Int] = []
    }

    /// Reads into `buffer` after the `carried` bytes already there until a line ends (or the
    /// buffer fills, or the input ends), then cuts the block of whole lines into pieces at line
    /// boundaries and counts each piece's lines.
    static func prepare(fd: Int32, buffer: UnsafeMutableBufferPointer<UInt8>, carried: Int, alreadyRead: Bool) -> Chunk {
        var chunk = Chunk()
        chunk.filled = carried
        var readSomething = alreadyRead
        var lastNewline: Int? = nil
        while true {
            if readSomething {
                lastNewline = lastIndex(of: UInt8(ascii: "\n"), in: UnsafeBufferPointer(rebasing: buffer[0..<chunk.filled]))
                if lastNewline != nil || chunk.eof || chunk.readError != nil { break }
                if chunk.filled == buffer.count { chunk.overlong = true; break }
            }
            readSomething = true
            let n = read(fd, buffer.baseAddress! + chunk.filled, buffer.count - chunk.filled)
            if n < 0 {
                if errno == EINTR { readSomething = false; continue }
                chunk.readError = errno
            } else if n == 0 {
                chunk.eof = true
            } else {
                chunk.filled += n
            }
        }
        if chunk.overlong { return chunk }
        chunk.blockEnd = chunk.eof && chunk.readError == nil ? chunk.filled : (lastNewline.map { $0 + 1 } ?? 0)
        let block = UnsafeBufferPointer(rebasing: buffer[0..<chunk.blockEnd])
        let pieces = block.count / 100 < parallelThreshold ? 1 : piecesPerChunk
        var cuts = [0]
        for w in 1..<max(pieces, 1) {
            var c = max(1, cuts[cuts.count - 1], block.count * w / pieces)
            if c < block.count, let hit = memchr(block.baseAddress! + c - 1, 0x0A, block.count - (c - 1)) {
                c = UnsafeRawPointer(hit) - UnsafeRawPointer(block.baseAddress!) + 1
            } else {
                c = block.count
            }
            cuts.append(c)
        }
        cuts.append(block.count)
        chunk.cuts = cuts
        chunk.counts = (0..<pieces).map { w in
            let range = UnsafeBufferPointer(rebasing: block[cuts[w]..<cuts[w + 1]])
            // A last line without LF is a line too.
            return countLines(range) + (w == pieces - 1 && !range.isEmpty && range[range.count - 1] != 0x0A ? 1 : 0)
        }
        return chunk
    }

    /// Returns nil when the file is not a public-line file (the caller then reads it as a key file).
    static func tryStreaming(path: String, hash: FingerprintHash, verbose: Bool, json: Bool, out: inout OutputBuffer, reader: inout KeyReader) -> Bool? {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        // Two buffers: one is fingerprinted while the next chunk is read into the other. Each holds
        // [unfinished line carried over | newly read bytes]; a line longer than 1 MiB is no key line.
        let buffers = [UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize),
                       UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)]
        defer { for b in buffers { b.deallocate() } }
        var n = 0
        while true {
            n = read(fd, buffers[0].baseAddress!, chunkSize)
            if n < 0, errno == EINTR { continue }
            break
        }
        if n < 0 { return nil }
        // A pipe may deliver a few bytes first: detect on at least 4 KiB (or the whole input).
        while n > 0, n < 4096 {
            let more = read(fd, buffers[0].baseAddress! + n, chunkSize - n)
            if more < 0, errno == EINTR { continue }
            if more <= 0 { break }
            n += more
        }
        let start = Array(buffers[0][0..<n])
        let head = Array(start.prefix(4096))
        // Only line files stream; stdin that is something else is kept for the general path.
        if KeyFile.detect(start) != .publicLines || start.isEmpty {
            if fd == STDIN_FILENO {
                var rest = start
                do {
                    while true {
                        let m = read(fd, buffers[0].baseAddress!, chunkSize)
                        if m <= 0 { break }
                        rest.append(contentsOf: buffers[0][0..<m])
                        if rest.count > KeyFile.maximumSize { throw KeyportError.io(path: path, reason: "larger than 1024 KiB; not a key file") }
                    }
                    stdinFallback = rest
                } catch { reader.fail(path, error); return true }
            }
            return nil
        }

        var lineNumber = 0
        var sawKey = false
        var failures: [(Int, KeyportError)] = []
        var consumed = 0
        var workers = (0..<piecesPerChunk).map { _ in Worker() }
        defer { for w in workers { w.text.deallocate() } }
        var current = 0
        var chunk = prepare(fd: fd, buffer: buffers[0], carried: n, alreadyRead: true)
        while true {
            if chunk.overlong {
                for (line, error) in failures { reader.fail(path, line: line, error) }
                reader.fail(path, line: lineNumber + 1, KeyportError.unrecognizedFormat(seen: "a line longer than \(KeyFile.maximumSize / 1024) KiB"))
                return true
            }
            let buffer = buffers[current], next = buffers[1 - current]
            let tail = chunk.filled - chunk.blockEnd
            let more = !chunk.eof && chunk.readError == nil
            if tail > 0 {
                UnsafeMutableRawPointer(next.baseAddress!).copyMemory(from: buffer.baseAddress! + chunk.blockEnd, byteCount: tail)
            }
            // The pieces of this chunk and, alongside, the reading of the next one.
            var upcoming = Chunk()
            let pieces = chunk.counts.count
            let base = lineNumber
            var firsts = [Int](repeating: 0, count: pieces)
            var running = base + 1
            for w in 0..<pieces { firsts[w] = running; running += chunk.counts[w] }
            let cuts = chunk.cuts, lineStarts = firsts
            nonisolated(unsafe) let block = UnsafeBufferPointer(rebasing: buffer[0..<chunk.blockEnd])
            workers.withUnsafeMutableBufferPointer { ws in
                nonisolated(unsafe) let ws = ws
                withUnsafeMutablePointer(to: &upcoming) { up in
                    nonisolated(unsafe) let up = up
                    nonisolated(unsafe) let nextBuffer = next
                    let run: @Sendable (Int) -> Void = { t in
                        if more, t == 0 {
                            up.pointee = prepare(fd: fd, buffer: nextBuffer, carried: tail, alreadyRead: false)
                            return
                        }
                        let w = more ? t - 1 : t
                        ws[w].fingerprint(UnsafeBufferPointer(rebasing: block[cuts[w]..<cuts[w + 1]]), firstLine: lineStarts[w],
                                          path: path, hash: hash, verbose: verbose, json: json)
                    }
                    let tasks = pieces + (more ? 1 : 0)
                    if tasks == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: run) }
                }
            }
            out.append(parts: workers[0..<pieces].map { UnsafeRawBufferPointer(start: $0.text.baseAddress, count: $0.count) })
            for w in 0..<pieces {
                failures.append(contentsOf: workers[w].errors)
                if workers[w].sawKey { sawKey = true }
            }
            lineNumber = running - 1
            consumed += chunk.blockEnd
            if sawKey {
                // Once a key was seen every bad line is reported on its own: no need to keep them.
                for (line, error) in failures { reader.fail(path, line: line, error) }
                failures.removeAll()
            } else if more && consumed > KeyFile.maximumSize {
                // Not one key in the first MiB: binary data or text that is no key file (and may be
                // endless, like a device). Give the whole-file verdict instead of reading on.
                reader.fail(path, KeyFile.noKeyError(head: head, failedLines: max(failures.count, 2))
                            ?? KeyportError.unrecognizedFormat(seen: "no key in the first \(KeyFile.maximumSize / 1024) KiB"))
                return true
            }
            if let code = chunk.readError {
                // A read error midway: say so, the output so far is not the whole file.
                reader.fail(path, KeyportError.io(path: path, reason: "read failed: \(String(cString: strerror(code)).lowercased())"))
                return true
            }
            if !more { break }
            chunk = upcoming
            current = 1 - current
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

    /// One piece's worker state, kept from chunk to chunk so its output memory is reused.
    struct Worker {
        var text = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        var count = 0
        var errors: [(Int, KeyportError)] = []
        var sawKey = false

        @inline(__always)
        mutating func reserve(_ extra: Int) {
            guard count + extra > text.count else { return }
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(text.count * 2, count + extra))
            grown.baseAddress!.update(from: text.baseAddress!, count: count)
            text.deallocate()
            text = grown
        }

        mutating func append(_ string: String) {
            var string = string
            string.withUTF8 { u in
                reserve(u.count)
                (text.baseAddress! + count).update(from: u.baseAddress!, count: u.count)
                count += u.count
            }
        }

        /// Every line of `range`, numbered from `firstLine`.
        mutating func fingerprint(_ range: UnsafeBufferPointer<UInt8>, firstLine: Int, path: String, hash: FingerprintHash, verbose: Bool, json: Bool) {
            count = 0
            errors.removeAll(keepingCapacity: true)
            sawKey = false
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
                var done = false
                if useFast {
                    reserve(line.count + LineFingerprinter.outputSlack)
                    let n = fast.render(line: line, hash: hash, into: text.baseAddress! + count)
                    if n > 0 { count += n; sawKey = true; done = true }
                }
                if !done {
                    switch OpenSSHPublicFormat.parseLine(ArraySlice(line), lineNumber: number) {
                    case .skip: break
                    case let .failure(error): errors.append((number, error))
                    case let .key(doc):
                        sawKey = true
                        if let key = doc.publicKey {
                            append(FingerprintCommand.render(key, document: doc, path: path, hash: hash, verbose: verbose, json: json))
                        }
                    }
                }
                number += 1
                s = e + 1
            }
        }
    }
}
