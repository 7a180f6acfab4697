// Text helpers shared by the text formats and the CLI's small parsers, written once so that
// "blank" means the same thing everywhere (and needs no Foundation).

extension StringProtocol {
    /// Without leading and trailing ASCII blanks: space, tab, CR and LF. Only these: a file's
    /// other bytes (a no-break space, a form feed) are content, reported where they do not belong
    /// rather than silently dropped.
    package func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return text[first...last]
    }
}
