import ArgumentParser
import Keyport
import CKeyportSys
#if canImport(Glibc)
import Glibc
#endif

@main
struct KeyportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyport",
        abstract: "Read, convert, fingerprint, lint and generate SSH and PEM key files.",
        discussion: """
        Formats: OpenSSH public lines, authorized_keys, known_hosts, openssh-key-v1 private keys, \
        PuTTY PPK v2 and v3, PEM (PKCS#1, SEC1, PKCS#8, SubjectPublicKeyInfo) and RFC 4716.

        EXIT STATUS: 0 success; 1 lint findings at or above --fail-on; 64 usage error; 65 bad input \
        data (not a key, damaged, unsupported); 66 input file missing or unreadable; 70 internal or \
        crypto-library failure; 73 output exists (use --force) or cannot be created; 74 I/O error; \
        77 passphrase missing or wrong.
        """,
        version: KeyportCommand.versionText,
        subcommands: [InspectCommand.self, FingerprintCommand.self, ConvertCommand.self, LintCommand.self, GenerateCommand.self, PasswdCommand.self, CommentCommand.self]
    )

    /// `--version`: keyport's version alone on the first line (scripts read that), then the C
    /// libraries it runs with, as bug reports need them.
    static var versionText: String { ([KeyportVersion.current] + LibraryVersions.lines).joined(separator: "\n") }

    static func main() {
        // A crash prints one line, never the registers and memory the Swift runtime's backtracer
        // would show (they may point at key material), and exits 70.
        keyport_crash_guard()
        keyport_exit_guard()
        // Before any key or passphrase is read: no core file of ours may hold them (two syscalls).
        ProcessProtection.disableCoreDumps()
        // Before libcrypto's first allocation: what it frees is wiped first.
        ProcessProtection.wipeLibcryptoFrees()
        // Under a file size limit, write(2) then fails with EFBIG, which is reported and cleaned up
        // (no partial temporary file), instead of SIGXFSZ killing the process in the middle.
        signal(SIGXFSZ, SIG_IGN)
        // Attached short-option values split off first, for every parser alike.
        let arguments = ShortOptions.split(Array(CommandLine.arguments.dropFirst()))
        do {
            // One key-derivation budget for the whole run: many keys or files cannot multiply the bound.
            // QuickStart takes only command lines that name a known command correctly.
            let quick = try KDFLimits.$runBudget.withValue(KDFBudget()) {
                try QuickStart.run(arguments)
            }
            if quick {
                StandardOutput.finish()
                return
            }
            // libcrypto sets itself up on the other core while ArgumentParser parses.
            let warmUp = LibcryptoWarmUp.start()
            var command: ParsableCommand
            do {
                try UsageErrors.check(arguments)
                command = try parseAsRoot(arguments)
            } catch {
                warmUp.wait()
                throw error
            }
            warmUp.wait()
            try KDFLimits.$runBudget.withValue(KDFBudget()) { try command.run() }
            // Nothing counts as done until it reached standard output (a failure exits 74 here).
            StandardOutput.finish()
        } catch let exit as ExitCode {
            StandardOutput.finish()
            Terminal.exit(exit)
        } catch let error as KeyportError {
            StandardOutput.finish()
            Terminal.report(nil, error.message)
            Terminal.exit(ExitCode.of(error))
        } catch {
            var error = error
            if Self.exitCode(for: error).rawValue == 0 {
                // --help and --version, through the checked writer too; but a help request that
                // came from inside a cluster such as -sha256 is an unknown option.
                if let smuggled = UsageErrors.smuggledHelp(arguments) {
                    error = smuggled
                } else {
                    StandardOutput.writer.write(Self.fullMessage(for: error) + "\n")
                    StandardOutput.finish()
                    Terminal.exit(.success)
                }
            }
            // Every other error here is a usage error: one line, exit 64.
            StandardOutput.finish()
            Terminal.report(nil, UsageErrors.line(error, args: arguments))
            Terminal.exit(.usage)
        }
    }
}

extension Terminal {
    static func exit(_ code: ExitCode) -> Never {
        // exit() runs libcrypto's clean-up, which must not overlap its set-up on another thread
        // (a failed write can end a quick `convert` while the set-up is still running).
        LibcryptoWarmUp.waitForAll()
        #if canImport(Glibc)
        Glibc.exit(code.rawValue)
        #endif
    }
}
