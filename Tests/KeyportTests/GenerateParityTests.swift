import Foundation
import Testing
@testable import Keyport

/// `keyport generate` against ssh-keygen: outputs and exit codes.
@Suite struct GenerateParityTests {
    /// An output that cannot be created is exit 73 ("cannot create output", as documented), not 66
    /// ("input missing"), for generate and convert alike; nothing is left behind.
    @Test func unwritableOutputIsExit73() throws {
        let dir = try TempDir()
        let gen = try Tool.keyport(["generate", "-t", "ed25519", "--no-passphrase", "-C", "a@example.com", "-f", dir.path("missing/key")])
        #expect(gen.status == 73, "\(gen.stderr)")
        #expect(!dir.exists("missing"))
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        let convert = try Tool.keyport(["convert", "--to", "pkcs8", "--no-passphrase", "-o", dir.path("missing/out.pem"), key])
        #expect(convert.status == 73, "\(convert.stderr)")
    }
}
