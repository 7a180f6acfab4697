/// The one rule for text that came from an input (comments, options, host patterns, certificate
/// key IDs and principals, file names, quoted fields in error messages) on its way to a terminal or
/// a log: no control character survives.
///
/// A hostile key file must not be able to retitle or clear a terminal, hide what follows
/// (`ESC[8m`), move the cursor back over a line (CR) or add a forged line to a CI log (LF). Every
/// C0 control byte but tab (so CR and LF too), DEL, every C1 control (U+0080 to U+009F, which some
/// terminals obey in UTF-8) and every byte that is not part of valid UTF-8 is written as a
/// backslash and three octal digits, the form `ssh-keygen -l` uses (OpenSSH's mprintf/strvis with
/// VIS_OCTAL); printable UTF-8 passes unchanged. Tab passes, as in ssh-keygen: it can neither move
/// the cursor back nor change the terminal. ssh-keygen also passes CR and LF raw; keyport escapes
/// them, since they can overwrite or forge a line.
///
/// JSON and SARIF output do not use this rule: their encoders escape control characters.
/// The result holds only printable characters, so escaping it again changes nothing.
public enum SafeText {
    /// `bytes` with every control character and invalid UTF-8 byte escaped as `\ooo`.
    public static func escape<Bytes: Collection>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        guard bytes.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return String(decoding: bytes, as: UTF8.self) }
        var out = ""
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0
            // One character at a time; what does not decode (overlong, surrogate, cut short) is
            // escaped byte by byte, as mbtowc failing makes OpenSSH do.
            guard length > 0, i + length <= bytes.count,
                  let character = String(validating: bytes[i..<i + length], as: UTF8.self),
                  let scalar = character.unicodeScalars.first else {
                appendOctal(lead, to: &out)
                i += 1
                continue
            }
            if isControl(scalar) {
                for byte in bytes[i..<i + length] { appendOctal(byte, to: &out) }
            } else {
                out.unicodeScalars.append(scalar)
            }
            i += length
        }
        return out
    }

    /// `text` with every control character escaped as `\ooo` (the octal of its UTF-8 bytes).
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return escape(bytes: Array(text.utf8))
    }

    /// `text` escaped and cut to about `limit` characters of the input (with "…" when cut), for
    /// quoting a field in a one-line message.
    public static func quote(_ text: String, limit: Int = 40) -> String {
        text.count > limit ? escape(String(text.prefix(limit))) + "…" : escape(text)
    }

    /// Whether `text` passes unchanged.
    public static func isSafe(_ text: String) -> Bool { !text.unicodeScalars.contains(where: isControl) }

    /// C0 but tab (so CR and LF too), DEL and C1.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar.value != 0x09) || (scalar.value >= 0x7f && scalar.value < 0xa0)
    }

    static func appendOctal(_ byte: UInt8, to out: inout String) {
        out.unicodeScalars.append("\\")
        for shift in [6, 3, 0] { out.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + (byte >> UInt8(shift)) & 7)) }
    }
}
