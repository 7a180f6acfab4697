// One input of the bulk commands (`fingerprint`, `inspect`, `lint`), read once: the first chunk
// decides whether it is a file of public-key lines (authorized_keys, known_hosts, .pub), which is
// then streamed in fixed-size chunks whatever its size, or any other key file, which is read whole
// (up to KeyFile.maximumSize) from the bytes already in hand. Nothing is opened twice, so standard
// input works the same as a file.
//
// Streaming: two 1 MiB buffers; lines are cut into pieces at line boundaries and each piece is
// handled on its own core, output kept in input order. For a regular file the next chunk is read
// while the current one is handled; for a pipe or terminal the output of a chunk is handed over
// before waiting for more input, so each key appears as soon as its line is read.
//
// Long lines: a line that does not fit in a buffer (over 1 MiB) is no key line. It is reported with
// its number and skipped without being kept, and reading goes on: sshd and ssh-keygen read past it
// too, so it must not hide the keys after it. Only when nothing before it was a key and it does not
// even start like a key line is the input refused as a whole (binary data, a device, /dev/zero).
//
// The buffers may hold a private key (the first chunk of `fingerprint id_rsa`), so they are wiped
// before they are freed. They are mapped pages of their own, not heap: a page nothing was read into
// is never touched, and only the pages the kernel says are resident are wiped before the unmap (for
// one small key that is one page, not 2 MiB of zeroing and 512 page faults).
//
// An input that was whole after the first read (a small file, a pipe that closed) is handled on
// the calling thread: no read-ahead task, no worker thread.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Handles the lines of a streamed line file: one instance per worker thread.
public protocol LineHandler {
    /// Handles one line (without its LF; a CR before it is still there), numbered from 1, writing
    /// what it renders and any failure to `out`.
    mutating func handle(_ line: UnsafeBufferPointer<UInt8>, number: Int, into out: LineOutput)
}

/// What a worker produced for its piece of a chunk: rendered bytes, failed lines, keys seen.
public final class LineOutput: @unchecked Sendable {
    // One worker uses an output at a time (the engine hands each its own): no exclusivity checks
    // on the per-line path.
    @exclusivity(unchecked) private(set) var bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
    /// Bytes written so far.
    @exclusivity(unchecked) public private(set) var count = 0
    /// Lines that failed, with their numbers, in order.
    public private(set) var failures: [(line: Int, error: KeyportError)] = []
    /// Keys handled so far (a file with at least one key is a key file; its bad lines are then
    /// reported one by one).
    @exclusivity(unchecked) public private(set) var keys = 0
    /// Documents kept by handlers that hand over keys rather than text (lint), with their lines.
    public private(set) var documents: [(line: Int, document: KeyDocument)] = []
    /// Keys lint judged whole while reading, kept only as their line and a 64-bit hash of the blob.
    private(set) var cleanKeys: [(line: Int, hash: UInt64)] = []
    /// The moduli of the clean RSA keys among them, for batch GCD: each key's line and the end of
    /// its modulus in `cleanModulusBytes` (it starts where the one before ends).
    private(set) var cleanModuli: [(line: Int, end: Int)] = []
    private(set) var cleanModulusBytes: [UInt8] = []
    /// Their `CleanKeys.Fields` records, one after another, when lint keeps them.
    private(set) var cleanFields: [UInt8] = []

    /// An empty output.
    public init() {}
    deinit { bytes.deallocate() }

    func reset() {
        count = 0
        failures.removeAll(keepingCapacity: true)
        documents.removeAll(keepingCapacity: true)
        cleanKeys.removeAll(keepingCapacity: true)
        cleanModuli.removeAll(keepingCapacity: true)
        cleanModulusBytes.removeAll(keepingCapacity: true)
        cleanFields.removeAll(keepingCapacity: true)
        keys = 0
    }

    /// The bytes written, valid until the next chunk.
    public var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes.baseAddress, count: count) }

    /// Appends text.
    public func append(_ text: String) {
        var text = text
        _ = text.withUTF8 { u in write(maximumCount: u.count) { dst in
            dst.update(from: u.baseAddress!, count: u.count)
            return u.count
        } }
    }

    /// Lets `body` write up to `maximumCount` bytes in place; it returns how many it wrote.
    @discardableResult
    public func write(maximumCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) -> Int {
        if count + maximumCount > bytes.count {
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count * 2, count + maximumCount))
            grown.baseAddress!.update(from: bytes.baseAddress!, count: count)
            bytes.deallocate()
            bytes = grown
        }
        let n = body(bytes.baseAddress! + count)
        count += n
        return n
    }

    /// Records a line that is not a valid key.
    public func fail(line: Int, _ error: KeyportError) { failures.append((line, error)) }

    /// Counts a key (decoded, whatever was printed for it).
    public func noteKey() { keys += 1 }

    /// Counts a key that raised no per-key finding and keeps only its line and blob hash.
    func keepClean(line: Int, hash: UInt64) {
        keys += 1
        cleanKeys.append((line, hash))
    }

    /// `keepClean` for an RSA key, also keeping its modulus (big-endian, no leading zero).
    func keepClean(line: Int, hash: UInt64, modulus: UnsafeBufferPointer<UInt8>) {
        keepClean(line: line, hash: hash)
        cleanModulusBytes.append(contentsOf: modulus)
        cleanModuli.append((line, cleanModulusBytes.count))
    }

    /// Keeps the `CleanKeys.Fields` record of a clean key (with its `keepClean`).
    func keepFields(_ record: UnsafeBufferPointer<UInt8>) { cleanFields.append(contentsOf: record) }

    /// Counts a key and keeps its document for the caller.
    public func keep(_ document: KeyDocument, line: Int) {
        keys += 1
        documents.append((line, document))
    }
}

/// An input opened and read once; see the file's header.
///
/// ```swift
/// let input = try KeyInput(path: "authorized_keys")
/// if input.isLineFile {
///     input.streamLines({ MyHandler() }, emit: { outputs in … }, report: { line, error in … })
/// } else {
///     var bytes = try input.readWhole()   // then KeyFile.read(bytes); wipe bytes afterwards
/// }
/// ```
public final class KeyInput {
    /// The path as given; `-` is standard input.
    public let path: String
    /// True for a file of OpenSSH public-key lines: stream it with `streamLines`.
    public let isLineFile: Bool
    /// True when the input is a regular file (not a pipe, terminal or device).
    public let isRegularFile: Bool
    /// The size of a regular file when it was opened; nil for pipes, terminals and devices.
    public let fileSize: Int?

    /// Bytes per buffer; also the longest line that can be a key line.
    public static let chunkSize = 1 << 20
    /// Below this many bytes in a chunk one thread does it all (thread hand-off costs more).
    static let parallelThreshold = 2048 * 100

    static let workerCount: Int = max(1, min(16, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Byte ranges each chunk is cut into: more than there are cores, so they balance.
    static let piecesPerChunk = workerCount == 1 ? 1 : workerCount * 4

    private let fd: Int32
    private let buffers: [UnsafeMutableBufferPointer<UInt8>]
    /// Bytes of the first read, at the start of `buffers[0]`.
    private let firstCount: Int
    /// True when the first read already met the end of the input.
    private let endedAtOpen: Bool
    /// The first bytes of the input (up to 4 KiB), as detection saw them.
    public let head: [UInt8]
    /// True once `streamLines` gave up before the end: no key in the first MiB, or an endless line
    /// that does not start like a key line.
    public private(set) var stoppedEarly = false

    /// Opens `path` (`-` for standard input) and reads its first chunk.
    public init(path: String) throws {
        self.path = path
        fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KeyportError.io(path: path, reason: FileIO.errorText(), cause: .read(errno: errno)) }
        var st = stat()
        let known = fstat(fd, &st) == 0
        if known, (st.st_mode & S_IFMT) == S_IFDIR {
            if fd != STDIN_FILENO { close(fd) }
            throw KeyportError.io(path: path, reason: "is a directory", cause: .read(errno: EISDIR))
        }
        isRegularFile = known && (st.st_mode & S_IFMT) == S_IFREG
        fileSize = isRegularFile ? Int(st.st_size) : nil
        let first = try Self.mapBuffer(path: path, fd: fd)
        let buffers: [UnsafeMutableBufferPointer<UInt8>]
        do {
            buffers = [first, try Self.mapBuffer(path: path, fd: fd)]
        } catch {
            munmap(first.baseAddress!, first.count)
            throw error
        }
        var count = 0
        var ended = false
        // A pipe may deliver a few bytes first: detect on at least 4 KiB (or the whole input), unless
        // what came is a whole key line already (a producer writing one key at a time must see it
        // handled at once).
        while count < 4096 && !(count > 0 && !isRegularFile && Self.startsWithKeyLine(buffers[0], count: count)) {
            let n = read(fd, buffers[0].baseAddress! + count, Self.chunkSize - count)
            if n < 0, errno == EINTR { continue }
            if n < 0 {
                let code = errno
                Self.release(buffers, fd: fd)
                throw KeyportError.io(path: path, reason: FileIO.errorText(code), cause: .read(errno: code))
            }
            if n == 0 { ended = true; break }
            count += n
        }
        self.buffers = buffers
        firstCount = count
        endedAtOpen = ended
        head = Array(buffers[0][0..<min(count, 4096)])
        // A small input known to be whole, with a line that is not a key (or a byte-order mark), is
        // read whole so that paste damage spanning lines can be repaired (Pasted.swift).
        let whole = ended || (isRegularFile && Int(st.st_size) == count)
        isLineFile = count > 0 && KeyFile.detect(head).isKeyLines
            && !(whole && PasteRepair.wantsWholeFile(UnsafeBufferPointer(rebasing: buffers[0][0..<count])))
    }

    deinit { Self.release(buffers, fd: fd) }

    /// Is the first line of `buffer[0..<count]` complete and a key line?
    static func startsWithKeyLine(_ buffer: UnsafeMutableBufferPointer<UInt8>, count: Int) -> Bool {
        guard let end = buffer[0..<count].firstIndex(of: 0x0A) else { return false }
        if case .key = OpenSSHPublicFormat.parseLine(ArraySlice(buffer[0..<end]), lineNumber: 1) { return true }
        return false
    }

    /// A buffer of `chunkSize` bytes in pages of its own (see the file's header).
    private static func mapBuffer(path: String, fd: Int32) throws -> UnsafeMutableBufferPointer<UInt8> {
        guard let p = mmap(nil, chunkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            let code = errno
            if fd != STDIN_FILENO { close(fd) }
            throw KeyportError.io(path: path, reason: FileIO.errorText(code), cause: .read(errno: code))
        }
        return UnsafeMutableBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: chunkSize)
    }

    /// Wipes the resident pages of each buffer (the only ones that can hold input), unmaps it and
    /// closes the input.
    private static func release(_ buffers: [UnsafeMutableBufferPointer<UInt8>], fd: Int32) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for b in buffers {
            let base = UnsafeMutableRawPointer(b.baseAddress!)
            var resident = [UInt8](repeating: 1, count: (b.count + page - 1) / page)
            // Should mincore fail, every page is wiped (the array says all resident).
            _ = mincore(base, b.count, &resident)
            var i = 0
            while i < resident.count {
                guard resident[i] & 1 != 0 else { i += 1; continue }
                var j = i + 1
                while j < resident.count, resident[j] & 1 != 0 { j += 1 }
                explicit_bzero(base + i * page, min(j * page, b.count) - i * page)
                i = j
            }
            munmap(base, b.count)
        }
        if fd != STDIN_FILENO { close(fd) }
    }

    /// The whole input, for a file that is not streamed; refuses more than `KeyFile.maximumSize`
    /// bytes. The result may be a private key: wipe it when done.
    public func readWhole() throws -> [UInt8] {
        let buffer = buffers[0]
        var filled = firstCount
        while true {
            // One byte of room is kept to see whether the input goes on past the bound.
            let room = filled < buffer.count ? buffer.count - filled : 0
            var probe: UInt8 = 0
            let n = room > 0 ? read(fd, buffer.baseAddress! + filled, room) : read(fd, &probe, 1)
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw KeyportError.io(path: path, reason: FileIO.errorText(), cause: .read(errno: errno)) }
            if n == 0 { break }
            if room == 0 {
                throw KeyportError.io(path: path, reason: "larger than \(KeyFile.maximumSize / 1024) KiB; not a key file", cause: .tooLarge)
            }
            filled += n
        }
        return Array(buffer[0..<filled])
    }

    // MARK: - Streaming

    /// A chunk read and cut: `buffer[0..<blockEnd]` holds whole lines (the last one without LF at
    /// the end of the input), `buffer[blockEnd..<filled]` the start of an unfinished line.
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

    /// The error a line over `chunkSize` is reported with.
    public static var overlongLine: KeyportError {
        .malformed(format: "public key line", field: "line", reason: "longer than \(chunkSize / 1024) KiB; skipped (no key line is that long)")
    }

    /// Streams every line through handlers made by `makeHandler` (one per worker). `emit` gets the
    /// workers' outputs for each chunk (rendered bytes, kept documents), in input order, as soon as
    /// the chunk is done, valid only during the call; `report` gets
    /// each failed line (with its number) or, for an input that holds no key at all, the one
    /// error that describes it (line nil), as `KeyFile.read` would for the whole file.
    public func streamLines<H: LineHandler>(_ makeHandler: () -> H, emit: ([LineOutput]) -> Void,
                                            report reportEach: (Int?, KeyportError) -> Void) {
        precondition(isLineFile, "streamLines is for line files")
        // Failures arrive in line order: the body of a private key pasted among the lines is
        // folded into the report of its BEGIN line.
        var fold = ExposedArmourFold()
        func report(_ line: Int?, _ error: KeyportError) {
            if fold.keep(line: line, error) { reportEach(line, error) }
        }
        let workers = UnsafeMutableBufferPointer<(handler: H, output: LineOutput)>.allocate(capacity: Self.piecesPerChunk)
        for w in 0..<workers.count { (workers.baseAddress! + w).initialize(to: (makeHandler(), LineOutput())) }
        defer {
            workers.baseAddress!.deinitialize(count: workers.count)
            workers.deallocate()
        }
        var lineNumber = 0
        var sawKey = false
        var failures: [(Int, KeyportError)] = []
        var consumed = 0
        var current = 0
        var chunk = Self.prepare(fd: fd, buffer: buffers[0], carried: firstCount, alreadyRead: true, ended: endedAtOpen)
        func flushFailures() {
            for (line, error) in failures { report(line, error) }
            failures.removeAll()
        }
        while true {
            if chunk.overlong {
                let number = lineNumber + 1
                let start = Array(buffers[current][0..<4096])
                if !sawKey, !KeyFile.looksLikeKeyLine(start), start.first != UInt8(ascii: "#") {
                    // Nothing so far was a key and this does not start like one: not a key file,
                    // and perhaps endless (a device); stop here.
                    flushFailures()
                    report(number, KeyportError.unrecognizedFormat(seen: "a line longer than \(Self.chunkSize / 1024) KiB"))
                    stoppedEarly = true
                    return
                }
                failures.append((number, Self.overlongLine))
                if sawKey { flushFailures() }
                lineNumber = number
                let (carried, end, error) = Self.skipLine(fd: fd, buffer: buffers[current])
                if let error {
                    flushFailures()
                    report(nil, KeyportError.io(path: path, reason: "read failed: \(FileIO.errorText(error))", cause: .read(errno: error)))
                    return
                }
                if end && carried == 0 { break }
                chunk = Self.prepare(fd: fd, buffer: buffers[current], carried: carried, alreadyRead: true)
                continue
            }
            let buffer = buffers[current], next = buffers[1 - current]
            let tail = chunk.filled - chunk.blockEnd
            let more = !chunk.eof && chunk.readError == nil
            if tail > 0 {
                UnsafeMutableRawPointer(next.baseAddress!).copyMemory(from: buffer.baseAddress! + chunk.blockEnd, byteCount: tail)
            }
            // The pieces of this chunk and, alongside for a regular file, the reading of the next.
            let readAhead = more && isRegularFile
            var upcoming = Chunk()
            let pieces = chunk.counts.count
            var firsts = [Int](repeating: 0, count: pieces)
            var running = lineNumber + 1
            for w in 0..<pieces { firsts[w] = running; running += chunk.counts[w] }
            let cuts = chunk.cuts, lineStarts = firsts, fd = self.fd
            nonisolated(unsafe) let block = UnsafeBufferPointer(rebasing: buffer[0..<chunk.blockEnd])
            nonisolated(unsafe) let ws = workers
            // Each worker touches only its own handler and output.
            nonisolated(unsafe) let piece: (Int) -> Void = { w in
                ws[w].output.reset()
                Self.handle(UnsafeBufferPointer(rebasing: block[cuts[w]..<cuts[w + 1]]), firstLine: lineStarts[w],
                            handler: &ws[w].handler, output: ws[w].output)
            }
            withUnsafeMutablePointer(to: &upcoming) { up in
                nonisolated(unsafe) let up = up
                nonisolated(unsafe) let nextBuffer = next
                let run: @Sendable (Int) -> Void = { t in
                    if readAhead, t == 0 {
                        up.pointee = KeyInput.prepare(fd: fd, buffer: nextBuffer, carried: tail, alreadyRead: false)
                        return
                    }
                    piece(readAhead ? t - 1 : t)
                }
                let tasks = pieces + (readAhead ? 1 : 0)
                if tasks == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: run) }
            }
            emit(workers[0..<pieces].map(\.output))
            for w in 0..<pieces {
                failures.append(contentsOf: workers[w].output.failures.map { ($0.line, $0.error) })
                if workers[w].output.keys > 0 { sawKey = true }
            }
            lineNumber = running - 1
            consumed += chunk.blockEnd
            if sawKey {
                // Once a key was seen every bad line is reported on its own: no need to keep them.
                flushFailures()
            } else if more && consumed > KeyFile.maximumSize {
                // Not one key in the first MiB: binary data or text that is no key file (and may be
                // endless, like a device). Give the whole-file verdict instead of reading on.
                report(nil, KeyFile.noKeyError(head: head, failedLines: max(failures.count, 2))
                       ?? KeyportError.unrecognizedFormat(seen: "no key in the first \(KeyFile.maximumSize / 1024) KiB"))
                stoppedEarly = true
                return
            }
            if let code = chunk.readError {
                // A read error midway: say so, the output so far is not the whole file.
                flushFailures()
                report(nil, KeyportError.io(path: path, reason: "read failed: \(FileIO.errorText(code))", cause: .read(errno: code)))
                return
            }
            if !more { break }
            chunk = readAhead ? upcoming : Self.prepare(fd: fd, buffer: next, carried: tail, alreadyRead: false)
            current = 1 - current
        }
        // The same verdict KeyFile.read gives for a whole file without a key.
        if !sawKey, let error = KeyFile.noKeyError(head: head, failedLines: failures.count) {
            report(nil, error)
            return
        }
        flushFailures()
    }

    /// Every line of `range`, numbered from `firstLine`.
    static func handle<H: LineHandler>(_ range: UnsafeBufferPointer<UInt8>, firstLine: Int, handler: inout H, output: LineOutput) {
        var s = 0
        var number = firstLine
        while s < range.count {
            var e = range.count
            if let hit = memchr(range.baseAddress! + s, 0x0A, range.count - s) {
                e = UnsafeRawPointer(hit) - UnsafeRawPointer(range.baseAddress!)
            }
            handler.handle(UnsafeBufferPointer(rebasing: range[s..<e]), number: number, into: output)
            number += 1
            s = e + 1
        }
    }

    /// Reads into `buffer` after the `carried` bytes already there until a line ends (or the
    /// buffer fills, or the input ends), then cuts the block of whole lines into pieces at line
    /// boundaries and counts each piece's lines.
    static func prepare(fd: Int32, buffer: UnsafeMutableBufferPointer<UInt8>, carried: Int, alreadyRead: Bool, ended: Bool = false) -> Chunk {
        var chunk = Chunk()
        chunk.filled = carried
        chunk.eof = ended
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
        let pieces = block.count < parallelThreshold ? 1 : piecesPerChunk
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

    /// Reads past the rest of an over-long line (the buffer is full of its start), keeping none of
    /// it; what follows its LF is moved to the start of `buffer`. Returns how many bytes that is,
    /// whether the input ended, and the errno of a failed read.
    static func skipLine(fd: Int32, buffer: UnsafeMutableBufferPointer<UInt8>) -> (carried: Int, eof: Bool, error: Int32?) {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n < 0 { return (0, false, errno) }
            if n == 0 { return (0, true, nil) }
            if let hit = memchr(buffer.baseAddress!, 0x0A, n) {
                let after = UnsafeMutablePointer<UInt8>(OpaquePointer(hit)) + 1 - buffer.baseAddress!
                let rest = n - after
                if rest > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + after, byteCount: rest) }
                return (rest, false, nil)
            }
        }
    }

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
}
