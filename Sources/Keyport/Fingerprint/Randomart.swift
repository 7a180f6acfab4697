// The "drunken bishop" randomart of OpenSSH (sshkey.c fingerprint_randomart): a 17x9 field walked
// two bits at a time from the fingerprint digest.

/// The randomart picture `ssh-keygen -lv` draws for a key.
public enum Randomart {
    static let width = 17
    static let height = 9
    static let symbols = Array(" .o+=*BOX@%&#/^SE".utf8)

    /// The picture ssh-keygen -lv prints, without a final newline.
    public static func render(digest: [UInt8], title: String, footer: String) -> String {
        var field = [[UInt8]](repeating: [UInt8](repeating: 0, count: height), count: width)
        var x = width / 2
        var y = height / 2
        let maxSymbol = UInt8(symbols.count - 1)
        for byte in digest {
            var input = byte
            for _ in 0..<4 {
                x += (input & 1) != 0 ? 1 : -1
                y += (input & 2) != 0 ? 1 : -1
                x = min(max(x, 0), width - 1)
                y = min(max(y, 0), height - 1)
                if field[x][y] < maxSymbol - 2 { field[x][y] += 1 }
                input >>= 2
            }
        }
        field[width / 2][height / 2] = maxSymbol - 1
        field[x][y] = maxSymbol

        var out = frame(title) + "\n"
        for row in 0..<height {
            var line = [UInt8(ascii: "|")]
            for column in 0..<width { line.append(symbols[Int(min(field[column][row], maxSymbol))]) }
            line.append(UInt8(ascii: "|"))
            out += String(decoding: line, as: UTF8.self) + "\n"
        }
        return out + frame(footer)
    }

    /// `+--[TITLE]--+`: the label centred in 17 dashes, cut to 16 characters like OpenSSH.
    static func frame(_ label: String) -> String {
        let text = String(label.prefix(width - 1))
        let left = (width - text.count) / 2
        let right = width - text.count - left
        return "+" + String(repeating: "-", count: left) + text + String(repeating: "-", count: right) + "+"
    }

    /// The randomart for a key as `ssh-keygen -lv` prints it.
    public static func render(_ key: PublicKey, hash: FingerprintHash) -> String {
        var title = "[\(key.displayType) \(key.bits)]"
        if title.count > width { title = "[\(key.displayType)]" }
        return render(digest: key.fingerprintDigest(hash), title: title, footer: "[\(hash.label)]")
    }
}
