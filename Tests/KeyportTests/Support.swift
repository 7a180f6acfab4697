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

    /// The keyport binary built next to the test bundle.
    static var keyportPath: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("keyport").path
    }

    static func keyport(_ arguments: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> Output {
        try run(keyportPath, arguments, stdin: stdin, cwd: cwd)
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
