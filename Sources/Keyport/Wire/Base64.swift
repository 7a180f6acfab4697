// Base64 (RFC 4648 §4) and hex, tuned for the hot path of bulk fingerprinting: table-driven, no
// Foundation, one allocation per call.

public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0...63 for alphabet bytes, 0xFE for '=', 0xFD for whitespace, 0xFF otherwise.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "="))] = 0xFE
        for c in [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")] { t[Int(c)] = 0xFD }
        return t
    }()

    /// True for the 64 alphabet bytes and `=`.
    static func isAlphabet(_ c: UInt8) -> Bool { table[Int(c)] < 0xFD || c == UInt8(ascii: "=") }

    /// Encodes with `=` padding; `lineLength` > 0 inserts `\n` after every that many characters.
    public static func encode<C: Collection>(_ data: C, lineLength: Int = 0) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((data.count + 2) / 3 * 4 + (lineLength > 0 ? data.count / lineLength + 1 : 0))
        var column = 0
        func put(_ c: UInt8) {
            if lineLength > 0, column == lineLength { out.append(UInt8(ascii: "\n")); column = 0 }
            out.append(c)
            column += 1
        }
        var i = data.startIndex
        var buffer: (UInt8, UInt8, UInt8) = (0, 0, 0)
        var n = 0
        while i != data.endIndex {
            switch n {
            case 0: buffer.0 = data[i]
            case 1: buffer.1 = data[i]
            default: buffer.2 = data[i]
            }
            n += 1
            data.formIndex(after: &i)
            if n == 3 {
                put(alphabet[Int(buffer.0 >> 2)])
                put(alphabet[Int((buffer.0 & 3) << 4 | buffer.1 >> 4)])
                put(alphabet[Int((buffer.1 & 15) << 2 | buffer.2 >> 6)])
                put(alphabet[Int(buffer.2 & 63)])
                n = 0
            }
        }
        if n == 1 {
            put(alphabet[Int(buffer.0 >> 2)]); put(alphabet[Int((buffer.0 & 3) << 4)])
            put(UInt8(ascii: "=")); put(UInt8(ascii: "="))
        } else if n == 2 {
            put(alphabet[Int(buffer.0 >> 2)]); put(alphabet[Int((buffer.0 & 3) << 4 | buffer.1 >> 4)])
            put(alphabet[Int((buffer.1 & 15) << 2)]); put(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64. With `ignoringWhitespace`, spaces, tabs, CR and LF anywhere are skipped (armoured
    /// bodies); otherwise they are errors (single tokens). Padding is optional; data after padding and
    /// impossible lengths are errors. Returns nil when the input is not base64.
    public static func decode<C: Collection>(_ text: C, ignoringWhitespace: Bool = false) -> [UInt8]? where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        let ok: Bool = table.withUnsafeBufferPointer { t in
            for c in text {
                let v = t[Int(c)]
                if v < 64 {
                    if padding > 0 { return false }
                    acc = acc << 6 | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                    }
                } else if v == 0xFE {
                    padding += 1
                    if padding > 2 { return false }
                } else if v == 0xFD && ignoringWhitespace {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
        guard ok else { return nil }
        // 6 leftover bits mean one lone character: not a valid encoding.
        if bits >= 6 { return nil }
        return out
    }

    public static func decode(_ text: String, ignoringWhitespace: Bool = false) -> [UInt8]? {
        decode(Array(text.utf8), ignoringWhitespace: ignoringWhitespace)
    }
}

public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ data: C, separator: String = "") -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(data.count * (2 + separator.utf8.count))
        let sep = Array(separator.utf8)
        var first = true
        for b in data {
            if !first { out.append(contentsOf: sep) }
            first = false
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
