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

    /// The content of `path` if it is a regular file (symbolic links followed) of at most `limit`
    /// bytes, else nil. For files read only if present, such as the FILE.pub beside a private key:
    /// a FIFO there must not block keyport (it is opened non-blocking and never read), nor a device
    /// feed it. The content is public; it is not wiped.
    public static func readRegularFile(_ path: String, limit: Int = KeyFile.maximumSize) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else { return nil }
        var out = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var count = 0
        while count < out.count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            count += n
        }
        // One byte more than the size was asked for: a file that grew past the limit is refused.
        guard count <= limit else { return nil }
        return Array(out[0..<count])
    }

    /// Whether `path` is a directory (symbolic links followed).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// strerror's text for `code` (by default the current errno), lowercased.
    public static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
