// What `keyport lint PATH...` reads: the paths named on the command line, and every regular file
// below the directories among them. Nothing is dropped without a word: each path ends up read,
// skipped (counted, and named with -v) or unreadable (reported, and the run exits non-zero).
//
//   symbolic link to a regular file     read, under the link's name (sshd follows a symlinked authorized_keys)
//   symbolic link to a directory        walked, once: a directory already walked (a loop such as
//                                       `up -> ..`, or a second way in) is skipped
//   dangling link, link loop (ELOOP)    unreadable
//   FIFO, socket, device (or a link to one)   skipped without being opened: a FIFO would block,
//                                       /dev/zero would never end
//   directory or file we may not read   unreadable (`permission denied`)
//   file that clearly holds no key      skipped (see `LintWalk.holdsNoKey`)

import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// The files of a lint run, found by walking its paths, with what was skipped and what could not be read.
struct LintWalk {
    /// A file to read: named on the command line (`explicit`) or found while walking.
    struct File: Equatable {
        var path: String
        var explicit: Bool
    }

    /// A path and why it was skipped or could not be read.
    struct Note: Equatable {
        var path: String
        var reason: String
    }

    private(set) var files: [File] = []
    /// Paths passed over on purpose: not regular files, directories already walked.
    private(set) var skipped: [Note] = []
    /// Paths that could not be read: they make the run fail.
    private(set) var unreadable: [Note] = []
    /// Directories walked so far, by device and inode, so that a loop of links is walked once.
    private var walked: Set<[UInt64]> = []

    /// Walks `paths` in order; a path that is not a directory (or is `-`) is read as it is named.
    init(_ paths: [String]) {
        for path in paths {
            var st = stat()
            if path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                walk(path, st)
            } else {
                files.append(File(path: path, explicit: true))
            }
        }
    }

    /// Records a walked file that turned out to hold no key.
    mutating func skip(_ path: String, _ reason: String) { skipped.append(Note(path: path, reason: reason)) }

    /// Records a walked or named file that could not be read.
    mutating func fail(_ path: String, _ reason: String) { unreadable.append(Note(path: path, reason: reason)) }

    private mutating func walk(_ directory: String, _ st: stat) {
        guard walked.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else {
            skip(directory, "directory already checked (a symbolic link loop or a second link to it)")
            return
        }
        guard let dir = opendir(directory) else {
            fail(directory, Self.errnoText())
            return
        }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { fail(directory, "reading the directory: " + Self.errnoText()) }
                break
            }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                // Swift paths are strings: a name that is not UTF-8 cannot be opened again by name.
                fail(Self.join(directory, String(decoding: bytes, as: UTF8.self)), "the file name is not valid UTF-8; rename it to have it checked")
                continue
            }
            names.append(name)
        }
        closedir(dir)
        for name in names.sorted() {
            let path = Self.join(directory, name)
            var st = stat()
            guard lstat(path, &st) == 0 else {
                fail(path, Self.errnoText())
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                guard stat(path, &st) == 0 else {
                    let code = errno
                    fail(path, code == ENOENT ? "dangling symbolic link" : code == ELOOP ? "symbolic link loop" : Self.errnoText())
                    continue
                }
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(path, st)
            case S_IFREG: files.append(File(path: path, explicit: false))
            default: skip(path, "not a regular file (\(Self.kind(st.st_mode))); not opened")
            }
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a file"
        }
    }

    // MARK: - Files that hold no key

    /// Does a file found while walking clearly hold no key, so that skipping it hides nothing?
    ///
    /// Only when nothing in it was read as a key, its name does not say it holds keys, and its first
    /// bytes show no sign of one. A damaged key (armour present but broken, a byte-order mark,
    /// indentation from a YAML paste, a cut-off file) keeps its markers and is reported as a finding.
    static func holdsNoKey(_ input: LintInput) -> Bool {
        if input.cleanKeyCount > 0 || input.entries.contains(where: { if case .success = $0.result { return true } else { return false } }) {
            return false
        }
        let head = input.head ?? []
        if looksLikeKey(head) { return false }
        // Armour of certificates, requests or parameters only (a .pem of /etc/ssl): no key.
        if String(decoding: head, as: UTF8.self).contains("-----BEGIN") { return true }
        return !hasKeyName(input.path)
    }

    /// File names that say "key": ssh's and PuTTY's usual names and extensions.
    static func hasKeyName(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return [".pub", ".ppk", ".pem", ".key", ".der", ".p8"].contains { name.hasSuffix($0) }
            || ["id_", "authorized_keys", "known_hosts", "ssh_host_"].contains { name.hasPrefix($0) }
    }

    /// Markers of the armoured and headed formats, wherever they sit in the first bytes.
    static let keyMarkers = ["-----BEGIN", "---- BEGIN SSH2", "PuTTY-User-Key-File-", "SSH PRIVATE KEY FILE FORMAT"]

    /// Whether `head` holds any marker of a key (a PEM certificate or CSR alone is no key file).
    static func looksLikeKey(_ head: [UInt8]) -> Bool {
        let text = String(decoding: head, as: UTF8.self)
        for marker in keyMarkers where text.contains(marker) {
            if marker == "-----BEGIN", !hasKeyArmour(text) { continue }
            return true
        }
        if holdsKeyBlob(head) { return true }
        // DER: a SEQUENCE (with a definite length) that opens with a SEQUENCE or an INTEGER, as
        // SubjectPublicKeyInfo, PKCS#1, SEC1 and PKCS#8 do.
        guard head.count >= 4, head[0] == 0x30 else { return false }
        let lengthBytes = head[1] < 0x80 ? 0 : Int(head[1] & 0x7f)
        return lengthBytes <= 3 && head.count > 2 + lengthBytes && [0x30, 0x02].contains(head[2 + lengthBytes])
    }

    /// Whether a Base64 token in `head` decodes to the start of an SSH key blob: a length, then a
    /// type name starting `ssh-`, `ecdsa-` or `sk-` (a key line, perhaps damaged or without its type
    /// word). A key type named in prose ("ssh-rsa AAAA is weak") is not one.
    static func holdsKeyBlob(_ head: [UInt8]) -> Bool {
        var i = 0
        while i + 16 <= head.count {
            guard head[i] == UInt8(ascii: "A"), head[i + 1] == UInt8(ascii: "A"), head[i + 2] == UInt8(ascii: "A"),
                  head[i + 3] == UInt8(ascii: "A"), i == 0 || !isBase64(head[i - 1]) else {
                i += 1
                continue
            }
            if let bytes = Base64.decode(head[i..<i + 16]), bytes.count == 12, bytes[3] >= 6, bytes[3] <= 64 {
                let name = String(decoding: bytes[4...], as: UTF8.self)
                if name.hasPrefix("ssh-") || name.hasPrefix("ecdsa-") || name.hasPrefix("sk-") { return true }
            }
            i += 4
        }
        return false
    }

    static func isBase64(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2f
    }

    private static func hasKeyArmour(_ text: String) -> Bool {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).contains { line in
            line.contains("-----BEGIN") && (line.contains("KEY") || line.contains("SSH2"))
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)).lowercased() }
}
