import CloudInit
import Foundation
import Yams

/// External programs the reader tests run, found on PATH (or the usual sbin directories).
enum Tool {
    static func path(_ name: String) -> String? {
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return searched.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let isoinfo = path("isoinfo")  // apt: genisoimage
    static let xorriso = path("xorriso")  // apt: xorriso
    static let bsdtar = path("bsdtar")  // apt: libarchive-tools
    static let sevenZip = path("7z")  // apt: p7zip-full
    static let blkid = path("blkid")  // apt: util-linux (in every Debian)
    static let python3 = path("python3")

    /// PyYAML: the loader cloud-init itself uses (apt: python3-yaml).
    static let hasPyYAML: Bool = {
        guard python3 != nil, let result = try? run(python3!, ["-c", "import yaml"]) else { return false }
        return result.status == 0
    }()

    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a program to completion; stderr goes through a file so a chatty tool cannot block.
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-ci-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let errorHandle = try FileHandle(forWritingTo: errorPath)
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin))
            try input.fileHandleForWriting.close()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let stderr = (try? String(contentsOf: errorPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: [UInt8](stdout), stderr: stderr)
    }
}

/// A temporary directory for one test, removed by `remove()`.
struct Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-cloudinit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the directory and returns its path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

enum Fixtures {
    /// A fixed time, so images are reproducible: 2026-11-29 05:00:00 UTC.
    static let time = Date(timeIntervalSince1970: 1_795_928_400)

    static let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkinvmTestKeyOnlyForTests kinvm@test"

    /// Parses YAML with Yams into plain values (`[String: Any]`, `[Any]`, strings, numbers, booleans).
    static func load(_ yaml: String) throws -> Any? { try Yams.load(yaml: yaml) }

    /// Loads each YAML document with PyYAML's `safe_load` (the loader cloud-init uses) as `d`,
    /// evaluates its Python expressions on it, and returns the results: a string as is, anything
    /// else as `<type> repr`. One Python process for the whole batch.
    /// E.g. `("a: yes", ["d['a']"])` gives `[["<bool> True"]]`.
    static func pyYAML(_ batch: [(yaml: String, expressions: [String])]) throws -> [[String]] {
        guard let python = Tool.python3 else { throw ToolFailure(message: "python3 is not installed") }
        let script = """
            import sys, json, yaml
            out = []
            for text, expressions in json.load(sys.stdin):
                d = yaml.safe_load(text)
                row = []
                for e in expressions:
                    v = eval(e, {'d': d})
                    row.append(v if isinstance(v, str) else '<%s> %r' % (type(v).__name__, v))
                out.append(row)
            sys.stdout.write(json.dumps(out))
            """
        let input = try JSONSerialization.data(withJSONObject: batch.map { [$0.yaml, $0.expressions] as [Any] })
        let result = try Tool.run(python, ["-c", script], stdin: [UInt8](input))
        guard result.status == 0 else { throw ToolFailure(message: result.stderr) }
        return try JSONDecoder().decode([[String]].self, from: Data(result.stdout))
    }

    /// One document, one expression.
    static func pyYAML(_ yaml: String, _ expression: String) throws -> String {
        try pyYAML([(yaml, [expression])])[0][0]
    }
}

struct ToolFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
