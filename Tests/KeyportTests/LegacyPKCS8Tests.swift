import Foundation
import Testing
@testable import Keyport

// Legacy PKCS#8 encryption (issue 15.4): PBES1, PKCS#12 PBE and PBES2 with DES or RC2, decrypted
// through OpenSSL's legacy provider, loaded only when such a file is met. Fixtures: openssl 3.0
// with -provider legacy (Fixtures/legacy-pkcs8/make.sh, MANIFEST with ssh-keygen's fingerprint).

@Suite struct LegacyPKCS8Tests {
    static let dir = fixturesURL.appendingPathComponent("legacy-pkcs8")
    static let manifest: [String: String] = {
        let text = (try? String(contentsOf: dir.appendingPathComponent("MANIFEST"), encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 { out[String(fields[0])] = String(fields[1]) }
        }
        return out
    }()
    static let files = manifest.keys.filter { $0.hasSuffix(".pem") }.sorted()
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @Test func everySchemeIsInTheManifest() {
        #expect(Self.files.count == 13)
        #expect(Self.manifest["fingerprint"]?.hasPrefix("SHA256:") == true)
    }

    @Test(arguments: files)
    func decryptsToTheKeySshKeygenFingerprinted(_ name: String) throws {
        let pass = Self.path("passphrase.txt")
        let out = try Tool.keyport(["fingerprint", "--passphrase-file", pass, Self.path(name)])
        #expect(out.status == 0, "\(name): \(out.stderr)")
        #expect(out.stdout.split(separator: " ").dropFirst().first.map(String.init) == Self.manifest["fingerprint"], "\(name)")
        // The same key as openssl reads it with the legacy provider.
        let openssl = try Tool.run("/usr/bin/openssl", ["pkey", "-provider", "legacy", "-provider", "default", "-in", Self.path(name),
                                                         "-passin", "file:" + pass, "-pubout"])
        #expect(openssl.status == 0)
        let dir = try TempDir()
        let spki = try dir.write("pub.pem", openssl.stdout)
        #expect(try Tool.keyport(["fingerprint", spki]).stdout.contains(Self.manifest["fingerprint"] ?? "?"))
    }

    @Test(arguments: files)
    func wrongPassphraseIs77NeverAnotherCode(_ name: String) throws {
        let dir = try TempDir()
        for wrong in ["wrong\n", "legacy pas\n", "x\n"] {
            let pass = try dir.write("wrong", wrong)
            let out = try Tool.keyport(["inspect", "--passphrase-file", pass, Self.path(name)])
            #expect(out.status == 77, "\(name) with \(wrong): \(out.stderr)")
        }
    }

    @Test(arguments: files)
    func lintNamesTheWeakCipher(_ name: String) throws {
        let out = try Tool.keyport(["lint", "--format", "json", Self.path(name)])
        let scheme = Self.manifest[name] ?? ""
        let triple = scheme.contains("3DES") || scheme.contains("2DES") || scheme.contains("ede3")
        if triple {
            #expect(out.stdout.contains("\"private-key-cipher-3des\"") && out.stdout.contains("\"severity\":\"warning\""), "\(name): \(out.stdout)")
            #expect(!out.stdout.contains("private-key-cipher-broken"))
        } else {
            #expect(out.stdout.contains("\"private-key-cipher-broken\""), "\(name): \(out.stdout)")
            #expect(out.status == 1)
        }
    }

    @Test func missingLegacyProviderIsNamed() throws {
        // OPENSSL_MODULES points libcrypto's provider search somewhere without legacy.so.
        let out = try Tool.run("/usr/bin/env", ["OPENSSL_MODULES=/nonexistent", Tool.keyportPath, "inspect",
                                                "--passphrase-file", Self.path("passphrase.txt"), Self.path("v1-PBE-MD5-DES.pem")])
        #expect(out.status == 65, "\(out.stderr)")
        #expect(out.stderr.contains("legacy provider") && out.stderr.contains("could not be loaded"), "\(out.stderr)")
        // A modern scheme does not need it.
        let dir = try TempDir()
        let key = dir.path("k.pem")
        #expect(try Tool.run("/usr/bin/openssl", ["genpkey", "-algorithm", "ED25519", "-out", key]).status == 0)
        let enc = try Tool.run("/usr/bin/openssl", ["pkcs8", "-topk8", "-in", key, "-v2", "aes-256-cbc", "-passout", "file:" + Self.path("passphrase.txt")])
        let file = try dir.write("enc.pem", enc.stdout)
        let modern = try Tool.run("/usr/bin/env", ["OPENSSL_MODULES=/nonexistent", Tool.keyportPath, "inspect",
                                                   "--passphrase-file", Self.path("passphrase.txt"), file])
        #expect(modern.status == 0, "\(modern.stderr)")
    }
}
