// Host and address patterns as OpenSSH matches them: known_hosts host fields (hostfile.c), the
// authorized_keys from= option (auth-options.c → match_host_and_ip), and hashed known_hosts names.
//
//   match_pattern       '*' any run, '?' one character; the whole string must match
//   match_pattern_list  comma-separated patterns, '!' negates; a negated match wins over any other
//   addr_match_list     the same list over an address, where a pattern may be an address or CIDR
//   hashed names        |1|base64(salt)|base64(HMAC-SHA1(salt, name))
//
// Host names are compared in lower case, as OpenSSH lowercases the name it looks up.

import Foundation
import Keyport

/// OpenSSH's host pattern matching, for known_hosts host fields and authorized_keys `from=` lists.
public enum HostPatterns {
    /// `match_pattern`: does `text` match one pattern with `*` and `?` wildcards?
    public static func matches(_ text: String, pattern: String) -> Bool {
        wildcard(Array(text.utf8)[...], Array(pattern.utf8)[...])
    }

    private static func wildcard(_ s: ArraySlice<UInt8>, _ p: ArraySlice<UInt8>) -> Bool {
        var s = s, p = p
        // Greedy with one backtrack point, as match.c: linear in practice.
        var starP: ArraySlice<UInt8>?, starS: ArraySlice<UInt8>?
        while true {
            if let pc = p.first {
                if pc == UInt8(ascii: "*") {
                    p = p.dropFirst()
                    starP = p
                    starS = s
                    continue
                }
                if let sc = s.first, pc == UInt8(ascii: "?") || pc == sc {
                    s = s.dropFirst(); p = p.dropFirst()
                    continue
                }
            } else if s.isEmpty {
                return true
            }
            // Mismatch: let the last '*' swallow one more character.
            guard let sp = starP, let ss = starS, !ss.isEmpty else { return false }
            starS = ss.dropFirst()
            s = starS!
            p = sp
        }
    }

    /// `match_pattern_list`: 1 when a pattern of the comma-separated list matches, -1 when a negated
    /// one (`!pattern`) does (which overrides any match), 0 otherwise. `text` is lowercased when
    /// `lowercase` (host names), as OpenSSH does.
    public static func matchList(_ text: String, _ list: String, lowercase: Bool = true) -> Int {
        let subject = lowercase ? text.lowercased() : text
        var result = 0
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            var pattern = Substring(raw)
            let negated = pattern.first == "!"
            if negated { pattern = pattern.dropFirst() }
            if matches(subject, pattern: lowercase ? pattern.lowercased() : String(pattern)) {
                if negated { return -1 }
                result = 1
            }
        }
        return result
    }

    /// `addr_match_list`: 1 when the address matches the list (patterns may be addresses, CIDR blocks
    /// or wildcards), -1 for a negated match, 0 for none, -2 for a malformed CIDR pattern (which sshd
    /// treats as a refusal).
    public static func matchAddressList(_ address: String, _ list: String) -> Int {
        let parsed = IPAddress(address)
        var result = 0
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            var pattern = String(raw)
            let negated = pattern.hasPrefix("!")
            if negated { pattern.removeFirst() }
            let matched: Bool
            switch IPAddress.network(pattern) {
            case .invalidMask: return -2
            case let .network(network, bits): matched = parsed.map { $0.isIn(network, prefix: bits) } ?? false
            case .notAnAddress: matched = matches(address, pattern: pattern)
            }
            if matched {
                if negated { return -1 }
                result = 1
            }
        }
        return result
    }

    /// `match_host_and_ip` for `from=`: true when the client at `address` (with reverse-resolved
    /// `hostname`, which is the address itself when sshd does not resolve names, its default) is allowed.
    public static func allows(address: String, hostname: String? = nil, patterns: String) -> Bool {
        let byAddress = matchAddressList(address, patterns)
        if byAddress == -2 || byAddress == -1 { return false }
        let byName = matchList(hostname ?? address, patterns)
        if byName == -1 { return false }
        return byName == 1 || byAddress == 1
    }

    /// How ssh names a host in known_hosts: `host` on port 22, `[host]:port` otherwise.
    public static func knownHostsName(host: String, port: Int) -> String {
        port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
    }

    /// Does a known_hosts host field match the name? The field is either a hashed name
    /// (`|1|salt|hash`) or a list of patterns.
    public static func knownHostsField(_ field: String, matches name: String) -> Bool {
        if field.hasPrefix("|1|") {
            let parts = field.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, let salt = Base64.decode(String(parts[2])), let hash = Base64.decode(String(parts[3])),
                  salt.count == 20, hash.count == 20 else { return false }
            return (try? Keyport.Digest.sha1.hmac(key: salt, data: Array(name.utf8))) == hash
        }
        return matchList(name, field) == 1
    }
}

/// An IPv4 or IPv6 address as 4 or 16 bytes.
struct IPAddress: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    enum Network { case network(IPAddress, Int), invalidMask, notAnAddress }

    /// Parses `address[/bits]` as addr_pton_cidr: an address with bits beyond the mask is invalid.
    static func network(_ text: String) -> Network {
        let pieces = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(pieces[0])) else { return .notAnAddress }
        let maximum = address.bytes.count * 8
        guard pieces.count == 2 else { return .network(address, maximum) }
        guard let bits = Int(pieces[1]), bits >= 0, bits <= maximum, pieces[1].allSatisfy(\.isNumber) else { return .invalidMask }
        // 10.1.2.3/8 has host bits set: OpenSSH refuses it rather than guess what was meant.
        for (i, byte) in address.bytes.enumerated() {
            let keep = max(0, min(8, bits - i * 8))
            let hostMask: UInt8 = keep == 8 ? 0 : 0xff >> keep
            if byte & hostMask != 0 { return .invalidMask }
        }
        return .network(address, bits)
    }

    /// Is this address inside `network/prefix`? Addresses of different families never match.
    func isIn(_ network: IPAddress, prefix: Int) -> Bool {
        guard bytes.count == network.bytes.count else { return false }
        for i in 0..<bytes.count {
            let keep = max(0, min(8, prefix - i * 8))
            let mask: UInt8 = keep == 0 ? 0 : 0xff << (8 - keep)
            if bytes[i] & mask != network.bytes[i] & mask { return false }
        }
        return true
    }
}
