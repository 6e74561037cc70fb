/// Messages kinvm prints about what it was given are bounded: a 50 MB argument or file line is
/// named, never echoed whole. Each line keeps its first ``lineLimit`` characters, and at most
/// ``lineCount`` lines are kept (a spec with thousands of problems lists the first ones).
enum BoundedMessage {
    static let lineLimit = 400
    static let lineCount = 100

    static func bounded(_ message: String) -> String {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        var kept = lines.prefix(lineCount).map { line -> String in
            guard line.count > lineLimit else { return String(line) }
            return line.prefix(lineLimit) + "… (\(line.count - lineLimit) more characters)"
        }
        if lines.count > lineCount { kept.append("… (\(lines.count - lineCount) more lines)") }
        return kept.joined(separator: "\n")
    }
}
