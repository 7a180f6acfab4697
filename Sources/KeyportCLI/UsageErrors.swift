import ArgumentParser
import Keyport

/// Usage errors as the README promises them: one `keyport:` line ending in a pointer to the help,
/// exit 64, for every way a command line can be wrong (ArgumentParser's own errors are several
/// lines starting with `Error:` and a usage block, and some mistakes it takes for a help request).
enum UsageErrors {
    /// A usage error found before parsing, with the command whose help it points to.
    struct Failure: Error {
        let message: String
        let command: String?
    }

    static var commandNames: [String] {
        KeyportCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
    }

    /// What ArgumentParser would get wrong or say in several lines: a missing or misspelt command.
    static func check(_ args: [String]) throws {
        guard let first = args.first else {
            throw Failure(message: "no command given: \(commandNames.joined(separator: ", "))", command: nil)
        }
        if first.hasPrefix("-") { return }
        let known = commandNames
        if first == "help" {
            if args.count > 1, !known.contains(args[1]) { throw unknownCommand(args[1]) }
            return
        }
        if !known.contains(first) { throw unknownCommand(first) }
    }

    static func unknownCommand(_ word: String) -> Failure {
        // A command the word starts (finger → fingerprint), else the nearest within a few typos.
        let nearest = commandNames.min { distance($0, word) < distance($1, word) }.flatMap { distance($0, word) <= 2 ? $0 : nil }
        let suggestion = word.count >= 3 ? commandNames.first { $0.hasPrefix(word.lowercased()) } ?? nearest : nearest
        return Failure(message: "unknown command '\(word)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""), command: nil)
    }

    /// ArgumentParser reads a cluster such as `-sha256` as `-s -h -a ...` and shows the help. A
    /// help request is honoured only when `-h`, `--help` or `help` was written as a word of its own;
    /// otherwise the word that smuggled in the `h` is an unknown option.
    static func smuggledHelp(_ args: [String]) -> Failure? {
        let words = args.prefix { $0 != "--" }
        if words.contains(where: { $0 == "-h" || $0 == "--help" }) || words.first == "help" { return nil }
        guard let cluster = words.first(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.count > 2 && $0.contains("h") }) else { return nil }
        return Failure(message: "unknown option '\(cluster)'", command: command(of: args))
    }

    /// The one line for a usage error: `keyport: MESSAGE (see 'keyport [COMMAND] --help')`.
    static func line(_ error: Error, args: [String]) -> String {
        let message: String
        let command: String?
        if let failure = error as? Failure {
            (message, command) = (failure.message, failure.command)
        } else {
            // ArgumentParser's brief message (no usage block), made one lowercase line.
            let text = KeyportCommand.message(for: error)
                .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
                .joined(separator: "; ")
            message = text.prefix(1).lowercased() + text.dropFirst()
            command = Self.command(of: args)
        }
        let help = "keyport " + (command.map { $0 + " " } ?? "") + "--help"
        return "\(message) (see '\(help)')"
    }

    /// The subcommand named in `args`, if any.
    static func command(of args: [String]) -> String? {
        args.first.flatMap { commandNames.contains($0) ? $0 : nil }
    }

    /// Edit distance (insertions, deletions, substitutions), for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let substitution = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
                previous = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
