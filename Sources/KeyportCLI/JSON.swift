/// Minimal JSON writing for one-object-per-line output: no Foundation on the hot path; string
/// escaping is the library's (LintOutput.jsonQuote), so every JSON keyport prints escapes alike.
import Keyport

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

    static func quote(_ s: String) -> String { LintOutput.jsonQuote(s) }

    static func array(_ items: [String]) -> String { "[" + items.map(quote).joined(separator: ",") + "]" }
}
