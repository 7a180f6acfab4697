#if canImport(Glibc)
import Glibc
#endif
import Keyport

/// Exit codes, sysexits style, documented in keyport(1) and the README.
enum ExitCode: Int32 {
    case ok = 0
    /// lint: findings at or above --fail-on.
    case findings = 1
    case usage = 64
    /// The input is not a valid key (or holds an invalid key).
    case dataError = 65
    case noInput = 66
    case software = 70
    case cannotCreate = 73
    case ioError = 74
    /// A passphrase was needed and not given, or was wrong.
    case passphrase = 77

    static func of(_ error: KeyportError) -> ExitCode {
        switch error {
        case .malformed, .truncated, .unrecognizedFormat, .unsupported, .integrityCheckFailed, .keyMismatch: return .dataError
        case .passphraseRequired, .wrongPassphrase: return .passphrase
        case .cannotEncode, .usage: return .usage
        case .outputExists: return .cannotCreate
        // FileIO.writeAtomically and mkdir of ~/.ssh: the output side, whatever errno said.
        case let .io(_, reason) where reason.hasPrefix("cannot create"): return .cannotCreate
        case let .io(_, reason): return reason.contains("no such file") || reason.contains("permission") || reason.contains("directory") ? .noInput : .ioError
        case .crypto: return .software
        }
    }
}

/// Standard error and standard output, unbuffered by Foundation.
enum Terminal {
    /// `keyport: FILE[:LINE]: message` on standard error; the `keyport:` prefix is red on a
    /// colour terminal so errors stand out among findings and progress.
    static func report(_ path: String?, line: Int? = nil, _ message: String) {
        var text = Colour.standardError.paint("keyport:", .red) + " "
        if let path { text += (path == "-" ? "(stdin)" : path) + (line.map { ":\($0)" } ?? "") + ": " }
        text += message + "\n"
        writeError(text)
    }

    static func warn(_ message: String) {
        guard !quiet else { return }
        writeError("keyport: " + Colour.standardError.paint("warning:", .yellow) + " \(message)\n")
    }

    static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// ANSI colour for one output stream, on only where a person reads it: the stream is a terminal,
/// NO_COLOR is unset or empty (https://no-color.org) and TERM is not `dumb`. Pipes, files and CI
/// logs get plain text, so output stays byte-identical to what scripts and golden tests expect.
struct Colour {
    enum Code: String {
        case red = "31", yellow = "33", cyan = "36", bold = "1"
    }

    let enabled: Bool

    init(fileDescriptor: Int32, environment: [String: String] = Colour.environment) {
        enabled = Colour.allowed(environment: environment) && isatty(fileDescriptor) == 1
    }

    /// The policy without the terminal test, separate so that tests can check it.
    static func allowed(environment: [String: String]) -> Bool {
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    static var environment: [String: String] {
        var out: [String: String] = [:]
        for name in ["NO_COLOR", "TERM"] { if let value = getenv(name) { out[name] = String(cString: value) } }
        return out
    }

    static var standardOutput: Colour { Colour(fileDescriptor: STDOUT_FILENO) }
    static var standardError: Colour { Colour(fileDescriptor: STDERR_FILENO) }

    /// `text` in the colour when enabled, else `text` unchanged.
    func paint(_ text: String, _ code: Code) -> String {
        enabled ? "\u{1B}[\(code.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Lint severities: errors red, warnings yellow, info cyan.
    func paint(_ severity: Severity) -> String {
        switch severity {
        case .error: return paint(severity.rawValue, .red)
        case .warning: return paint(severity.rawValue, .yellow)
        case .info: return paint(severity.rawValue, .cyan)
        }
    }
}

/// Buffered standard output: one write per 64 KiB instead of one per line.
struct OutputBuffer {
    private var buffer: [UInt8] = []
    /// The errno of the first failed write (a full disk, a closed pipe), if any; what follows is dropped.
    private(set) var writeError: Int32?

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func append(bytes: [UInt8]) {
        // Large blocks (a bulk worker's share) go straight out instead of through the buffer.
        if bytes.count >= 1 << 16 {
            flush()
            writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends several blocks in order: small ones through the buffer, large ones in one writev.
    mutating func append(parts: [UnsafeRawBufferPointer]) {
        let total = parts.reduce(0) { $0 + $1.count }
        if total < 1 << 16 {
            for part in parts where part.count > 0 { buffer.append(contentsOf: part) }
            if buffer.count >= 1 << 16 { flush() }
            return
        }
        flush()
        guard writeError == nil else { return }
        var vectors = parts.filter { $0.count > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress!), iov_len: $0.count) }
        var first = 0
        while first < vectors.count {
            let n = vectors.withUnsafeBufferPointer { v in writev(STDOUT_FILENO, v.baseAddress! + first, Int32(min(v.count - first, 1024))) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                writeError = n < 0 ? errno : EIO
                return
            }
            // Skip what was written; a partly written vector is shortened.
            var left = n
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base += left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    mutating func flush() {
        writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func writeAll(_ bytes: [UInt8]) {
        guard writeError == nil else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                writeError = n < 0 ? errno : EIO
                break
            }
            offset += n
        }
    }
}

/// Passphrases: from a file (first line) or a no-echo prompt on the terminal; never from argv.
enum Passphrase {
    /// Reads the first line of a file, without its line ending.
    static func fromFile(_ path: String) throws -> SecureBytes {
        var bytes = try FileIO.read(path, limit: 64 * 1024)
        defer { SecureBytes.wipe(&bytes) }
        var end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return SecureBytes(bytes[0..<end])
    }

    /// Prompts on /dev/tty with echo off. Returns nil when there is no terminal.
    static func prompt(_ message: String) -> SecureBytes? {
        guard Terminal.stdinIsTerminal else { return nil }
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var old = termios()
        // Without the terminal's settings there is nothing to restore afterwards: do not prompt.
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            _ = write(fd, "\n", 1)
        }
        _ = message.withCString { write(fd, $0, strlen($0)) }
        var line: [UInt8] = []
        // Room for any real passphrase up front: growing would free unwiped copies.
        line.reserveCapacity(4096)
        defer { SecureBytes.wipe(&line) }
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return SecureBytes(line)
    }

    /// Asks twice and insists that both agree.
    static func promptNew(for what: String) throws -> SecureBytes? {
        guard let first = prompt("Enter passphrase for \(what) (empty for no passphrase): ") else { return nil }
        guard let second = prompt("Enter same passphrase again: ") else { return nil }
        guard first == second else { throw KeyportError.usage("passphrases do not match") }
        return first
    }
}
