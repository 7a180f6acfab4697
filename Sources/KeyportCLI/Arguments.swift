import ArgumentParser
import Keyport

/// What getopt-trained hands type, made into what ArgumentParser reads, before either parser
/// (ArgumentParser or `QuickStart`) sees argv: both get the same words, so they cannot disagree.
///
/// ssh-keygen and puttygen take a short option's value attached (`-b4096`, `-fkey`, `-Emd5`,
/// `-Cme@example.com`, `-ofile`) and after a cluster of flags (`-vEmd5`); ArgumentParser takes
/// neither. Only a word that starts with a short option of this subcommand that takes a value,
/// possibly after short flags of this subcommand, is split; anything else (`-sha256`, `-hv`) is
/// left for ArgumentParser to accept or refuse. Words after `--` and the values of options are
/// never split (`-C -bx` keeps `-bx` as the comment).
enum ShortOptions {
    /// Per subcommand: short options that take a value, and short flags. A test checks these
    /// against ArgumentParser's own definitions (`--experimental-dump-help`).
    static let valued: [String: Set<Character>] = [
        "inspect": [], "fingerprint": ["E"], "convert": ["o"], "lint": [], "generate": ["t", "b", "C", "f"],
        "passwd": [], "comment": ["C"],
    ]
    static let flags: [String: Set<Character>] = [
        "inspect": ["h"], "fingerprint": ["v", "h"], "convert": ["q", "h"], "lint": ["v", "q", "h"],
        "generate": ["q", "h"], "passwd": ["q", "h"], "comment": ["q", "h"],
    ]
    /// Long options that take a value (in any subcommand): the word after one is its value.
    static let longValued: Set<String> = [
        "--passphrase-file", "--new-passphrase-file", "--to", "--output", "--comment", "--kdf-rounds", "--ppk-version",
        "--ppk-param", "--format", "--fail-on", "--min-rsa-bits", "--allow", "--policy", "--blocklist", "--fermat-steps",
        "--explain", "--type", "--bits", "--file",
    ]

    /// argv (without the program name) with attached short-option values split off.
    static func split(_ args: [String]) -> [String] {
        // Most command lines have no word to split: leave them before the tables are built (their
        // first use costs more than a one-key run of `fingerprint` does).
        guard args.dropFirst().contains(where: { $0.utf8.count > 2 && $0.utf8.first == UInt8(ascii: "-") && !$0.hasPrefix("--") }) else { return args }
        guard let command = args.first, let valued = valued[command], let flags = flags[command] else { return args }
        var out = [command]
        var i = 1
        while i < args.count {
            let word = args[i]
            i += 1
            if word == "--" { out += args[(i - 1)...]; break }
            if longValued.contains(word) || (word.count == 2 && word.hasPrefix("-") && valued.contains(word.last!)) {
                // The option and its value, untouched.
                out.append(word)
                if i < args.count { out.append(args[i]); i += 1 }
                continue
            }
            guard word.hasPrefix("-"), !word.hasPrefix("--"), word.count > 2 else { out.append(word); continue }
            var parts: [String] = []
            var rest = Substring(word.dropFirst())
            var ok = false
            while let c = rest.first {
                rest = rest.dropFirst()
                if valued.contains(c) {
                    parts.append("-\(c)")
                    if !rest.isEmpty { parts.append(String(rest)) } else if i < args.count { parts.append(args[i]); i += 1 }
                    ok = true
                    break
                }
                guard flags.contains(c), c != "h" else { break }
                parts.append("-\(c)")
            }
            // Only a word that is flags ending in a valued option is rewritten; `-vq` stays as it is.
            out += ok ? parts : [word]
        }
        return out
    }
}

/// Enumerated option values are read in any case (`--to OpenSSH`), as `-E MD5` and `-t RSA` are.
protocol CaseInsensitiveArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension CaseInsensitiveArgument {
    public init?(argument: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = match
    }
}

extension OutputFormat: CaseInsensitiveArgument {
    /// `putty` is the name PuTTY users know the PPK format by.
    public init?(argument: String) {
        if argument.lowercased() == "putty" { self = .ppk; return }
        guard let match = Self.allCases.first(where: { $0.rawValue == argument.lowercased() }) else { return nil }
        self = match
    }
}

extension Severity: CaseInsensitiveArgument {}
extension LintCommand.OutputStyle: CaseInsensitiveArgument {}

/// `-q/--quiet`, as ssh-keygen -q and puttygen -q: no notes, hints, warnings or progress on
/// standard error and no chatter on standard output; errors are still reported, and the exit
/// status says the rest.
struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print no notes, warnings or progress (errors still).")
    var quiet = false

    /// Makes `Terminal.warn` and progress silent for the rest of the run.
    func apply() { if quiet { Terminal.quiet = true } }
}

extension Terminal {
    /// Set by `-q`: warnings and progress stay silent.
    nonisolated(unsafe) static var quiet = false
}
