import Foundation
import Testing
@testable import Keyport
@testable import KeyportCLI

extension Protection {
    /// The KDF parameters as `inspect` shows them (numbers as decimal text), for assertions.
    var parameters: [String: String] {
        Dictionary(uniqueKeysWithValues: InspectCommand.kdfParameters(self).map { ($0.0, $0.1.text) })
    }
}

/// Shared helpers for tests that run the real peers (ssh-keygen, puttygen, openssl) and the keyport binary.
enum Tool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
    }

    /// Runs a program with arguments and optional stdin; never uses a shell.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let cwd { process.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData)
    }

    /// Whether this test process has a controlling terminal.
    static let hasTerminal: Bool = {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }()

    /// The keyport binary built next to the test bundle.
    static var keyportPath: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("keyport").path
    }

    /// Runs keyport; whatever JSON it prints is checked against the schema (see `JSONContract`).
    static func keyport(_ arguments: [String], stdin: Data? = nil, cwd: URL? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        // keyport asks for passphrases on /dev/tty: run from a terminal, the test's keyport gets a
        // session of its own, without one, as in CI (tests that want a terminal make a pty).
        let output = hasTerminal ? try run("/usr/bin/setsid", ["-w", keyportPath] + arguments, stdin: stdin, cwd: cwd)
                                 : try run(keyportPath, arguments, stdin: stdin, cwd: cwd)
        if let kind = JSONContract.kind(for: arguments) {
            JSONContract.expectValid(output.stdoutBytes, kind: kind, context: arguments, sourceLocation: sourceLocation)
        }
        return output
    }

    static func available(_ name: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(name)"]).status) == 0
    }
}

/// A fresh temporary directory, removed when the value goes away.
final class TempDir: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("keyport-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let p = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
        return p
    }
    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
}

/// The repository's Fixtures/ folder.
let fixturesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Makes a key with ssh-keygen in `dir` and returns its private path.
@discardableResult
func sshKeygen(_ dir: TempDir, name: String, type: String, bits: Int? = nil, comment: String = "test@example.com",
               passphrase: String = "", extra: [String] = []) throws -> String {
    var args = ["-q", "-t", type, "-N", passphrase, "-C", comment, "-f", dir.path(name)] + extra
    if let bits { args += ["-b", String(bits)] }
    let out = try Tool.run("/usr/bin/ssh-keygen", args)
    #expect(out.status == 0, "ssh-keygen failed: \(out.stderr)")
    return dir.path(name)
}

/// The JSON contract: every JSON object keyport prints in a test is validated against
/// `schema/keyport.schema.json` by a real validator (Python's jsonschema, `scripts/validate-json`).
enum JSONContract {
    static let repository = fixturesURL.deletingLastPathComponent()

    /// The schema definition the output of `arguments` must match, nil when it prints no JSON.
    static func kind(for arguments: [String]) -> String? {
        let json = arguments.contains("--json") || arguments.contains("--format=json")
            || zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1.lowercased() == "json" }
        guard json, let command = arguments.first(where: { ["inspect", "fingerprint", "lint"].contains($0) }) else { return nil }
        if command == "lint" { return arguments.contains("--list-rules") ? "lintRule" : "lint" }
        return command
    }

    /// The validator's complaints about `output` (empty when every line is valid).
    static func problems(_ output: Data, kind: String) throws -> String {
        let script = repository.appendingPathComponent("scripts/validate-json").path
        let result = try Tool.run("/usr/bin/python3", [script, kind], stdin: output)
        if result.status == 0 { return "" }
        return result.stderr.isEmpty ? "validate-json exited \(result.status)" : result.stderr
    }

    static func expectValid(_ output: Data, kind: String, context: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard !output.isEmpty else { return }
        do {
            let problems = try problems(output, kind: kind)
            #expect(problems.isEmpty, "keyport \(context.joined(separator: " ")): output breaks schema/keyport.schema.json (\(kind)):\n\(problems)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("could not run scripts/validate-json: \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// The rows of a fixture folder's manifest (`#` lines skipped), as fields split at `|` and trimmed;
/// each row must have `fields` fields.
func manifestRows(_ directory: URL, _ name: String, fields: Int) throws -> [[String]] {
    let manifest = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    return try manifest.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
        let row = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        try #require(row.count == fields, "manifest line: \(line)")
        return row
    }
}

/// Each row of a fixture manifest with the bytes of the file its first field names.
func manifestFiles(_ directory: URL, _ name: String, fields: Int) throws -> [(row: [String], bytes: [UInt8])] {
    try manifestRows(directory, name, fields: fields).map { ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0[0])))) }
}

/// The `KeyportError` that `body` throws, or nil when it returns (another error type is recorded
/// as an issue): for tests that check which kind of error a damaged input gets.
func keyportError(_ body: () throws -> Any) -> KeyportError? {
    do {
        _ = try body()
        return nil
    } catch let error as KeyportError {
        return error
    } catch {
        Issue.record("not a KeyportError: \(error)")
        return nil
    }
}

/// The value of one `inspect` text row ("  name:   value"), whatever the column width (the width
/// follows the longest row name, which is not what these tests check).
func inspectRow(_ name: String, of text: String) -> String? {
    text.split(separator: "\n").first { $0.drop { $0 == " " }.hasPrefix(name + ":") }
        .map { $0.drop { $0 == " " }.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
}
