#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File access with the guarantees key files need: bounded reads and atomic, private writes.
public enum FileIO {
    /// Reads a whole file (or standard input for `-`), refusing anything larger than `limit` without
    /// reading it whole. Key files and passphrase files hold secrets, so no copy is left behind in
    /// freed memory: the buffer grows by explicit copies whose old storage is wiped, and the read
    /// chunk is wiped at the end (the caller owns, and should wipe, the result).
    ///
    /// - Parameters:
    ///   - largerLimit: with `accept`, a second bound for content that may legitimately be bigger than
    ///     a key file (authorized_keys and known_hosts files of many thousand lines): once `limit` is
    ///     passed, the first `limit` bytes are shown to `accept` once, and reading goes on up to
    ///     `largerLimit` only if it returns true.
    public static func read(_ path: String, limit: Int = KeyFile.maximumSize, growingTo largerLimit: Int? = nil,
                            when accept: (([UInt8]) -> Bool)? = nil) throws -> [UInt8] {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KeyportError.io(path: path, reason: errorText(), cause: .read(errno: errno)) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        let ceiling = accept == nil ? limit : max(limit, largerLimit ?? limit)
        func tooLarge(_ bound: Int) -> KeyportError {
            .io(path: path, reason: bound == limit ? "larger than \(limit / 1024) KiB; not a key file" : "larger than \(bound >> 20) MiB",
                cause: .tooLarge)
        }
        var st = stat()
        var expected = 0
        if fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw KeyportError.io(path: path, reason: "is a directory", cause: .read(errno: EISDIR)) }
            if (st.st_mode & S_IFMT) == S_IFREG {
                if Int(st.st_size) > ceiling { throw tooLarge(ceiling) }
                expected = Int(st.st_size)
            }
        }
        var bound = limit
        var out: [UInt8] = []
        // One byte more than the expected size, so reaching the end needs no reallocation.
        out.reserveCapacity(min(ceiling, expected) + 1)
        var chunk = [UInt8](repeating: 0, count: 65536)
        defer { wipe(&chunk) }
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                wipe(&out)
                throw KeyportError.io(path: path, reason: errorText(code), cause: .read(errno: code))
            }
            if n == 0 { break }
            if out.count + n > bound {
                // Past the key-file bound: go on only for content the caller accepts (line files).
                guard bound == limit, ceiling > limit, let accept, accept(Array(out.prefix(limit)) + chunk[0..<min(n, limit - out.count)]) else {
                    wipe(&out)
                    throw tooLarge(bound)
                }
                bound = ceiling
                if out.count + n > bound {
                    wipe(&out)
                    throw tooLarge(bound)
                }
            }
            if out.count + n > out.capacity {
                var bigger: [UInt8] = []
                bigger.reserveCapacity(min(bound, max(2 * out.capacity, out.count + n)))
                bigger.append(contentsOf: out)
                wipe(&out)
                out = bigger
            }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The permission bits of a file, or nil.
    public static func mode(_ path: String) -> UInt32? {
        var st = stat()
        guard path != "-", stat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode & 0o7777)
    }

    /// Whether anything (even a dangling symbolic link) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether `path` is a directory (symbolic links followed).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so the
    /// destination is either untouched or complete. Secret files get mode 0600 from creation on.
    /// Without `force`, an existing destination is never replaced (checked atomically with link(2)).
    /// A destination that cannot be made throws `io` with a reason starting "cannot create", which
    /// the CLI reports as "cannot create output" (73) rather than "no input" (66).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], secret: Bool, force: Bool) throws {
        if !force, exists(path) { throw KeyportError.outputExists(path: path) }
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var template = Array("\(directory)/.keyport-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw KeyportError.io(path: path, reason: "cannot create a file in \(directory): \(errorText())", cause: .create(errno: errno)) }
        let tempPath = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var committed = false
        defer {
            if !committed { unlink(tempPath) }
        }
        // mkstemp creates 0600; public files are made world-readable like ssh-keygen's .pub files.
        if !secret { fchmod(fd, 0o644) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw KeyportError.io(path: path, reason: "write failed: \(errorText(code))", cause: .write(errno: code))
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw KeyportError.io(path: path, reason: "write failed: \(errorText(code))", cause: .write(errno: code))
        }
        close(fd)
        if force {
            guard rename(tempPath, path) == 0 else { throw KeyportError.io(path: path, reason: "cannot create the file: \(errorText())", cause: .create(errno: errno)) }
        } else {
            // link(2) fails if the destination appeared meanwhile: never clobber without --force.
            guard link(tempPath, path) == 0 else {
                if errno == EEXIST { throw KeyportError.outputExists(path: path) }
                throw KeyportError.io(path: path, reason: "cannot create the file: \(errorText())", cause: .create(errno: errno))
            }
            unlink(tempPath)
        }
        committed = true
    }

    /// strerror's text for `code` (by default the current errno), lowercased.
    public static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
