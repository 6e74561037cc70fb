import Foundation
import Yams

/// Turns command results into the text users and scripts read.
enum Rendering {
    /// JSON with sorted keys and 2-space indentation, as `kubectl -o json` prints.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// YAML, with keys in the same order as the JSON form.
    static func yaml<T: Encodable>(_ value: T) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return try encoder.encode(value)
    }

    /// A plain table: a header row and aligned columns separated by three spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "   ")
        }.joined(separator: "\n")
    }

    /// Bytes as MiB or GiB, for people.
    static func bytes(_ value: UInt64) -> String {
        let mib = Double(value) / 1_048_576
        return mib >= 1024 ? String(format: "%.1f GiB", mib / 1024) : String(format: "%.0f MiB", mib)
    }
}

/// Messages for stderr, so that stdout stays machine-readable.
enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("kinvm: \(BoundedMessage.bounded(message))\n".utf8))
    }

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("\(BoundedMessage.bounded(message))\n".utf8))
    }
}
