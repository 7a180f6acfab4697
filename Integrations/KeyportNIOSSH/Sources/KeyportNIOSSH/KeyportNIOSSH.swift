// The bridge's error type, the table of key types swift-nio-ssh can use, and public keys.

import Keyport
import NIOSSH

/// What the bridge knows about swift-nio-ssh's key support.
public enum KeyportNIOSSH {
    /// The key types swift-nio-ssh 0.15 signs and verifies with (user keys and host keys):
    /// Ed25519 and ECDSA on P-256, P-384 and P-521. RSA, DSA, Ed448 and the FIDO security-key
    /// types (`sk-…@openssh.com`) have no NIOSSHPrivateKey or NIOSSHPublicKey form.
    public static let supportedAlgorithms: Set<KeyAlgorithm> = [.ed25519, .ecdsaP256, .ecdsaP384, .ecdsaP521]

    /// Is this a key swift-nio-ssh can use?
    public static func supports(_ algorithm: KeyAlgorithm) -> Bool { supportedAlgorithms.contains(algorithm) }
}

/// Why a key file, an authorized_keys line or a server's host key cannot be used with swift-nio-ssh.
///
/// Problems reading a file (wrong passphrase, damaged or unknown format, I/O) come as `KeyportError`
/// instead; this type adds what is specific to swift-nio-ssh. Messages are lowercase, for people,
/// and never contain secret material.
public enum KeyportNIOSSHError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key's type (its SSH name, e.g. `ssh-rsa`) is one swift-nio-ssh cannot use.
    case unsupportedKeyType(String)
    /// The input holds no key usable here (a public key where a private one is needed, several keys,
    /// a public half encrypted inside a PEM file).
    case noUsableKey(String)
    /// The private half does not produce the public half stored beside it.
    case keyMismatch(String)
    /// CryptoKit refused the key material.
    case invalidKey(String)
    /// An authorized_keys line whose options sshd would refuse.
    case badOptions(line: Int?, reason: String)
    /// The server's host key is not in the known_hosts file for this host.
    case hostKeyUnknown(host: String, key: String)
    /// The known_hosts file names other keys for this host: possibly a man-in-the-middle.
    case hostKeyMismatch(host: String, key: String, knownLines: [Int])
    /// The server's host key is marked `@revoked` in the known_hosts file.
    case hostKeyRevoked(host: String, key: String, line: Int)

    /// A lowercase message for people.
    public var description: String {
        switch self {
        case let .unsupportedKeyType(type):
            return "\(type) keys cannot be used with swift-nio-ssh: it supports only ssh-ed25519 and ecdsa-sha2-nistp256/384/521 keys"
        case let .noUsableKey(what): return what
        case let .keyMismatch(what): return "private key does not match its public key: \(what)"
        case let .invalidKey(what): return "unusable key: \(what)"
        case let .badOptions(line, reason):
            return "\(line.map { "line \($0): " } ?? "")bad authorized_keys options: \(reason)"
        case let .hostKeyUnknown(host, key):
            return "no known_hosts entry for \(host) with its host key \(key); refusing to connect (add the key to the known_hosts file if you trust it)"
        case let .hostKeyMismatch(host, key, lines):
            let where_ = lines.map(String.init).joined(separator: ", ")
            return "host key for \(host) has changed: the server offered \(key), which is not the key known_hosts line\(lines.count == 1 ? "" : "s") \(where_) name\(lines.count == 1 ? "s" : ""); refusing to connect (someone may be intercepting the connection)"
        case let .hostKeyRevoked(host, key, line):
            return "host key \(key) of \(host) is revoked (@revoked on known_hosts line \(line)); refusing to connect"
        }
    }
}

extension NIOSSHPublicKey {
    /// The swift-nio-ssh form of a public key (or OpenSSH certificate) keyport has read.
    ///
    /// - Throws: `KeyportNIOSSHError.unsupportedKeyType` for RSA, DSA, Ed448 and sk- keys;
    ///   `.invalidKey` when swift-nio-ssh refuses the key (for example a point not on the curve).
    public init(_ key: PublicKey) throws {
        guard KeyportNIOSSH.supports(key.algorithm) else {
            throw KeyportNIOSSHError.unsupportedKeyType(key.sshType)
        }
        // swift-nio-ssh builds public keys only from an OpenSSH line (or from its private keys);
        // the line is made from the canonical blob, so nothing of the input's text survives.
        do {
            try self.init(openSSHPublicKey: "\(key.sshType) \(Base64.encode(key.blob))")
        } catch {
            throw KeyportNIOSSHError.invalidKey("\(key.sshType): swift-nio-ssh refused the public key (\(error))")
        }
    }

    /// Every public key in a file keyport reads (`.pub`, RFC 4716, SPKI PEM, a private key file's
    /// public half, ...), as swift-nio-ssh keys. For authorized_keys files, whose options matter,
    /// use `AuthorizedKeys`.
    ///
    /// - Throws: `KeyportError` when the file cannot be read, `KeyportNIOSSHError` when one of its
    ///   keys is of a type swift-nio-ssh cannot use or is locked inside an encrypted PEM file.
    public static func load(keyFile path: String) throws -> [NIOSSHPublicKey] {
        try KeyFile.load(path: path).map { document in
            guard let key = document.publicKey else {
                throw KeyportNIOSSHError.noUsableKey("the public key of an encrypted PEM file is encrypted too; unlock it with its passphrase")
            }
            return try NIOSSHPublicKey(key)
        }
    }
}
