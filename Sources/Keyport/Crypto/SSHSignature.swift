internal import CLibcrypto

// SSH signatures (RFC 4253 §6.6, RFC 8332, RFC 5656 §3.1.2, RFC 8709 §6, OpenSSH PROTOCOL.u2f), as
// they sign OpenSSH certificates (PROTOCOL.certkeys: the signature covers every byte of the
// certificate blob before the signature string):
//
//   signature     string algorithm, string blob
//   ssh-rsa       blob = PKCS#1 v1.5 signature, SHA-1     (rsa-sha2-256: SHA-256, rsa-sha2-512: SHA-512)
//   ssh-dss       blob = r ‖ s, 20 bytes each, SHA-1
//   ecdsa-sha2-*  blob = mpint r, mpint s; SHA-256/384/512 by curve
//   ssh-ed25519   blob = 64-byte RFC 8032 signature        ssh-ed448: 114 bytes
//   sk-*          blob as above, then byte flags, uint32 counter; the authenticator signs
//                 SHA-256(application) ‖ flags ‖ counter ‖ SHA-256(message)
//
// OpenSSH checks a certificate's signature whenever it parses one (sshkey.c cert_parse), so
// `ssh-keygen -l` calls a certificate whose signature does not verify "not a public key file".

/// Whether an OpenSSH certificate's signature verifies against the CA key inside it.
public enum SignatureStatus: Sendable, Equatable {
    /// The signature verifies.
    case valid
    /// The signature does not verify: the certificate was altered or was never signed by that key.
    case invalid(String)
}

extension Certificate {
    /// Checks the signature against `signatureKey` over the signed part of the blob.
    ///
    /// Computed on each call (one public-key verification); callers that need it twice keep the result.
    public var signatureStatus: SignatureStatus {
        do {
            let ok = try SSHSignature.verify(signature, by: signatureKey, over: blob[0..<signedLength])
            return ok ? .valid : .invalid("the signature does not verify against the CA key")
        } catch let error as KeyportError {
            return .invalid("\(error)")
        } catch {
            return .invalid("\(error)")
        }
    }
}

extension PublicKey {
    /// For a certificate whose signature does not verify, the error `fingerprint` reports instead of
    /// a line (ssh-keygen -l calls it "not a public key file": OpenSSH checks the signature while
    /// parsing); nil for a plain key or a valid certificate.
    public var certificateSignatureFailure: KeyportError? {
        guard let certificate, case let .invalid(why) = certificate.signatureStatus else { return nil }
        return .malformed(format: "certificate", field: "signature", reason: "\(why); ssh and sshd refuse this certificate")
    }
}

enum SSHSignature {
    /// Verifies an SSH signature (`string algorithm, string blob`) made by `key` over `message`.
    /// Returns false for a signature that does not verify; throws `malformed` for one that cannot
    /// be a signature of that key type.
    static func verify(_ signature: [UInt8], by key: PublicKey, over message: ArraySlice<UInt8>) throws -> Bool {
        Libcrypto.ensureInitialized()
        var r = SSHReader(signature, context: "certificate signature")
        let algorithm = try r.readText("signature algorithm")
        let blob = try r.readString("signature blob")
        func refuse(_ reason: String) -> KeyportError { .malformed(format: "certificate signature", field: "signature", reason: reason) }
        let digest: OpaquePointer?
        var toVerify: [UInt8]
        var signed = Array(message)
        switch (key.algorithm, algorithm) {
        case (.rsa, "ssh-rsa"), (.rsa, "rsa-sha2-256"), (.rsa, "rsa-sha2-512"):
            digest = algorithm == "ssh-rsa" ? EVP_sha1() : algorithm == "rsa-sha2-256" ? EVP_sha256() : EVP_sha512()
            // OpenSSH accepts a signature shorter than the modulus and left-pads it (ssh-rsa.c).
            guard case let .rsa(_, n) = key.parts, blob.count <= n.count else { throw refuse("RSA signature longer than the modulus") }
            toVerify = [UInt8](repeating: 0, count: n.count - blob.count) + blob
        case (.dsa, "ssh-dss"):
            guard blob.count == 40 else { throw refuse("DSA signature of \(blob.count) bytes, expected 40") }
            digest = EVP_sha1()
            toVerify = derSignature(r: Array(blob[0..<20]), s: Array(blob[20..<40]))
        case (.ecdsaP256, _), (.ecdsaP384, _), (.ecdsaP521, _), (.skECDSAP256, _):
            guard algorithm == key.algorithm.sshName else { throw refuse("a \(key.algorithm.sshName) key cannot make a \(PublicKey.printable(algorithm)) signature") }
            var inner = SSHReader(blob, context: "certificate signature")
            let rValue = try inner.readMPInt("ECDSA r"), sValue = try inner.readMPInt("ECDSA s")
            try inner.expectEnd("ECDSA signature")
            digest = key.algorithm == .ecdsaP384 ? EVP_sha384() : key.algorithm == .ecdsaP521 ? EVP_sha512() : EVP_sha256()
            toVerify = derSignature(r: rValue, s: sValue)
            if key.algorithm == .skECDSAP256 { signed = try securityKeyMessage(&r, key: key, message: message) }
        case (.ed25519, "ssh-ed25519"), (.ed448, "ssh-ed448"), (.skEd25519, _):
            guard algorithm == key.algorithm.sshName else { throw refuse("a \(key.algorithm.sshName) key cannot make a \(PublicKey.printable(algorithm)) signature") }
            digest = nil
            toVerify = blob
            if key.algorithm == .skEd25519 { signed = try securityKeyMessage(&r, key: key, message: message) }
        default:
            throw refuse("a \(key.algorithm.sshName) key cannot make a \(PublicKey.printable(algorithm)) signature")
        }
        try r.expectEnd("end of signature")
        let evpKey = try EVPKey(verifying: key)
        guard let ctx = EVP_MD_CTX_new() else { throw KeyportError.crypto("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        let result = try evpKey.withUnsafePointer { pkey in
            guard EVP_DigestVerifyInit(ctx, nil, digest, nil, pkey) == 1 else {
                ERR_clear_error()
                throw refuse("libcrypto cannot verify \(key.algorithm.sshName) signatures with this key")
            }
            return EVP_DigestVerify(ctx, toVerify, toVerify.count, signed, signed.count)
        }
        ERR_clear_error()
        return result == 1
    }

    /// What a FIDO authenticator signs: SHA-256(application) ‖ flags ‖ counter ‖ SHA-256(message).
    private static func securityKeyMessage(_ r: inout SSHReader, key: PublicKey, message: ArraySlice<UInt8>) throws -> [UInt8] {
        let flags = try r.readByte("security-key flags")
        let counter = try r.readRaw(4, "security-key counter")
        let application: String
        switch key.parts {
        case let .securityKeyECDSA(_, app), let .securityKeyEd25519(_, app): application = app
        default: application = ""
        }
        let appHash = Array(application.utf8).withUnsafeBytes { Digest.sha256.hash($0) }
        let messageHash = Array(message).withUnsafeBytes { Digest.sha256.hash($0) }
        return appHash + [flags] + counter + messageHash
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` from unsigned magnitudes, the form libcrypto verifies.
    private static func derSignature(r: [UInt8], s: [UInt8]) -> [UInt8] {
        func integer(_ magnitude: [UInt8]) -> [UInt8] {
            var content = Array(magnitude.drop(while: { $0 == 0 }))
            if content.isEmpty || content[0] & 0x80 != 0 { content.insert(0, at: 0) }
            return [0x02] + DERReader.encodeLength(content.count) + content
        }
        let body = integer(r) + integer(s)
        return [0x30] + DERReader.encodeLength(body.count) + body
    }
}

extension EVPKey {
    /// The EVP form of a public key for verification; security keys verify as their plain curve.
    convenience init(verifying key: PublicKey) throws {
        switch key.parts {
        case let .securityKeyECDSA(point, _):
            try self.init(PublicKey(algorithm: .ecdsaP256, parts: .ecdsa(point: point)))
        case let .securityKeyEd25519(pk, _):
            try self.init(PublicKey(algorithm: .ed25519, parts: .eddsa(publicKey: pk)))
        default:
            try self.init(key)
        }
    }
}
