import Keyport
#if canImport(Glibc)
import Glibc
#endif

/// The one writer of standard output for every command, and what a failed write means.
///
/// A write that fails (full disk, `/dev/full`, EIO, a closed descriptor) ends the run at once with
/// `keyport: standard output: write failed: REASON` and exit 74: a pipeline must not take a cut
/// short fingerprint list or lint report for a whole one. A closed pipe (`keyport ... | head`) is
/// not an error but the reader having seen enough: keyport then ends quietly, killed by SIGPIPE as
/// `cat` or `grep` are (status 141 in a shell), also when SIGPIPE was ignored by whoever started it.
enum StandardOutput {
    static let writer: OutputWriter = {
        let writer = OutputWriter(fileDescriptor: STDOUT_FILENO, name: "standard output")
        writer.onFailure = failed
        return writer
    }()

    /// Flushes; a failure ends the process (see above).
    static func finish() {
        writer.flush()
    }

    /// The failure policy: quiet SIGPIPE death for a closed pipe, else the message and 74.
    static func failed(_ code: Int32) {
        if code == EPIPE { dieOfBrokenPipe() }
        Terminal.report("standard output", "write failed: \(String(cString: strerror(code)).lowercased())")
        Terminal.exit(.ioError)
    }

    /// Dies of SIGPIPE with its default action, whatever disposition or mask was inherited.
    static func dieOfBrokenPipe() -> Never {
        signal(SIGPIPE, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }
}

/// A command's handle on standard output: appends go through `StandardOutput.writer`, so every
/// command writes in order through one checked writer.
struct OutputBuffer {
    var writer: OutputWriter { StandardOutput.writer }

    mutating func append(_ text: String) { writer.write(text) }

    mutating func append(bytes: [UInt8]) { writer.write(bytes: bytes) }

    /// Several blocks in order: small ones through the buffer, large ones in one writev.
    mutating func append(parts: [UnsafeRawBufferPointer]) { writer.write(parts: parts) }

    mutating func flush() { writer.flush() }
}

/// Output files (`FileIO.writeAtomically`): unnamed temporaries (O_TMPFILE) unless the
/// environment sets `KEYPORT_NAMED_TEMPORARY_FILES`, which forces the named fallback that
/// filesystems without O_TMPFILE get, so that `scripts/kill-test` can test it anywhere.
enum OutputFiles {
    static var unnamed: Bool { getenv("KEYPORT_NAMED_TEMPORARY_FILES") == nil }
}
