import Foundation
import Testing
@testable import Keyport

/// Install/uninstall, version, and terminal behaviour (colour, progress) of the shipped binary.
@Suite struct EcosystemTests {
    static let repository = fixturesURL.deletingLastPathComponent()

    /// Every file below `root`, relative to it.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(String(url.path.dropFirst(root.path.count + 1)))
        }
        return out.sorted()
    }

    @Test func makeInstallThenUninstallLeavesNoFiles() throws {
        guard Tool.available("make") else {
            Issue.record("make is not installed")
            return
        }
        let prefix = try TempDir()
        // Reuse the binary the tests run (no release build here); the Makefile's BUILD_DIR is for this.
        let buildDir = URL(fileURLWithPath: Tool.keyportPath).deletingLastPathComponent().path
        let make = ["-s", "-C", Self.repository.path, "PREFIX=\(prefix.url.path)", "BUILD_DIR=\(buildDir)"]
        let install = try Tool.run("make", make + ["install"])
        #expect(install.status == 0, "make install: \(install.stderr)")
        let installed = Self.files(under: prefix.url)
        let manPages = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("man/man1").path)
            .filter { $0.hasSuffix(".1") }
        #expect(!manPages.isEmpty)
        let expected = ["bin/keyport", "share/bash-completion/completions/keyport", "share/fish/vendor_completions.d/keyport.fish",
                        "share/zsh/site-functions/_keyport"] + manPages.map { "share/man/man1/\($0)" }
        #expect(installed == expected.sorted())
        let zsh = try prefix.read("share/zsh/site-functions/_keyport")
        #expect(zsh.hasPrefix("#compdef keyport"))
        #expect(try prefix.read("share/bash-completion/completions/keyport").contains("complete"))
        #expect(try prefix.read("share/fish/vendor_completions.d/keyport.fish").contains("complete -c 'keyport'"))
        let version = try Tool.run(prefix.path("bin/keyport"), ["--version"])
        #expect(version.stdout.hasPrefix(KeyportVersion.current + "\n"))

        let uninstall = try Tool.run("make", make + ["uninstall"])
        #expect(uninstall.status == 0, "make uninstall: \(uninstall.stderr)")
        #expect(Self.files(under: prefix.url) == [])
    }

    @Test func changelogNamesTheCurrentVersion() throws {
        let changelog = try String(contentsOf: Self.repository.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let headings = changelog.split(separator: "\n").filter { $0.hasPrefix("## ") }
        #expect(headings.contains { $0.dropFirst(3).hasPrefix(KeyportVersion.current + " ") || $0.dropFirst(3) == KeyportVersion.current })
        #expect(try Tool.keyport(["--version"]).stdout.hasPrefix(KeyportVersion.current + "\n"))
    }

    // MARK: - Colour and progress

    /// Runs keyport under script(1) so that its stdout and stderr are a terminal; returns what the
    /// terminal saw (both streams). nil when script(1) is missing.
    static func onTerminal(_ arguments: [String], environment: [String] = []) throws -> String? {
        guard Tool.available("script") else { return nil }
        let command = ([Tool.keyportPath] + arguments).map { "'\($0)'" }.joined(separator: " ")
        // The test runner's own NO_COLOR (if any) must not leak in: each test says what it wants.
        let out = try Tool.run("env", ["-u", "NO_COLOR", "TERM=xterm"] + environment + ["script", "-qec", command, "/dev/null"])
        return out.stdout
    }

    static let escape = "\u{1B}["

    @Test func noEscapeCodesOffATerminal() throws {
        let weak = fixturesURL.appendingPathComponent("public/rsa-1024.pub").path
        let lint = try Tool.keyport(["lint", weak])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains(": error rsa-too-short: "))
        #expect(!lint.stdout.contains(Self.escape))
        let missing = try Tool.keyport(["inspect", "/nonexistent/key"])
        #expect(missing.stderr.hasPrefix("keyport: "))
        #expect(!missing.stderr.contains(Self.escape))
    }

    @Test func colourOnATerminalUnlessNoColor() throws {
        let weak = fixturesURL.appendingPathComponent("public/rsa-1024.pub").path
        guard let coloured = try Self.onTerminal(["lint", weak]) else {
            Issue.record("script(1) is not installed")
            return
        }
        #expect(coloured.contains("\u{1B}[31merror\u{1B}[0m rsa-too-short"))
        let plain = try #require(try Self.onTerminal(["lint", weak], environment: ["NO_COLOR=1"]))
        #expect(plain.contains("error rsa-too-short"))
        #expect(!plain.contains(Self.escape))
        let dumb = try #require(try Self.onTerminal(["inspect", "/nonexistent/key"], environment: ["NO_COLOR=yes"]))
        #expect(dumb.hasPrefix("keyport: "))
        #expect(!dumb.contains(Self.escape))
    }

    @Test func lintShowsProgressOnlyOnATerminal() throws {
        let dir = try TempDir()
        let key = try String(contentsOf: fixturesURL.appendingPathComponent("public/rsa-2048.pub"), encoding: .utf8)
        for i in 0..<60 { _ = try dir.write("k\(i).pub", key, mode: 0o644) }
        let quiet = try Tool.keyport(["lint", dir.url.path])
        #expect(quiet.status == 0)
        #expect(quiet.stderr == "")
        #expect(quiet.stdout == "")
        let terminal = try #require(try Self.onTerminal(["lint", dir.url.path]))
        #expect(terminal.contains("reading 0/60"))
        #expect(terminal.contains("checking 0/60"))
        #expect(terminal.contains("batch GCD over 60 moduli"))
        // The status line is cleared at the end, and the summary ends the run (a terminal turns "\n" into "\r\n").
        #expect(terminal.hasSuffix("\r\u{1B}[K60 keys checked in 60 files; 0 findings\r\n"), "\(terminal)")
    }
}
