import Foundation
import Testing

/// Rules about how the sources are written that the compiler does not check, each with why.
@Suite("Source rules")
struct SourceRulesTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Every Swift file under Sources/ and Tests/, as (path relative to the repository, text).
    static func swiftFiles() throws -> [(path: String, text: String)] {
        var files: [(String, String)] = []
        for top in ["Sources", "Tests", "Benchmarks"] {
            let root = "\(repository)/\(top)"
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            while let relative = walker.nextObject() as? String {
                guard relative.hasSuffix(".swift") else { continue }
                files.append(("\(top)/\(relative)", try String(contentsOfFile: "\(root)/\(relative)", encoding: .utf8)))
            }
        }
        return files
    }

    /// Where `text` breaks the task-closure rule of `FanOut` (Sources/Provisioner/Support/FanOut.swift):
    /// Swift 6.3.1's optimizer miscompiles a task's closure that returns a tuple built around
    /// `try await` in `do`/`catch`. Flagged: a `return (…)` whose tuple contains `await`
    /// (a function holding one may be inlined into a task), and a task group whose child type is
    /// a tuple. Comments are skipped. Each finding is "line N: excerpt".
    static func taskTupleFindings(_ text: String) -> [String] {
        var findings: [String] = []
        let lines = text.components(separatedBy: "\n")
        for (number, line) in lines.enumerated() {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("//") { continue }
            if line.range(of: #"TaskGroup\(\s*of:\s*\("#, options: .regularExpression) != nil {
                findings.append("line \(number + 1): a task group whose child returns a tuple: \(code)")
            }
            guard let start = line.range(of: #"return\s*\("#, options: .regularExpression) else { continue }
            // The tuple may span lines: read to its closing parenthesis.
            let rest = ([String(line[start.upperBound...])] + lines.dropFirst(number + 1).prefix(8)).joined(separator: "\n")
            var depth = 1
            var tuple = ""
            for character in rest {
                if character == "(" { depth += 1 }
                if character == ")" { depth -= 1 }
                if depth == 0 { break }
                tuple.append(character)
            }
            if tuple.range(of: #"\bawait\b"#, options: .regularExpression) != nil {
                findings.append("line \(number + 1): a tuple built around await is returned: \(code)")
            }
        }
        return findings
    }

    @Test("no task closure returns a tuple built around await (a Swift 6.3.1 release-build miscompile)")
    func noTupleReturnsAroundAwait() throws {
        let files = try Self.swiftFiles()
        #expect(files.count > 100, "the walk found only \(files.count) Swift files under \(Self.repository)")
        // This file holds the shapes as examples for the rule's own test.
        let findings = files.filter { !$0.path.hasSuffix("/SourceRulesTests.swift") }.flatMap { file in
            Self.taskTupleFindings(file.text).map { "\(file.path) \($0)" }
        }
        #expect(findings.isEmpty, "\(findings.joined(separator: "\n"))")
    }

    @Test(
        "the rule finds the crashing shapes and passes the fixed ones",
        arguments: [
            ("do { return (name, .success(try await work())) } catch { return (name, .failure(error)) }", true),
            ("group.addTask {\n    return (\n        index,\n        try await body(member)\n    )\n}", true),
            ("let outcomes = await withTaskGroup(of: (String, Result<Boot?, Err>).self) { group in", true),
            ("await withThrowingTaskGroup(of:   (Int, Node).self) { group in", true),
            ("let made = try await connection.createPool(xml: xml)\nreturn (made, true)", false),
            ("result = .success(try await body(element))\nreturn Slot(index: index, result: result)", false),
            ("await withTaskGroup(of: Slot<Value, Failure>.self) { group in", false),
            ("// do { return (name, .success(try await work())) }", false),
            ("return (awaitingCount, other)", false),
        ])
    func ruleItself(snippet: String, flagged: Bool) {
        #expect(Self.taskTupleFindings(snippet).isEmpty != flagged, "\(snippet)")
    }
}
