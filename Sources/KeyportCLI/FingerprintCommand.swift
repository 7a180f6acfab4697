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

    @Option(name: .customShort("E"), help: "Fingerprint hash: sha256 or md5.")
    var hash: FingerprintHash = .sha256

    @Flag(name: .shortAndLong, help: "Also print the randomart picture, as ssh-keygen -lv.")
    var verbose = false

    @Flag(name: .long, help: "One JSON object per key per line (file, line, type, bits, comment, sha256, md5).")
    var json = false

    @OptionGroup var unlock: UnlockOptions

    @Argument(help: ArgumentHelp("Key files; - reads standard input.", valueName: "file"))
    var files: [String]

    mutating func run() throws {
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
                        doc = try KeyFile.unlock(doc, passphrase: unlock.passphrase(for: path, cache: &passphrase))
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
            let comment = doc.verbatimComment ?? doc.comment
            if !comment.isEmpty, !comment.hasPrefix("#") { return visEscaped(comment) }
            return (doc.options ?? doc.hosts).map(visEscaped) ?? "no comment"
        }
        // Private key files (ssh-keygen.c fingerprint_private): the comment of FILE.pub when it holds
        // the same key, else the comment stored in an unencrypted openssh-key-v1 file (which may be
        // empty: the two-space form), else "no comment". PEM stores no comment; PPK keeps its own.
        if path != "-", let sibling = try? KeyFile.read(FileIO.read(path + ".pub")),
           case let .success(pub)? = sibling.first?.result, pub.publicKey == doc.publicKey, !pub.comment.isEmpty {
            return visEscaped(pub.comment)
        }
        switch (doc.format, doc.content) {
        case (.opensshPrivate, .privateKey): return visEscaped(doc.comment)
        case (.opensshPrivate, _): return "no comment"
        default: return doc.comment.isEmpty ? "no comment" : visEscaped(doc.comment)
        }
    }

    /// What OpenSSH's mprintf does to untrusted text in a UTF-8 locale: tab, CR and LF pass, other
    /// control characters and invalid UTF-8 bytes become \ooo octal escapes.
    static func visEscaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0xFFFD || (v < 0x20 && v != 0x09 && v != 0x0a && v != 0x0d) || (v >= 0x7f && v < 0xa0) {
                for byte in String(scalar).utf8 {
                    let octal = String(byte, radix: 8)
                    out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
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
/// hashed on every core, output in input order. Memory stays flat however long the file is.
enum BulkFingerprinter {
    static let chunkSize = 1 << 20

    /// Returns nil when the file is not a public-line file (the caller then reads it as a key file).
    static func tryStreaming(path: String, hash: FingerprintHash, verbose: Bool, json: Bool, out: inout OutputBuffer, reader: inout KeyReader) -> Bool? {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        // The first chunk may be a whole private key file (handed back to the key-file path).
        defer { SecureBytes.wipe(&chunk) }
        var lineNumber = 0
        var first = true
        var sawKey = false
        var failures: [(Int, KeyportError)] = []
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return first ? nil : true }
            if first {
                first = false
                var head = Array(chunk[0..<n])
                defer { SecureBytes.wipe(&head) }
                // Only line files stream; for stdin the first chunk is kept by handing back nil only
                // when it can be re-read (a regular file).
                if KeyFile.detect(head) != .publicLines || head.isEmpty {
                    if fd == STDIN_FILENO {
                        var rest = head
                        do {
                            while true {
                                let m = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                                if m <= 0 { break }
                                rest.append(contentsOf: chunk[0..<m])
                                if rest.count > KeyFile.maximumSize { throw KeyportError.io(path: path, reason: "larger than 1024 KiB; not a key file") }
                            }
                            stdinFallback = rest
                        } catch { reader.fail(path, error); return true }
                    }
                    return nil
                }
            }
            if n == 0 { break }
            pending.append(contentsOf: chunk[0..<n])
            guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else {
                // Memory stays flat only if lines are bounded: no key line is anywhere near 1 MiB.
                if pending.count > KeyFile.maximumSize {
                    reader.fail(path, line: lineNumber + 1, KeyportError.malformed(format: "public key line", field: "line",
                                                                                  reason: "longer than \(KeyFile.maximumSize / 1024) KiB without a line end; not a key line"))
                    return true
                }
                continue
            }
            let block = Array(pending[0...lastNewline])
            pending.removeSubrange(0...lastNewline)
            process(block, startLine: &lineNumber, path: path, hash: hash, verbose: verbose, json: json, out: &out, failures: &failures, sawKey: &sawKey)
        }
        if !pending.isEmpty {
            process(pending, startLine: &lineNumber, path: path, hash: hash, verbose: verbose, json: json, out: &out, failures: &failures, sawKey: &sawKey)
        }
        if !sawKey, !failures.isEmpty, failures.count > 1 {
            reader.fail(path, KeyportError.unrecognizedFormat(seen: "no valid key on any of \(failures.count) lines"))
            return true
        }
        for (line, error) in failures { reader.fail(path, line: line, error) }
        if !sawKey, failures.isEmpty { reader.fail(path, KeyportError.unrecognizedFormat(seen: "no key in the file")) }
        return true
    }

    nonisolated(unsafe) static var stdinFallback: [UInt8]?

    /// Parses the complete lines of `block` on all cores and appends the output in order.
    static func process(_ block: [UInt8], startLine: inout Int, path: String, hash: FingerprintHash, verbose: Bool, json: Bool,
                        out: inout OutputBuffer, failures: inout [(Int, KeyportError)], sawKey: inout Bool) {
        // Line boundaries first (cheap), then split the lines into one slice per worker.
        var starts: [Int] = [0]
        block.withUnsafeBufferPointer { buf in
            for i in 0..<buf.count where buf[i] == UInt8(ascii: "\n") && i + 1 < buf.count { starts.append(i + 1) }
        }
        let lineCount = starts.count
        let workers = lineCount < 512 ? 1 : 2
        let per = (lineCount + workers - 1) / workers
        let base = startLine
        let lineStarts = starts
        // One slot per worker, each written by exactly one worker, read after all have finished.
        nonisolated(unsafe) let outputs = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: workers)
        nonisolated(unsafe) let errors = UnsafeMutableBufferPointer<[(Int, KeyportError)]>.allocate(capacity: workers)
        nonisolated(unsafe) let found = UnsafeMutableBufferPointer<Bool>.allocate(capacity: workers)
        outputs.initialize(repeating: [])
        errors.initialize(repeating: [])
        found.initialize(repeating: false)
        defer {
            outputs.deinitialize().deallocate()
            errors.deinitialize().deallocate()
            found.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var text: [UInt8] = []
            text.reserveCapacity(per * 80)
            var errs: [(Int, KeyportError)] = []
            var any = false
            let lo = w * per, hi = min(lineCount, lo + per)
            if lo < hi {
                for i in lo..<hi {
                    let s = lineStarts[i]
                    var e = i + 1 < lineCount ? lineStarts[i + 1] - 1 : block.count
                    if e > s, block[e - 1] == UInt8(ascii: "\n") { e -= 1 }
                    let number = base + i + 1
                    switch OpenSSHPublicFormat.parseLine(block[s..<e], lineNumber: number) {
                    case .skip: break
                    case let .failure(error): errs.append((number, error))
                    case let .key(doc):
                        any = true
                        if let key = doc.publicKey {
                            text.append(contentsOf: FingerprintCommand.render(key, document: doc, path: path, hash: hash, verbose: verbose, json: json).utf8)
                        }
                    }
                }
            }
            outputs[w] = text
            errors[w] = errs
            found[w] = any
        }
        for w in 0..<workers {
            out.append(bytes: outputs[w])
            failures.append(contentsOf: errors[w])
            if found[w] { sawKey = true }
        }
        startLine += lineCount
    }
}
