// authorized_keys files → NIOSSHPublicKey values with their options, for swift-nio-ssh servers.
//
// Options are read as sshd reads them (auth-options.c sshauthopt_parse, sshd(8) AUTHORIZED_KEYS FILE
// FORMAT): a comma-separated list before the key; names are case-insensitive; values are always
// double-quoted, with \" for a quote inside; an unknown option or a repeated single-valued option
// makes sshd refuse the line, and so does this reader. Forwarding and pty permissions start allowed;
// `restrict` denies them all; `no-X` denies one and `X` (after restrict) allows it again, in order.

import Foundation
import Keyport
import NIOSSH

/// One authorized_keys option as written: `name` in lower case, `value` unquoted (nil for flags).
public struct AuthorizedKeyOption: Sendable, Hashable, CustomStringConvertible {
    /// The option name, lowercased (`command`, `from`, `restrict`, `no-pty`, ...).
    public let name: String
    /// The unquoted value for `name="value"` options; nil for flags.
    public let value: String?

    /// An option (names are lowercased).
    public init(name: String, value: String? = nil) {
        self.name = name.lowercased()
        self.value = value
    }

    /// The option as it would be written in the file.
    public var description: String {
        guard let value else { return name }
        return "\(name)=\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\""
    }

    static let flags: Set<String> = [
        "agent-forwarding", "cert-authority", "no-agent-forwarding", "no-port-forwarding", "no-pty",
        "no-touch-required", "no-user-rc", "no-x11-forwarding", "port-forwarding", "pty", "restrict",
        "user-rc", "verify-required", "x11-forwarding",
    ]
    static let valued: Set<String> = ["command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals", "tunnel"]
    /// Options that sshd refuses to see twice on one line.
    static let single: Set<String> = ["command", "from", "principals", "tunnel"]

    /// Parses an options token (sshauthopt_parse). `line` is only for the error.
    static func parse(_ text: String, line: Int?) throws -> [AuthorizedKeyOption] {
        func fail(_ reason: String) -> KeyportNIOSSHError { .badOptions(line: line, reason: reason) }
        var options: [AuthorizedKeyOption] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let nameEnd = rest.firstIndex(where: { $0 == "=" || $0 == "," }) ?? rest.endIndex
            let name = rest[..<nameEnd].lowercased()
            rest = rest[nameEnd...]
            var value: String?
            if rest.first == "=" {
                rest = rest.dropFirst()
                guard rest.first == "\"" else { throw fail("the value of \(printable(name)) is not in double quotes") }
                rest = rest.dropFirst()
                var unquoted = ""
                var closed = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == "\\", rest.first == "\"" {
                        unquoted.append("\""); rest = rest.dropFirst()
                    } else if c == "\"" {
                        closed = true; break
                    } else {
                        unquoted.append(c)
                    }
                }
                guard closed else { throw fail("the value of \(printable(name)) has no closing quote") }
                value = unquoted
            }
            if value == nil {
                guard flags.contains(name) else {
                    throw fail(valued.contains(name) ? "\(name) needs a value (\(name)=\"...\")" : "unknown option \"\(printable(name))\"")
                }
            } else {
                guard valued.contains(name) else {
                    throw fail(flags.contains(name) ? "\(name) takes no value" : "unknown option \"\(printable(name))\"")
                }
            }
            if single.contains(name), options.contains(where: { $0.name == name }) {
                throw fail("\(name) given twice")
            }
            if name == "environment", let value, !value.contains("=") || value.hasPrefix("=") {
                throw fail("environment=\"\(printable(value))\" is not NAME=value")
            }
            options.append(AuthorizedKeyOption(name: name, value: value))
            guard let next = rest.first else { break }
            guard next == "," else { throw fail("unexpected text after \(printable(name))") }
            rest = rest.dropFirst()
            if rest.isEmpty { throw fail("the option list ends with a comma") }
        }
        return options
    }

    /// Untrusted text shortened and stripped of control characters for messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : $0 }))
        return cleaned.count > 40 ? String(cleaned.prefix(40)) + "…" : cleaned
    }
}

/// A key from an authorized_keys file with its options: what a swift-nio-ssh server needs to decide
/// whether to accept a user's key and what to allow the session.
public struct AuthorizedKey: Sendable {
    /// The key, for comparing with `NIOSSHUserAuthenticationRequest`'s offered public key.
    public let key: NIOSSHPublicKey
    /// keyport's form of the key (type, bits, fingerprint).
    public let publicKey: PublicKey
    /// The options, in file order.
    public let options: [AuthorizedKeyOption]
    /// The comment after the key.
    public let comment: String
    /// The 1-based line in the file.
    public let line: Int?

    /// Makes an entry; `options` are taken as given.
    public init(key: NIOSSHPublicKey, publicKey: PublicKey, options: [AuthorizedKeyOption] = [], comment: String = "", line: Int? = nil) {
        self.key = key
        self.publicKey = publicKey
        self.options = options
        self.comment = comment
        self.line = line
    }

    /// Values of every option called `name`, in order.
    public func values(_ name: String) -> [String] { options.filter { $0.name == name }.compactMap(\.value) }

    /// `command="..."`: the only command the key may run (sshd runs it instead of the requested one).
    public var forcedCommand: String? { values("command").first }

    /// `from="..."` patterns, or nil when the key may connect from anywhere.
    public var fromPatterns: String? { values("from").first }

    /// `principals="..."` (for `cert-authority` keys): the certificate principals accepted.
    public var principals: [String]? { values("principals").first.map { $0.split(separator: ",").map(String.init) } }

    /// `environment="NAME=value"` settings; the first of a name wins, as in sshd.
    public var environment: [(name: String, value: String)] {
        var seen: Set<String> = []
        return values("environment").compactMap { setting in
            guard let eq = setting.firstIndex(of: "=") else { return nil }
            let name = String(setting[..<eq])
            return seen.insert(name).inserted ? (name, String(setting[setting.index(after: eq)...])) : nil
        }
    }

    /// `permitopen="host:port"` destinations for local forwarding (empty: no limit beyond `permits`).
    public var permitOpen: [String] { values("permitopen") }
    /// `permitlisten="[host:]port"` addresses for remote forwarding.
    public var permitListen: [String] { values("permitlisten") }
    /// `tunnel="n"`: the tun device forced for this key.
    public var tunnel: String? { values("tunnel").first }
    /// `cert-authority`: the key is a CA, trusted to sign user certificates (not a user key itself).
    public var isCertificateAuthority: Bool { options.contains { $0.name == "cert-authority" } }

    /// `expiry-time="YYYYMMDD[HHMM[SS]][Z]"` as a date (UTC with `Z`, else the server's local time,
    /// as sshd reads it); the earliest when given twice. Nil when absent or unreadable: see `isExpired`.
    public var expiry: Date? {
        values("expiry-time").compactMap(Self.parseExpiry).min()
    }

    /// True when an `expiry-time` is past, or unreadable (sshd refuses such a line).
    public func isExpired(at now: Date = Date()) -> Bool {
        let written = values("expiry-time")
        if written.isEmpty { return false }
        guard let expiry, written.allSatisfy({ Self.parseExpiry($0) != nil }) else { return true }
        return now >= expiry
    }

    static func parseExpiry(_ text: String) -> Date? {
        var digits = Substring(text)
        let utc = digits.last == "Z" || digits.last == "z"
        if utc { digits = digits.dropLast() }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let ascii = Array(digits.utf8)
        func field(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= ascii.count else { return nil }
            return Int(String(decoding: ascii[start..<start + length], as: UTF8.self))
        }
        var components = DateComponents()
        components.year = field(0, 4); components.month = field(4, 2); components.day = field(6, 2)
        components.hour = field(8, 2) ?? 0; components.minute = field(10, 2) ?? 0; components.second = field(12, 2) ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc ? TimeZone(identifier: "UTC")! : .current
        guard let date = calendar.date(from: components),
              calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: components.year, month: components.month, day: components.day)
        else { return nil }
        return date
    }

    /// What a session may do, as sshd decides from the options.
    public enum Permission: String, Sendable, CaseIterable {
        /// Port forwarding (`-L`, `-R`, `-D`).
        case portForwarding = "port-forwarding"
        /// Agent forwarding.
        case agentForwarding = "agent-forwarding"
        /// X11 forwarding.
        case x11Forwarding = "x11-forwarding"
        /// A pseudo-terminal.
        case pty
        /// Running ~/.ssh/rc.
        case userRC = "user-rc"
    }

    /// Does the line allow this? Everything is allowed unless `restrict` or `no-…` says otherwise;
    /// a later `pty`, `port-forwarding`, ... allows it again (options apply in order, as in sshd).
    public func permits(_ permission: Permission) -> Bool {
        var allowed = true
        for option in options {
            if option.name == "restrict" { allowed = false }
            if option.name == "no-" + permission.rawValue { allowed = false }
            if option.name == permission.rawValue { allowed = true }
        }
        return allowed
    }

    /// Is a client at `address` (an IP address; `hostname` when the server resolved one) allowed by
    /// `from=`? True when the line has no `from=`.
    public func allowsConnection(from address: String, hostname: String? = nil) -> Bool {
        guard let patterns = fromPatterns else { return true }
        return HostPatterns.allows(address: address, hostname: hostname, patterns: patterns)
    }
}

/// An authorized_keys file read for a swift-nio-ssh server: the keys it can use, and every line it
/// cannot, with the reason (nothing is dropped silently).
///
/// ```swift
/// let authorized = try AuthorizedKeys(path: "/home/deploy/.ssh/authorized_keys")
/// // in NIOSSHServerUserAuthenticationDelegate.requestReceived:
/// if case let .publicKey(offer) = request.request,
///    let entry = authorized.entry(for: offer.publicKey, from: clientIP) { ... accept, apply entry.options ... }
/// ```
public struct AuthorizedKeys: Sendable {
    /// The usable keys, in file order.
    public let keys: [AuthorizedKey]
    /// Lines that hold no usable key: the line number and why (bad options, a key type swift-nio-ssh
    /// cannot use, a damaged key). sshd would skip them too; report them.
    public let skipped: [(line: Int?, error: any Error)]

    /// Reads an authorized_keys file.
    ///
    /// - Throws: `KeyportError` when the file cannot be read or holds no key lines at all.
    public init(path: String) throws {
        try self.init(bytes: FileIO.read(path, limit: 256 << 20))
    }

    /// As `init(path:)`, for the file's content.
    public init(bytes: [UInt8]) throws {
        var keys: [AuthorizedKey] = []
        var skipped: [(line: Int?, error: any Error)] = []
        var lines = 0
        var firstFailure: KeyportError?
        OpenSSHPublicFormat.decodeLines(bytes) { number, parsed in
            lines += 1
            switch parsed {
            case .skip: break
            case let .failure(error):
                if firstFailure == nil { firstFailure = error }
                skipped.append((number, error))
            case let .key(document):
                do {
                    keys.append(try Self.entry(document, line: number))
                } catch {
                    skipped.append((number, error))
                }
            }
        }
        if keys.isEmpty, skipped.count == lines, let error = KeyFile.noKeyError(head: Array(bytes.prefix(4096)), failedLines: lines) {
            throw error
        }
        self.keys = keys
        self.skipped = skipped
    }

    static func entry(_ document: KeyDocument, line: Int) throws -> AuthorizedKey {
        guard let key = document.publicKey else { throw KeyportNIOSSHError.noUsableKey("no public key") }
        if let marker = document.marker {
            throw KeyportNIOSSHError.badOptions(line: line, reason: "\(marker) belongs in known_hosts, not authorized_keys")
        }
        // keyport reads a leading token of unknown words as known_hosts host names; in an
        // authorized_keys file it can only be options, so parse whatever stood before the key.
        let leading = document.verbatimLeading.map { String(decoding: $0, as: UTF8.self) } ?? document.options
        let options = try leading.map { try AuthorizedKeyOption.parse($0, line: line) } ?? []
        return AuthorizedKey(key: try NIOSSHPublicKey(key), publicKey: key, options: options, comment: document.comment, line: line)
    }

    /// The entry that authorizes `key` for a client at `address` (nil address: do not check `from=`),
    /// skipping `cert-authority` lines and expired keys; nil when none does.
    public func entry(for key: NIOSSHPublicKey, from address: String? = nil, hostname: String? = nil, at now: Date = Date()) -> AuthorizedKey? {
        keys.first { entry in
            entry.key == key && !entry.isCertificateAuthority && !entry.isExpired(at: now)
                && (address.map { entry.allowsConnection(from: $0, hostname: hostname) } ?? true)
        }
    }
}
