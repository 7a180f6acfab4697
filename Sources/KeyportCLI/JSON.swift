/// Minimal JSON writing for one-object-per-line output: no Foundation on the hot path.
struct JSONObject {
    private var fields: [String] = []

    mutating func add(_ key: String, _ value: String?) {
        fields.append("\"\(key)\":" + (value.map(JSONObject.quote) ?? "null"))
    }

    mutating func add(_ key: String, _ value: Int?) {
        fields.append("\"\(key)\":" + (value.map(String.init) ?? "null"))
    }

    mutating func add(_ key: String, _ value: Bool) { fields.append("\"\(key)\":\(value)") }

    mutating func add(_ key: String, raw: String) { fields.append("\"\(key)\":\(raw)") }

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func array(_ items: [String]) -> String { "[" + items.map(quote).joined(separator: ",") + "]" }
}
