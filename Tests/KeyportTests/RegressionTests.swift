import Foundation
import Testing
@testable import Keyport

/// Inputs that once crashed, hung or ran too long (Tests/KeyportTests/Regressions, see its README):
/// each must give an error or a valid key, quickly.
@Suite struct RegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".input") }.sorted()
    }

    @Test func thereAreRegressionInputs() {
        #expect(Self.inputs.count >= 5)
    }

    @Test(arguments: inputs) func inputGivesAnErrorOrAValidKey(_ name: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let start = Date()
        var outcomes: [String] = []
        do {
            for entry in try KeyFile.read(bytes) {
                guard case let .success(doc) = entry.result else { outcomes.append("entry error"); continue }
                do {
                    let opened = try KeyFile.unlock(doc, passphrase: SecureBytes("fuzz"))
                    if let key = opened.privateKey { try key.validate() }
                    outcomes.append("key")
                } catch let error as KeyportError {
                    outcomes.append("unlock error: \(error)")
                }
            }
        } catch let error as KeyportError {
            outcomes.append("read error: \(error)")
        }
        #expect(!outcomes.isEmpty)
        #expect(Date().timeIntervalSince(start) < 5, "\(name) took \(Date().timeIntervalSince(start)) s: \(outcomes)")
        // The KDF-cost inputs are refused with the message that names the bound.
        if name.contains("rounds") || name.contains("argon2") || name.contains("iterations") {
            #expect(outcomes.contains { $0.contains("above keyport's limit") }, "\(outcomes)")
        }
    }
}
