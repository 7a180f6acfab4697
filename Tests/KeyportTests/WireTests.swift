import Testing
@testable import Keyport

@Suite struct WireTests {
    @Test func mpintExamplesFromRFC4251() throws {
        var w = SSHWriter()
        w.writeMPInt([])
        w.writeMPInt([0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7])
        w.writeMPInt([0x80])
        #expect(Hex.encode(w.bytes) == "00000000" + "0000000809a378f9b2e332a7" + "000000020080")
        var r = SSHReader(w.bytes)
        #expect(try r.readMPInt("zero") == [])
        #expect(try r.readMPInt("a") == [0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7])
        #expect(try r.readMPInt("b") == [0x80])
        #expect(r.isAtEnd)
    }

    @Test func negativeMPIntIsRejected() {
        var r = SSHReader(Hex.decode("00000002edcc")!)
        #expect(throws: KeyportError.self) { try r.readMPInt("x") }
    }

    @Test func hugeLengthIsATruncationNotATrap() {
        var r = SSHReader([0xff, 0xff, 0xff, 0xff, 1, 2, 3], context: "test")
        #expect(throws: KeyportError.truncated(format: "test", field: "blob (length 4294967295, 3 bytes left)")) { try r.readString("blob") }
    }

    @Test func truncatedReadsNameTheField() {
        var r = SSHReader([0, 0, 1], context: "test")
        #expect(throws: KeyportError.truncated(format: "test", field: "count")) { try r.readUInt32("count") }
    }

    @Test func nameList() throws {
        var w = SSHWriter()
        w.writeNameList(["zlib", "none"])
        w.writeNameList([])
        #expect(Hex.encode(w.bytes) == "000000097a6c69622c6e6f6e6500000000")
        var r = SSHReader(w.bytes)
        #expect(try r.readNameList("a") == ["zlib", "none"])
        #expect(try r.readNameList("b") == [])
    }

    @Test func base64RoundTripAndRejects() {
        for n in 0..<20 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
        #expect(Base64.decode("AAAA AAAA") == nil)
        #expect(Base64.decode("AAAA\nAAAA", ignoringWhitespace: true) == [0, 0, 0, 0, 0, 0])
        #expect(Base64.decode("A") == nil)
        #expect(Base64.decode("AA=A") == nil)
        #expect(Base64.decode("QUJD") == Array("ABC".utf8))
    }

    @Test func truncatedBlobsNeverTrap() throws {
        let blob = Base64.decode("AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v")!
        for cut in 0..<blob.count {
            #expect(throws: KeyportError.self) { try PublicKey(blob: Array(blob.prefix(cut))) }
        }
        #expect(throws: KeyportError.self) { try PublicKey(blob: blob + [0, 0, 0, 0]) }
        #expect(try PublicKey(blob: blob).bits == 256)
    }
}

@Suite struct NestedCertificateTests {
    /// A certificate whose CA key is a certificate, many levels deep: one clear error, no recursion.
    @Test func deeplyNestedCertificatesAreRefusedAtOnce() throws {
        let ed = Base64.decode("AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v")!
        var blob = ed
        for _ in 0..<2000 {
            var w = SSHWriter()
            w.writeString("ssh-ed25519-cert-v01@openssh.com")
            w.writeString([UInt8](repeating: 1, count: 32))          // nonce
            w.writeString([UInt8](repeating: 2, count: 32))          // pk
            w.writeUInt64(1); w.writeUInt32(1); w.writeString("id")
            w.writeString([UInt8]()); w.writeUInt64(0); w.writeUInt64(UInt64.max)
            w.writeString([UInt8]()); w.writeString([UInt8]()); w.writeString([UInt8]())
            w.writeString(blob)                                      // signature key: the previous level
            var sig = SSHWriter(); sig.writeString("ssh-ed25519"); sig.writeString([UInt8](repeating: 0, count: 64))
            w.writeString(sig.bytes)
            blob = w.bytes
        }
        #expect(throws: KeyportError.self) { try PublicKey(blob: blob) }
    }
}

/// The growable secret buffer and the ciphers that take and return it.
@Suite struct SecureBytesTests {
    @Test func appendsGrowAndKeepEveryByte() {
        var secret = SecureBytes(capacity: 2)
        var expected: [UInt8] = []
        for i in 0..<300 {
            secret.append(UInt8(truncatingIfNeeded: i))
            expected.append(UInt8(truncatingIfNeeded: i))
        }
        secret.append(contentsOf: [1, 2, 3])
        secret.append(SecureBytes([4, 5]))
        expected += [1, 2, 3, 4, 5]
        #expect(secret.bytes == expected)
        #expect(secret.capacity >= secret.count)
        secret.reserveCapacity(4096)
        #expect(secret.capacity >= 4096 && secret.bytes == expected)
        #expect(secret[2..<5].bytes == [2, 3, 4])
    }

    @Test func copiesAreIndependent() {
        let original = SecureBytes([9, 9, 9])
        var changed = original
        changed.append(7)
        changed.withUnsafeMutableBytes { $0[0] = 1 }
        #expect(original.bytes == [9, 9, 9])
        #expect(changed.bytes == [1, 9, 9, 7])
    }

    @Test func inPlaceWritesKeepOnlyWhatWasWritten() throws {
        var secret = SecureBytes([1])
        secret.append(unsafeUninitializedCapacity: 8) { tail in
            tail[0] = 2
            tail[1] = 3
            return 2
        }
        #expect(secret.bytes == [1, 2, 3])
        struct Stop: Error {}
        #expect(throws: Stop.self) { try secret.append(unsafeUninitializedCapacity: 4) { _ in throw Stop() } }
        #expect(secret.bytes == [1, 2, 3])
    }

    @Test func magnitudesIgnoreLeadingZeros() {
        #expect(SecureBytes([0, 0, 1, 2]).hasSameMagnitude(as: SecureBytes([1, 2])))
        #expect(!SecureBytes([1, 2]).hasSameMagnitude(as: SecureBytes([1, 3])))
        #expect(SecureBytes([0]).hasSameMagnitude(as: SecureBytes([UInt8]())))
    }

    @Test func writerFinishesIntoSecureBytes() {
        var w = SSHWriter()
        w.writeMPInt(SecureBytes([0x80, 1]))
        let secret = w.finishSecret()
        #expect(secret.bytes == [0, 0, 0, 3, 0, 0x80, 1])
        #expect(w.bytes.isEmpty)
    }

    @Test(arguments: [SymmetricCipher.aesCTR(keyBits: 256), .aesCBC(keyBits: 128), .aesGCM(keyBits: 256), .tripleDESCBC])
    func ciphersRoundTripSecrets(_ cipher: SymmetricCipher) throws {
        let keyBytes: Int, ivBytes: Int
        switch cipher {
        case let .aesCTR(bits), let .aesCBC(bits): (keyBytes, ivBytes) = (bits / 8, 16)
        case let .aesGCM(bits): (keyBytes, ivBytes) = (bits / 8, 12)
        case .tripleDESCBC: (keyBytes, ivBytes) = (24, 8)
        }
        let key = SecureBytes(try secureRandomBytes(keyBytes)), iv = SecureBytes(try secureRandomBytes(ivBytes))
        let plaintext = SecureBytes(try secureRandomBytes(64))
        let (ciphertext, tag) = try cipher.encrypt(key: key, iv: iv, plaintext: plaintext)
        #expect(ciphertext.count == 64 && ciphertext != plaintext.bytes)
        #expect(try cipher.decrypt(key: key, iv: iv, ciphertext: ciphertext, tag: tag) == plaintext)
        if case .aesGCM = cipher {
            var bad = tag
            bad[0] ^= 1
            #expect(throws: KeyportError.wrongPassphrase) { try cipher.decrypt(key: key, iv: iv, ciphertext: ciphertext, tag: bad) }
        }
    }

    @Test func chachaPolyRoundTripsAndRefusesAWrongTag() throws {
        let key = SecureBytes(try secureRandomBytes(OpenSSHChaChaPoly.keyLength))
        let plaintext = SecureBytes(try secureRandomBytes(40))
        let (ciphertext, tag) = try OpenSSHChaChaPoly.seal(key: key, plaintext: plaintext)
        #expect(try OpenSSHChaChaPoly.open(key: key, ciphertext: ciphertext, tag: tag) == plaintext)
        #expect(try OpenSSHChaChaPoly.decryptUnauthenticated(key: key, ciphertext: ciphertext) == plaintext)
        var bad = tag
        bad[15] ^= 0x80
        #expect(throws: KeyportError.wrongPassphrase) { try OpenSSHChaChaPoly.open(key: key, ciphertext: ciphertext, tag: bad) }
    }
}
