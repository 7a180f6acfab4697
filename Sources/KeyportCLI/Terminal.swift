#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CKeyportSys
import Keyport

/// keyport's exit codes, sysexits style, documented in keyport(1) and the README. They are
/// ArgumentParser's own `ExitCode`, so a command simply throws one; `of` is the one place that turns
/// an error's kind into a code.
extension ExitCode {
    /// lint: findings at or above --fail-on.
    static let findings = ExitCode(1)
    static let usage = ExitCode(64)
    /// The input is not a valid key (or holds an invalid key).
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let software = ExitCode(70)
    static let cannotCreate = ExitCode(73)
    static let ioError = ExitCode(74)
    /// A passphrase was needed and not given, or was wrong.
    static let passphrase = ExitCode(77)

    /// Every code keyport documents; anything else ArgumentParser reports becomes `usage`.
    static let documented: Set<Int32> = [0, 1, 64, 65, 66, 70, 73, 74, 77]

    static func of(_ error: KeyportError) -> ExitCode { of(error.kind) }

    static func of(_ kind: KeyportError.Kind) -> ExitCode {
        switch kind {
        case .damagedInput, .unsupported, .costRefused: return .dataError
        case .passphraseRequired, .wrongPassphrase: return .passphrase
        case .usage: return .usage
        case .internal: return .software
        case let .io(cause):
            switch cause {
            // The output side (writeAtomically, mkdir of ~/.ssh), whatever errno said.
            case .exists, .create: return .cannotCreate
            // An input that is missing, not readable by us, or a directory.
            case let .read(code): return [ENOENT, EACCES, ENOTDIR, EISDIR].contains(code) ? .noInput : .ioError
            // An input over its size bound is bad input in every command, not an I/O failure.
            case .tooLarge: return .dataError
            case .write, .other: return .ioError
            }
        }
    }
}

extension KeyportError {
    /// The library's message with the command-line hint for it: library messages name no options,
    /// so the options that help are added here.
    var message: String {
        switch self {
        case .outputExists: return description + "; use --force to replace it"
        case let .cannotEncode(_, remedy):
            switch remedy {
            case .none: return description
            case .writeOpenSSH: return description + "; use --to openssh"
            case .writeOpenSSHWithoutCertificate: return description + "; write it --to openssh, or convert the key without its certificate"
            case .givePrivateKey: return description + "; give a private key to convert --to ppk, or --to openssh for the public line"
            case .writePublicOnly: return description + "; use --public, or --to openssh|ppk|pem|pkcs8"
            }
        default: return description
        }
    }
}

/// Standard error and standard output, unbuffered by Foundation.
enum Terminal {
    /// `keyport: FILE[:LINE]: message` on standard error; the `keyport:` prefix is red on a
    /// colour terminal so errors stand out among findings and progress.
    static func report(_ path: String?, line: Int? = nil, _ message: String) {
        // Paths (walked directories) and messages (quoting the input) go through the one
        // escaping rule: a file cannot put a control character on the terminal or forge a line.
        var text = Colour.standardError.paint("keyport:", .red) + " "
        if let path { text += SafeText.escape(path == "-" ? "(stdin)" : path) + (line.map { ":\($0)" } ?? "") + ": " }
        text += SafeText.escape(message) + "\n"
        writeError(text)
    }

    static func warn(_ message: String) { warn(place: "", message) }

    /// `keyport: FILE[:LINE]: warning: message`: something about one input that did not stop it
    /// from being read (a repaired paste).
    static func warn(_ path: String, line: Int?, _ message: String) {
        warn(place: SafeText.escape(FileIO.displayName(path)) + (line.map { ":\($0)" } ?? "") + ": ", message)
    }

    /// `keyport: PLACE warning: message`, the place already escaped; nothing with `-q`.
    private static func warn(place: String, _ message: String) {
        guard !quiet else { return }
        writeError("keyport: " + place + Colour.standardError.paint("warning:", .yellow) + " \(SafeText.escape(message))\n")
    }

    static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Whether a passphrase can be asked for: the process has a controlling terminal (`/dev/tty`),
    /// whatever standard input is.
    static var canPrompt: Bool {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return isatty(fd) == 1
    }
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
    /// The controlling terminal, as ssh-keygen and openssl ask there: standard input may be a pipe
    /// carrying the key itself. With no terminal at all (cron, CI, setsid) nil, and the caller
    /// says which option gives the passphrase instead.
    static func prompt(_ message: String) -> SecureBytes? {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var old = termios()
        // Without the terminal's settings there is nothing to restore afterwards: do not prompt.
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        // Before echo goes off: a signal from here on (Ctrl-C, SIGTERM, SIGHUP) restores the
        // terminal before the process ends, and Ctrl-Z restores it while stopped, then hides the
        // typing again and repeats the prompt on SIGCONT (CKeyportSys's handlers).
        message.withCString { keyport_tty_guard(fd, &old, &quiet, $0) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            keyport_tty_release()
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

    /// Asks twice and insists that both agree. Without `allowEmpty` (the input was encrypted) an
    /// empty answer is refused and asked again, up to three times: pressing Enter twice must not
    /// write an encrypted key in the clear (--no-passphrase says that on purpose).
    static func promptNew(for what: String, allowEmpty: Bool = true) throws -> SecureBytes? {
        for _ in 1...3 {
            guard let first = prompt("Enter passphrase for \(what)\(allowEmpty ? " (empty for no passphrase)" : ""): ") else { return nil }
            if first.isEmpty, !allowEmpty {
                tell("The input key is encrypted; an empty passphrase would write it unencrypted (--no-passphrase does that). Try again.\n")
                continue
            }
            guard let second = prompt("Enter same passphrase again: ") else { return nil }
            guard first == second else { throw KeyportError.usage("passphrases do not match") }
            return first
        }
        throw KeyportError.usage("no passphrase given for the encrypted key: type one, or give --no-passphrase to write it unencrypted")
    }

    /// A line on the terminal the prompts use.
    static func tell(_ text: String) {
        let fd = open("/dev/tty", O_WRONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
