// known_hosts files → host key checks for swift-nio-ssh clients.
//
// As ssh(1) checks a server (hostfile.c check_key_in_hostkeys, sshconnect.c check_host_key):
// - the name looked up is `host` on port 22 and `[host]:port` otherwise, lowercased;
// - a line's host field matches when one of its comma-separated patterns does (wildcards `*` `?`)
//   and no negated `!pattern` does, or, for a hashed field `|1|salt|hash`, when HMAC-SHA1 of the
//   name keyed with the salt equals the hash;
// - a key marked `@revoked` is refused wherever it appears, even for another host;
// - `@cert-authority` lines name CAs whose certificates are trusted for the matching hosts;
// - a matching line with the offered key accepts it; matching lines with other keys only mean the
//   key changed; no matching line means the host is unknown. There is no trust on first use.
// Lines keyport cannot read, and keys swift-nio-ssh cannot use (RSA ...), are kept as skipped; they
// never accept anything.

import Keyport
import NIOCore
import NIOSSH

/// A known_hosts file read with keyport, to check the host key a server presents.
///
/// ```swift
/// let knownHosts = try KnownHosts(path: NSHomeDirectory() + "/.ssh/known_hosts")
/// let serverAuth = knownHosts.validator(host: "example.com", port: 22)   // NIOSSHClientServerAuthenticationDelegate
/// ```
public struct KnownHosts: Sendable {
    /// One key line of the file.
    public struct Entry: Sendable {
        /// The host field: patterns or a hashed name.
        public let hosts: String
        /// `@cert-authority`, `@revoked`, or nil.
        public let marker: String?
        /// The key as keyport read it.
        public let publicKey: PublicKey
        /// The key as swift-nio-ssh compares it; nil for types it cannot use (such lines can still
        /// show that a host's key changed).
        public let key: NIOSSHPublicKey?
        /// 1-based line number.
        public let line: Int

        /// Does this line's host field name `name` (`host` or `[host]:port`)?
        public func matches(name: String) -> Bool { HostPatterns.knownHostsField(hosts, matches: name) }
    }

    /// The key lines, in file order.
    public let entries: [Entry]
    /// Lines that are not valid known_hosts key lines, with the reason.
    public let skipped: [(line: Int?, error: KeyportError)]

    /// Reads a known_hosts file.
    ///
    /// - Throws: `KeyportError` when the file cannot be read (a missing file is an error: with no
    ///   known hosts nothing could be verified).
    public init(path: String) throws {
        try self.init(bytes: FileIO.read(path, limit: 256 << 20))
    }

    /// As `init(path:)`, for the file's content.
    public init(bytes: [UInt8]) {
        var entries: [Entry] = []
        var skipped: [(line: Int?, error: KeyportError)] = []
        OpenSSHPublicFormat.decodeLines(bytes) { number, parsed in
            switch parsed {
            case .skip: break
            case let .failure(error): skipped.append((number, error))
            case let .key(document):
                guard let key = document.publicKey, let hosts = document.hosts else {
                    skipped.append((number, .malformed(format: "known_hosts", field: "line", reason: "no host names before the key")))
                    return
                }
                entries.append(Entry(hosts: hosts, marker: document.marker, publicKey: key, key: try? NIOSSHPublicKey(key), line: number))
            }
        }
        self.entries = entries
        self.skipped = skipped
    }

    /// Checks the host key a server presented.
    ///
    /// - Throws: `KeyportNIOSSHError.hostKeyRevoked`, `.hostKeyMismatch` (other keys are known for
    ///   the host) or `.hostKeyUnknown` (the host has no usable line); returns when a line accepts it.
    public func validate(hostKey: NIOSSHPublicKey, host: String, port: Int = 22) throws {
        let name = HostPatterns.knownHostsName(host: host, port: port)
        let certificate = NIOSSHCertifiedPublicKey(hostKey)
        let described = Self.describe(hostKey)
        // ssh refuses a revoked key (or a certificate signed by a revoked CA) before anything else.
        for entry in entries where entry.marker == "@revoked" {
            if entry.key == hostKey || (certificate != nil && entry.key == certificate?.signatureKey) || entry.key == certificate?.key {
                throw KeyportNIOSSHError.hostKeyRevoked(host: name, key: described, line: entry.line)
            }
        }
        let matching = entries.filter { $0.marker != "@revoked" && $0.matches(name: name) }
        if let certificate {
            let authorities = matching.filter { $0.marker == "@cert-authority" }.compactMap(\.key)
            // The certificate must name the host (as ssh checks it, without the port) and be
            // signed by one of its CAs, within its validity period.
            if !authorities.isEmpty,
               (try? certificate.validate(principal: host.lowercased(), type: .host, allowedAuthoritySigningKeys: authorities)) != nil {
                return
            }
        }
        let plain = matching.filter { $0.marker == nil }
        if plain.contains(where: { $0.key == hostKey || ($0.key != nil && $0.key == certificate?.key) }) { return }
        if !plain.isEmpty {
            throw KeyportNIOSSHError.hostKeyMismatch(host: name, key: described, knownLines: plain.map(\.line))
        }
        throw KeyportNIOSSHError.hostKeyUnknown(host: name, key: described)
    }

    /// A swift-nio-ssh server-authentication delegate that accepts a host key only when `validate`
    /// does; the connection fails with the `KeyportNIOSSHError` otherwise.
    public func validator(host: String, port: Int = 22) -> KnownHostsValidator {
        KnownHostsValidator(knownHosts: self, host: host, port: port)
    }

    /// `ED25519 SHA256:...` for messages, as ssh prints a host key.
    static func describe(_ key: NIOSSHPublicKey) -> String {
        let line = String(openSSHPublicKey: key)
        let blob = line.split(separator: " ").dropFirst().first.flatMap { Base64.decode(String($0)) }
        guard let blob, let parsed = try? PublicKey(blob: blob) else { return line.split(separator: " ").first.map(String.init) ?? "key" }
        return "\(parsed.displayType) \(parsed.fingerprint())"
    }
}

/// A swift-nio-ssh client's server-authentication delegate backed by a known_hosts file (see
/// `KnownHosts.validator(host:port:)`): it fails the connection with a `KeyportNIOSSHError` unless
/// the file accepts the host key.
public final class KnownHostsValidator: NIOSSHClientServerAuthenticationDelegate, Sendable {
    /// The known_hosts file.
    public let knownHosts: KnownHosts
    /// The host name or address as the user gave it (what known_hosts lines name).
    public let host: String
    /// The server's port (`[host]:port` in known_hosts unless 22).
    public let port: Int

    /// A validator for one server.
    public init(knownHosts: KnownHosts, host: String, port: Int = 22) {
        self.knownHosts = knownHosts
        self.host = host
        self.port = port
    }

    /// Succeeds the promise when the known_hosts file accepts `hostKey`, fails it otherwise.
    public func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        do {
            try knownHosts.validate(hostKey: hostKey, host: host, port: port)
            validationCompletePromise.succeed(())
        } catch {
            validationCompletePromise.fail(error)
        }
    }
}
