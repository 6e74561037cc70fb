/// Everything wrong with a cluster spec: one ``Issue`` per problem, each naming the field path and
/// where in the file it is, printed one per line
/// (`cluster.yaml:12:5: spec.pools[1].memory: "2XB" is not a size: …`).
public struct ClusterSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem.
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// The spec file, as the user named it; nil when the text did not come from a file.
        public var file: String?
        /// 1-based line and column of the offending value (or of the mapping that lacks a field).
        public var line: Int?
        public var column: Int?
        /// The field path, like `spec.pools[1].memory`; empty for the document itself.
        public var path: String
        public var message: String

        public init(file: String? = nil, line: Int? = nil, column: Int? = nil, path: String, message: String) {
            self.file = file
            self.line = line
            self.column = column
            self.path = path
            self.message = message
        }

        /// `FILE:LINE:COLUMN: PATH: MESSAGE`, leaving out the parts that are unknown.
        public var description: String {
            var location: [String] = []
            if let file { location.append(file) }
            if let line {
                location.append(String(line))
                if let column { location.append(String(column)) }
            }
            var text = location.isEmpty ? "" : location.joined(separator: ":") + ": "
            if !path.isEmpty { text += path + ": " }
            return text + message
        }
    }

    public var issues: [Issue]

    public init(_ issues: [Issue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// Characters of a value a message shows; the rest is counted, not echoed.
    static let quotedLimit = 80

    /// `text` in double quotes, with quotes, backslashes and control characters escaped, for
    /// messages; beyond ``quotedLimit`` characters only a count of the rest.
    static func quote(_ text: String) -> String {
        var result = "\""
        let scalars = text.unicodeScalars
        let shown = scalars.prefix(quotedLimit)
        for scalar in shown {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        let rest = scalars.count - shown.count
        return result + (rest > 0 ? "…\" (\(rest) more characters)" : "\"")
    }
}

extension ProvisionerError {
    /// A spec that cannot be used, as a provisioning error (``Code/invalidArgument``) whose message
    /// lists every issue, one per line.
    public static func spec(_ error: ClusterSpecError) -> ProvisionerError {
        let heading = error.issues.count == 1 ? "invalid cluster spec" : "invalid cluster spec (\(error.issues.count) problems)"
        return ProvisionerError(.invalidArgument, heading + ":\n" + error.description)
    }
}

/// "Did you mean …?" for a misspelt name: the closest known name within a small edit distance.
enum FieldSuggestion {
    /// The candidate closest to `word` (case-insensitive Damerau–Levenshtein distance), if it is
    /// close enough to be a plausible typo: at most 1 edit for short words, 2 for 5+ characters,
    /// 3 for 9+.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = word.count >= 9 ? 3 : word.count >= 5 ? 2 : 1
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = self.distance(Array(word.lowercased()), Array(candidate.lowercased()))
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

/// DNS label rules for names kinvm derives other names from.
enum SpecNames {
    static let dnsLabelMaxLength = 63

    /// A DNS-1123 label: 1–63 lower-case alphanumerics or '-', starting and ending alphanumeric.
    static func dnsLabelProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= dnsLabelMaxLength else { return "must be at most \(dnsLabelMaxLength) characters" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard name.allSatisfy(allowed.contains) else {
            return "must consist of lower-case letters, digits and '-'"
        }
        guard name.first != "-", name.last != "-" else { return "must start and end with a letter or digit" }
        return nil
    }
}
