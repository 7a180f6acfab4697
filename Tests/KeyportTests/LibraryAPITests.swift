import Foundation
import Testing
import Keyport // not @testable: only what a client package can see

/// The public API as the README teaches it: load, inspect, fingerprint, convert, lint.
@Suite struct LibraryAPITests {
    @Test func loadInspectFingerprintConvert() throws {
        let path = fixturesURL.appendingPathComponent("openssh/ed25519-aes256ctr").path
        let locked = try KeyFile.load(path: path)
        #expect(locked.count == 1)
        let document = try #require(locked.first)
        #expect(document.isLocked)
        #expect(document.format == .opensshPrivate)
        #expect(document.protection.cipherName == "aes256-ctr")
        // The public half is known without the passphrase.
        #expect(document.publicKey?.fingerprint() == "SHA256:S4P9PwUISoFlkW5xMrxk+XMgzVw1aOenUwXqG+HTv70")
        #expect(document.publicKey?.bits == 256)
        #expect(throws: KeyportError.self) { try KeyFile.encode(document, to: .ppk) }

        let unlocked = try #require(try KeyFile.load(path: path, passphrase: SecureBytes("fixture pass")).first)
        #expect(unlocked.privateKey != nil)
        #expect(unlocked.comment == "ctr@keyport.test")
        let ppk = try KeyFile.encode(unlocked, to: .ppk)
        #expect(ppk.isSecret)
        #expect(String(decoding: ppk.bytes, as: UTF8.self).hasPrefix("PuTTY-User-Key-File-3: ssh-ed25519"))
        // Round trip: the PPK reads back as the same key with the document's comment.
        let back = try #require(try KeyFile.load(bytes: ppk.bytes).first)
        #expect(back.publicKey == unlocked.publicKey)
        #expect(back.comment == "ctr@keyport.test")
        let line = try KeyFile.encode(back, to: .openssh, options: EncodeOptions(comment: "new", publicOnly: true))
        #expect(String(decoding: line.bytes, as: UTF8.self).hasSuffix(" new\n"))
        #expect(!line.isSecret)

        #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.load(path: path, passphrase: SecureBytes("nope")) }
        #expect(throws: KeyportError.self) { try KeyFile.load(path: "/nonexistent/key") }
    }

    @Test func loadIsStrictWhereReadIsNot() throws {
        let dir = try TempDir()
        let good = try String(contentsOf: fixturesURL.appendingPathComponent("public/ed25519.pub"), encoding: .utf8)
        let file = try dir.write("authorized_keys", good + "ssh-ed25519 AAAA@@@@ broken\n")
        #expect(throws: KeyportError.self) { try KeyFile.load(path: file) }
        let entries = try KeyFile.read(Array(good.utf8) + Array("ssh-ed25519 AAAA@@@@ broken\n".utf8))
        #expect(entries.count == 2)
        #expect(entries.map(\.line) == [1, 2])
    }

    @Test func lintByPath() throws {
        let weak = fixturesURL.appendingPathComponent("public/rsa-1024.pub").path
        let strong = fixturesURL.appendingPathComponent("public/rsa-2048.pub").path
        let findings = try Linter().lint(paths: [weak, strong])
        #expect(findings.contains { $0.file == weak && $0.ruleID == "rsa-too-short" && $0.severity == .error })
        #expect(!findings.contains { $0.file == strong && $0.ruleID == "rsa-too-short" })
        #expect(Policy().fails(findings))
        var lenient = Policy()
        lenient.minRSABits = 1024
        #expect(!(try Linter(policy: lenient).lint(paths: [weak])).contains { $0.ruleID == "rsa-too-short" })
        #expect(throws: KeyportError.self) { try Linter().lint(paths: ["/nonexistent/key"]) }
    }

    @Test func progressReportsEveryFileAndTheSharedPrimeCheck() throws {
        let paths = ["public/rsa-1024.pub", "public/rsa-2048.pub", "public/ed25519.pub"].map { fixturesURL.appendingPathComponent($0).path }
        let inputs = try paths.map { try LintInput.read(path: $0) }
        final class Log: @unchecked Sendable {
            var steps: [LintProgress] = []
        }
        let log = Log()
        var linter = Linter()
        linter.progress = { log.steps.append($0) }
        _ = linter.lint(inputs)
        #expect(log.steps == [.checkedFiles(done: 0, total: 3), .checkedFiles(done: 1, total: 3), .checkedFiles(done: 2, total: 3),
                              .checkedFiles(done: 3, total: 3), .sharingPrimes(moduli: 2)])
    }
}
