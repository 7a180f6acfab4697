import Foundation
import Testing
@testable import Keyport

// The KDF bound holds per run, not per key (reliability review, defect 4 and repro 04: ten PKCS#8
// blocks at the 10,000,000-iteration bound in one file took 37 s, each one running its KDF).

@Suite struct KDFBudgetTests {
    /// An Ed25519 key as encrypted PKCS#8 by openssl (passphrase `pw`), written to `one.pem`.
    static func encryptedBlock(_ dir: TempDir, iterations: Int) throws -> String {
        _ = try Tool.run("openssl", ["genpkey", "-algorithm", "ED25519", "-out", dir.path("k.pem")])
        _ = try Tool.run("openssl", ["pkcs8", "-topk8", "-in", dir.path("k.pem"), "-v2", "aes-256-cbc", "-iter", String(iterations),
                                      "-passout", "pass:pw", "-out", dir.path("one.pem")])
        return try dir.read("one.pem")
    }

    /// Each KDF is charged its share of its own bound.
    @Test func sharesOfEachKDF() {
        #expect(KDFLimits.share(of: .bcrypt(rounds: 16_384, salt: [])) == 0.25)
        #expect(KDFLimits.share(of: .argon2(Argon2Parameters(memory: 1 << 20, passes: 32))) == 0.5)
        #expect(KDFLimits.share(of: .pbkdf2(prf: .hmacSHA256, iterations: 600_000, salt: [])) == 0.06)
        #expect(KDFLimits.share(of: .scrypt(n: 1 << 14, r: 8, p: 1, salt: [])) == 1.0 / 128)
        #expect(KDFLimits.share(of: .ppkV2SHA1) == 0 && KDFLimits.share(of: .none) == 0)
    }

    /// Unlocks of one run draw on one budget: once it is spent, the next encrypted key is refused
    /// before any work, with a message saying why; without a budget (a library caller that sets
    /// none) only the per-key bound applies.
    @Test func unlocksOfARunShareOneBudget() throws {
        let dir = try TempDir()
        let one = try Self.encryptedBlock(dir, iterations: 2048)
        let docs = try KeyFile.read(Array((one + one + one).utf8)).map { try $0.result.get() }
        try #require(docs.count == 3)
        let pw = SecureBytes(Array("pw".utf8))
        let budget = KDFBudget(limit: 2048.0 * 2.5 / Double(KDFLimits.pbkdf2Iterations))
        try KDFLimits.$runBudget.withValue(budget) {
            _ = try KeyFile.unlock(docs[0], passphrase: pw)
            #expect(throws: KeyportError.wrongPassphrase) { try KeyFile.unlock(docs[1], passphrase: SecureBytes(Array("no".utf8))) }
            do {
                _ = try KeyFile.unlock(docs[2], passphrase: pw)
                Issue.record("the third unlock passed the run's budget")
            } catch let error as KeyportError {
                #expect(error.kind == .costRefused)
                #expect(error.description.contains("this run has spent its key-derivation budget"), "\(error)")
            }
        }
        #expect(budget.spent == 2 * 2048.0 / Double(KDFLimits.pbkdf2Iterations))
        for doc in docs { _ = try KeyFile.unlock(doc, passphrase: pw) }
    }

    /// Through the tool: four blocks at 6,000,000 iterations in one file, or two such files, run
    /// the KDF once in inspect, fingerprint and lint; the rest are refused, each with its line.
    @Test func manyEncryptedBlocksOrFilesCannotMultiplyTheBound() throws {
        let dir = try TempDir()
        let one = try Self.encryptedBlock(dir, iterations: 6_000_000)
        let many = try dir.write("many.pem", String(repeating: one, count: 4))
        let pass = try dir.write("pass", "pw\n"), wrong = try dir.write("wrong", "x\n")
        for command in [["inspect"], ["fingerprint"], ["lint"]] {
            let r = try Tool.keyport(command + ["--passphrase-file", wrong, many])
            let refused = r.stderr.split(separator: "\n").filter { $0.contains("this run has spent its key-derivation budget") }
            #expect(refused.count == 3, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("wrong passphrase"), "\(command): \(r.stderr)")
            #expect(r.status != 0)
        }
        let twoFiles = try Tool.keyport(["fingerprint", "--passphrase-file", pass, dir.path("one.pem"), many])
        #expect(twoFiles.stdout.split(separator: "\n").count == 1, "\(twoFiles.stdout)")
        #expect(twoFiles.stderr.split(separator: "\n").filter { $0.contains("key-derivation budget") }.count == 4, "\(twoFiles.stderr)")
        #expect(twoFiles.status == 65)
    }
}
