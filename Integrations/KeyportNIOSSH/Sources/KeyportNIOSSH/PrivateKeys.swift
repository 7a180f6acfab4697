// Private key files → NIOSSHPrivateKey.
//
// swift-nio-ssh 0.15.1 makes private keys only from CryptoKit (swift-crypto) values:
//   NIOSSHPrivateKey(ed25519Key: Curve25519.Signing.PrivateKey)
//   NIOSSHPrivateKey(p256Key: P256.Signing.PrivateKey)   (also p384Key:, p521Key:)
//   NIOSSHPrivateKey(secureEnclaveP256Key:)              (Apple platforms; not from a file)
// so those four key types are the ones a file can become. keyport reads the file (any format,
// encrypted or not) into a `PrivateKey` whose secret parts live in `SecureBytes`; this file hands
// those bytes to the CryptoKit initialiser and checks that the key it builds has the public half the
// file states.
//
// Where the secret goes (and what is left behind):
// - keyport: the decrypted file body and the secret parts are `SecureBytes`, wiped when released.
// - Ed25519: the 32-byte seed is passed straight from keyport's buffer (`withUnsafeBytes`) to
//   `Curve25519.Signing.PrivateKey(rawRepresentation:)`. swift-crypto on Linux copies it into its own
//   `SecureBytes` (seed ‖ public key, zeroed with memset_s when the key is released); Apple's
//   CryptoKit keeps it in its own memory as well.
// - ECDSA: the scalar d is a minimal big-endian integer in keyport, while CryptoKit wants exactly the
//   curve's field size (32, 48, 66 bytes), so it is left-padded in one buffer of that size that is
//   wiped right after the call. swift-crypto on Linux turns it into a BoringSSL BIGNUM (freed with
//   BN_clear_free) and an EC_KEY (its scalar is cleared by EC_KEY_free).
// - Nothing here makes a `[UInt8]`/`Data` copy of a secret other than that padded buffer.
// The NIOSSHPrivateKey (a struct sharing the CryptoKit key) holds the secret until the last copy is
// released; keep it only as long as the connection needs it.

import Crypto
import Keyport
import NIOSSH

extension NIOSSHPrivateKey {
    /// Reads the private key file at `path` (openssh-key-v1, PuTTY PPK v2/v3, PEM SEC1, PKCS#8,
    /// encrypted PKCS#8, ...; anything `KeyFile.load` reads) as a swift-nio-ssh key.
    ///
    /// ```swift
    /// let key = try NIOSSHPrivateKey(keyFile: "id_ed25519.ppk", passphrase: SecureBytes("secret"))
    /// let offer = NIOSSHUserAuthenticationOffer.Offer.privateKey(.init(privateKey: key))
    /// ```
    ///
    /// - Parameters:
    ///   - path: the key file (`-` for standard input).
    ///   - passphrase: opens an encrypted key; ignored for an unencrypted one.
    /// - Throws: `KeyportNIOSSHError` when the file holds no usable private key (a public key only,
    ///   a type swift-nio-ssh cannot use such as RSA, a private half that does not match its public
    ///   half); `KeyportError` when keyport cannot read the file (`.wrongPassphrase`,
    ///   `.passphraseRequired` for an encrypted key without a passphrase, `.io`, `.malformed`, ...).
    public init(keyFile path: String, passphrase: SecureBytes? = nil) throws {
        try self.init(keyFileBytes: FileIO.read(path), passphrase: passphrase)
    }

    /// As `init(keyFile:passphrase:)`, for the content of a key file already in memory.
    ///
    /// The caller should wipe `bytes` afterwards when they hold an unencrypted key
    /// (`SecureBytes.wipe(&bytes)`).
    public init(keyFileBytes bytes: [UInt8], passphrase: SecureBytes? = nil) throws {
        let documents = try KeyFile.load(bytes: bytes)
        guard let first = documents.first else { throw KeyportNIOSSHError.noUsableKey("the file holds no key") }
        // OpenSSH reads exactly one key from a private key file (sshkey_private_deserialize); a
        // second one would be silently ignored, so say so instead.
        guard documents.count == 1 else {
            throw KeyportNIOSSHError.noUsableKey("the file holds \(documents.count) keys; a private key file holds one")
        }
        guard first.isPrivate else {
            let type = first.publicKey.map { " (\($0.sshType))" } ?? ""
            throw KeyportNIOSSHError.noUsableKey("the file holds a public key\(type), not a private key")
        }
        // The type is known before the passphrase is tried (except for encrypted PEM, which hides
        // it): an RSA key is refused without spending a KDF run or asking for a passphrase.
        if let publicKey = first.publicKey { try Self.requireSupported(publicKey) }
        var document = first
        if document.isLocked {
            guard let passphrase else {
                throw KeyportError.passphraseRequired("the key is encrypted (\(document.protection.cipherName)); a passphrase is needed to open it")
            }
            document = try KeyFile.unlock(document, passphrase: passphrase)
        }
        guard let key = document.privateKey else {
            throw KeyportNIOSSHError.noUsableKey("the file holds no private key")
        }
        try self.init(key)
    }

    /// The swift-nio-ssh form of a private key keyport has read.
    ///
    /// - Throws: `KeyportNIOSSHError.unsupportedKeyType` for RSA, DSA, Ed448 and security-key (sk-)
    ///   keys; `.keyMismatch` when the secret does not produce the public key stored beside it
    ///   (a damaged or tampered file); `.invalidKey` when CryptoKit refuses the secret (for example
    ///   an EC scalar out of range).
    public init(_ key: PrivateKey) throws {
        try Self.requireSupported(key.publicKey)
        let algorithm = key.publicKey.algorithm
        switch (algorithm, key.secret) {
        case let (.ed25519, .eddsa(seed)):
            let signingKey = try Self.cryptoKit(algorithm) {
                try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
            }
            self.init(ed25519Key: signingKey)
        case let (.ecdsaP256, .ecdsa(d)):
            self.init(p256Key: try Self.withPaddedScalar(d, size: 32, algorithm) { try P256.Signing.PrivateKey(rawRepresentation: $0) })
        case let (.ecdsaP384, .ecdsa(d)):
            self.init(p384Key: try Self.withPaddedScalar(d, size: 48, algorithm) { try P384.Signing.PrivateKey(rawRepresentation: $0) })
        case let (.ecdsaP521, .ecdsa(d)):
            self.init(p521Key: try Self.withPaddedScalar(d, size: 66, algorithm) { try P521.Signing.PrivateKey(rawRepresentation: $0) })
        default:
            throw KeyportNIOSSHError.invalidKey("\(algorithm.sshName): the secret parts are not those of this key type")
        }
        // The public half comes from the secret; a file whose stored public key differs would sign
        // as a key other than the one the user thinks it is (and the server was given).
        guard self.publicKey == (try NIOSSHPublicKey(key.publicKey.plain)) else {
            throw KeyportNIOSSHError.keyMismatch("the \(algorithm.sshName) secret does not produce the public key stored in the file")
        }
    }

    /// Throws `unsupportedKeyType` unless swift-nio-ssh can sign with keys of this type.
    static func requireSupported(_ key: PublicKey) throws {
        guard KeyportNIOSSH.supportedAlgorithms.contains(key.algorithm) else {
            throw KeyportNIOSSHError.unsupportedKeyType(key.algorithm.sshName)
        }
    }

    /// Runs a CryptoKit initialiser and turns its error (which says little) into one naming the key type.
    static func cryptoKit<K>(_ algorithm: KeyAlgorithm, _ make: () throws -> K) throws -> K {
        do {
            return try make()
        } catch {
            throw KeyportNIOSSHError.invalidKey("\(algorithm.sshName): CryptoKit refused the secret (\(error))")
        }
    }

    /// Calls `body` with the EC scalar left-padded to the field size, in one buffer wiped afterwards.
    static func withPaddedScalar<K>(_ d: SecureBytes, size: Int, _ algorithm: KeyAlgorithm,
                                    _ body: (UnsafeRawBufferPointer) throws -> K) throws -> K {
        var padded = [UInt8](repeating: 0, count: size)
        defer { SecureBytes.wipe(&padded) }
        let fits: Bool = d.withUnsafeBytes { scalar in
            // Leading zero bytes (a sign byte from an mpint) carry no value.
            let digits = UnsafeRawBufferPointer(rebasing: scalar.drop(while: { $0 == 0 }))
            guard digits.count <= size else { return false }
            padded.withUnsafeMutableBytes { out in
                UnsafeMutableRawBufferPointer(rebasing: out[(size - digits.count)...]).copyMemory(from: digits)
            }
            return true
        }
        guard fits else {
            throw KeyportNIOSSHError.invalidKey("\(algorithm.sshName): the private scalar is longer than \(size) bytes")
        }
        return try cryptoKit(algorithm) { try padded.withUnsafeBytes { try body($0) } }
    }
}
