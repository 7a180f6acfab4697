import Foundation
import Testing
@testable import Keyport

// The passphrase KDFs on their own: bcrypt_pbkdf (openssh-key-v1) against published vectors.

@Suite("bcrypt_pbkdf")
struct BcryptPBKDFTests {
    /// OpenBSD regress/lib/libutil/bcrypt_pbkdf vectors (FORMATS.md §3.5).
    static let vectors: [(pass: [UInt8], salt: [UInt8], rounds: Int, hex: String)] = [
        (Array("password".utf8), Array("salt".utf8), 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"),
        (Array("password".utf8), [0], 4, "c12b566235eee04c212598970a579a67"),
        ([0], Array("salt".utf8), 4, "6051be18c2f4f82cbf0efee5471b4bb9"),
        (Array("password\0".utf8), Array("salt\0".utf8), 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"),
        (Array("password".utf8), Array("salt".utf8), 8, "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d"),
        (Array("password".utf8), Array("salt".utf8), 42, "833cf0dcf56db65608e8f0dc0ce882bd"),
    ]

    @Test("published OpenBSD vectors", arguments: 0..<6)
    func publishedVector(_ index: Int) throws {
        let v = Self.vectors[index]
        let expected = try #require(Hex.decode(v.hex))
        let key = try BcryptPBKDF.derive(passphrase: SecureBytes(v.pass), salt: v.salt, rounds: v.rounds, keyLength: expected.count)
        #expect(Hex.encode(key.bytes) == v.hex)
    }

    @Test("FORMATS.md §3.6 worked vector: key and IV of an ssh-keygen file")
    func workedVector() throws {
        let salt = try #require(Hex.decode("da0165946fa32b82d13e240ecb554813"))
        let out = try BcryptPBKDF.derive(passphrase: SecureBytes("testpass"), salt: salt, rounds: 16, keyLength: 48)
        #expect(Hex.encode(out.bytes) == "63c7f3a50ab20977d9179348ab23de7bd5d432a7f24099a8a14c75e15cc948df" + "84676daa4407df7d16936b10069c1365")
    }

    @Test("rejects out-of-range inputs instead of trapping")
    func limits() {
        #expect(throws: KeyportError.self) { try BcryptPBKDF.derive(passphrase: SecureBytes(""), salt: [1], rounds: 1, keyLength: 16) }
        #expect(throws: KeyportError.self) { try BcryptPBKDF.derive(passphrase: SecureBytes("a"), salt: [], rounds: 1, keyLength: 16) }
        #expect(throws: KeyportError.self) { try BcryptPBKDF.derive(passphrase: SecureBytes("a"), salt: [1], rounds: 0, keyLength: 16) }
        #expect(throws: KeyportError.self) { try BcryptPBKDF.derive(passphrase: SecureBytes("a"), salt: [1], rounds: 1, keyLength: 0) }
        #expect(throws: KeyportError.self) { try BcryptPBKDF.derive(passphrase: SecureBytes("a"), salt: [1], rounds: 1, keyLength: 1025) }
    }
}
