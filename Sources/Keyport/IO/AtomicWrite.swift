internal import CKeyportSys
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Output files: complete or absent, never a leftover.
//
// The new content is written to an unnamed file (Linux O_TMPFILE) in the destination's directory,
// synced, and only then given its name with linkat(2): a process killed at any moment, SIGKILL
// included, leaves no file behind, since an unnamed file vanishes with its last descriptor.
// Replacing an existing file (`force`) needs one rename(2), so the finished file is linked under
// a temporary name first; between that link and the rename (two system calls) SIGINT, SIGTERM,
// SIGHUP and SIGQUIT remove the name, and only SIGKILL in that window could leave it. Where the
// filesystem has no O_TMPFILE, a named temporary file (mkstemp) is used and the same signals remove it.

extension FileIO {
    /// Writes `bytes` to `path` atomically: the destination is either untouched or complete, and no
    /// temporary file is left behind (see above). Secret files are mode 0600 from creation on,
    /// whatever the umask; public ones get 0644 less the umask, as ssh-keygen's `.pub` files (0644
    /// under umask 022 or 000, 0600 under 077).
    ///
    /// Without `force` an existing destination is never replaced (linkat(2) refuses atomically).
    /// With `force`, only a regular file or a symbolic link (the link itself, not its target) is
    /// replaced; a directory, FIFO, socket or device is refused with or without it. A destination
    /// that cannot be made throws `io` with a reason starting "cannot create", which the CLI reports
    /// as "cannot create output" (73).
    ///
    /// - Parameter unnamed: false skips O_TMPFILE and takes the named fallback at once (for tests
    ///   of the fallback on filesystems that have O_TMPFILE).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], secret: Bool, force: Bool, unnamed: Bool = true) throws {
        try checkReplaceable(path, force: force)
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let mode: mode_t = secret ? 0o600 : 0o644
        var file = try TemporaryFile(directory: directory, mode: mode, for: path, unnamed: unnamed)
        defer { file.discard() }
        // An explicit 0600 for secrets: the umask could only take bits away, but a permissive
        // creation mode must never be what a private key relies on.
        if secret { fchmod(file.fd, 0o600) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(file.fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw KeyportError.io(path: path, reason: "write failed: \(errorText(code))", cause: .write(errno: code))
            }
            offset += n
        }
        if fsync(file.fd) != 0 {
            let code = errno
            throw KeyportError.io(path: path, reason: "write failed: \(errorText(code))", cause: .write(errno: code))
        }
        try file.commit(to: path, replacing: force)
    }

    /// Throws unless `path` can be written by `writeAtomically`: nothing there, or (with `force`) a
    /// regular file or a symbolic link. A directory, FIFO, socket or device is refused whatever
    /// `force` says (it names what is there), anything else that exists without `force` is
    /// `outputExists`. Call it before asking for passphrases or deriving keys.
    public static func checkReplaceable(_ path: String, force: Bool) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let kind: String
        var code = EEXIST
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFLNK:
            if force { return }
            throw KeyportError.outputExists(path: path)
        case S_IFDIR: (kind, code) = ("a directory", EISDIR)
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR, S_IFBLK: kind = "a device"
        default: kind = "not a regular file"
        }
        throw KeyportError.io(path: path, reason: "cannot create the file: it is \(kind); keyport replaces only a regular file (or a symbolic link itself, never its target)",
                              cause: .create(errno: code))
    }

    /// A temporary file in the destination's directory: unnamed where the filesystem allows it,
    /// else named and removed by the signal handlers until it is committed or discarded.
    struct TemporaryFile {
        var fd: Int32
        /// The name of a named temporary file (fallback), while it exists.
        var name: String?
        var slot: Int32 = -1
        let directory: String

        init(directory: String, mode: mode_t, for path: String, unnamed: Bool) throws {
            self.directory = directory
            let flag = unnamed ? keyport_o_tmpfile() : 0
            if flag != 0 {
                // open applies the umask to `mode`, which is what public outputs want.
                fd = open(directory, flag | O_WRONLY | O_CLOEXEC, mode)
                if fd >= 0 { return }
                // Filesystems without O_TMPFILE say so with EOPNOTSUPP (or EISDIR/EINVAL on old
                // kernels); anything else (no such directory, read-only, permission) is final.
                guard errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL else {
                    throw KeyportError.io(path: path, reason: "cannot create a file in \(directory): \(errorText())", cause: .create(errno: errno))
                }
            }
            (fd, name, slot) = try Self.named(in: directory, mode: mode, for: path)
        }

        /// mkstemp, registered for removal on a signal before any byte is written.
        static func named(in directory: String, mode: mode_t, for path: String) throws -> (Int32, String, Int32) {
            var template = Array("\(directory)/.keyport-XXXXXX".utf8CString)
            keyport_signals_block()
            defer { keyport_signals_unblock() }
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw KeyportError.io(path: path, reason: "cannot create a file in \(directory): \(errorText())", cause: .create(errno: errno)) }
            let name = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let slot = keyport_pending_add(name)
            // mkstemp makes 0600; a public file gets what open(2) would have given it.
            if mode != 0o600 {
                let mask = umask(0)
                umask(mask)
                fchmod(fd, mode & ~mask)
            }
            return (fd, name, slot)
        }

        /// Gives the finished file its name: linkat for an unnamed file (refusing an existing
        /// destination unless `replacing`), rename for a named one.
        mutating func commit(to path: String, replacing: Bool) throws {
            if name == nil {
                if !replacing {
                    try link(to: path)
                    return
                }
                // rename(2) is the only atomic replace: link under a temporary name first (a fresh
                // random one; linkat never takes an existing name).
                keyport_signals_block()
                defer { keyport_signals_unblock() }
                for attempt in 1...8 {
                    let temporary = "\(directory)/.keyport-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
                    slot = keyport_pending_add(temporary)
                    if keyport_link_unnamed(fd, temporary) == 0 {
                        name = temporary
                        break
                    }
                    let code = errno
                    keyport_pending_remove(slot)
                    slot = -1
                    guard code == EEXIST, attempt < 8 else {
                        throw KeyportError.io(path: path, reason: "cannot create the file: \(FileIO.errorText(code))", cause: .create(errno: code))
                    }
                }
            }
            guard let name else { return }
            if replacing {
                // Refuse a FIFO, device or directory that appeared since the first check.
                try FileIO.checkReplaceable(path, force: true)
                guard rename(name, path) == 0 else { throw KeyportError.io(path: path, reason: "cannot create the file: \(FileIO.errorText())", cause: .create(errno: errno)) }
            } else {
                // link(2) fails if the destination appeared meanwhile: never clobber without --force.
                guard Glibc.link(name, path) == 0 else {
                    if errno == EEXIST { throw KeyportError.outputExists(path: path) }
                    throw KeyportError.io(path: path, reason: "cannot create the file: \(FileIO.errorText())", cause: .create(errno: errno))
                }
                unlink(name)
            }
            forget()
        }

        /// The unnamed file under `path`, which must not exist.
        func link(to path: String) throws {
            if keyport_link_unnamed(fd, path) == 0 { return }
            if errno == EEXIST { throw KeyportError.outputExists(path: path) }
            throw KeyportError.io(path: path, reason: "cannot create the file: \(FileIO.errorText())", cause: .create(errno: errno))
        }

        /// The name is the destination's now (or gone): the handlers must not remove it.
        mutating func forget() {
            keyport_pending_remove(slot)
            slot = -1
            name = nil
        }

        /// Closes the file and removes a temporary name that is still there (a failure on the way).
        mutating func discard() {
            if let name {
                keyport_signals_block()
                unlink(name)
                forget()
                keyport_signals_unblock()
            }
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}
