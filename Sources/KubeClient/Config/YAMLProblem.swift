import Yams

/// What is wrong with a YAML file and where, without any of its text.
///
/// Yams' own error descriptions quote the offending line (and a caret under it); in a kubeconfig
/// that line is often the one holding a token, a password or a key. This keeps only the position
/// and libyaml's problem text, which are fixed strings of the parser ("mapping values are not
/// allowed in this context"), never input.
public struct YAMLProblem: Sendable, Hashable, CustomStringConvertible {
    /// 1-based, as editors count; nil when the parser gave no position.
    public var line: Int?
    public var column: Int?
    public var problem: String

    public init(line: Int?, column: Int?, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// The problem of an error thrown while composing YAML. Errors that are not Yams' are named by
    /// type only: their text is not known to be free of input.
    public init(_ error: any Error) {
        guard let error = error as? YamlError else {
            self.init(line: nil, column: nil, problem: "the YAML parser failed (\(type(of: error)))")
            return
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // libyaml's context is a fixed phrase too ("while scanning a quoted scalar").
            let while_ = context.map { " (\($0.text) started at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            self.init(line: mark.line, column: mark.column, problem: problem + while_)
        case .reader(let problem, _, _, _):
            // The offset counts characters, not lines: say the problem alone.
            self.init(line: nil, column: nil, problem: problem)
        case .duplicatedKeysInMapping(_, let context):
            // The keys themselves are left out: a key is input too.
            self.init(line: context.mark.line, column: context.mark.column, problem: "a key appears twice in one mapping")
        case .dataCouldNotBeDecoded:
            self.init(line: nil, column: nil, problem: "the file is not UTF-8 text")
        default:
            self.init(line: nil, column: nil, problem: "the YAML parser failed")
        }
    }

    /// `3:12: mapping values are not allowed in this context`, or the problem alone.
    public var description: String {
        guard let line else { return problem }
        return "\(line):\(column ?? 0): \(problem)"
    }

    /// `FILE:3:12: not valid YAML: mapping values are not allowed in this context`.
    public func described(file: String) -> String {
        guard let line else { return "\(file): not valid YAML: \(problem)" }
        return "\(file):\(line):\(column ?? 0): not valid YAML: \(problem)"
    }
}
