import Foundation
import Testing

@Suite("kinvm image (real binary)")
struct ImageCLITests {
    /// A scratch directory with a valid 1 MiB raw image and a 1000-byte file that is no image.
    struct Files {
        let directory: String
        var raw: String { "\(directory)/disk.img" }
        var garbage: String { "\(directory)/garbage.bin" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-image-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: "\(directory)/disk.img"))
            try Data(repeating: 9, count: 1000).write(to: URL(fileURLWithPath: "\(directory)/garbage.bin"))
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func run(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["image"] + arguments)
    }

    @Test("bad arguments exit 64 with a usage message", arguments: [
        ["import"],
        ["import", "disk.img", "--sha256", "abc"],
        ["import", "disk.img", "--name", "a/b"],
        ["import", "disk.img", "--name", ".."],
        ["list", "-o", "xml"],
        ["delete"],
        ["import", "disk.img", "-c", ""],
    ])
    func badArguments(arguments: [String]) throws {
        let result = try Self.run(arguments.contains("-c") ? arguments : arguments + ["-c", "test:///default"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
        #expect(result.stdout.isEmpty)
    }

    @Test("an unknown pool exits 1 and lists the pools there are")
    func unknownPool() throws {
        let files = try Files()
        defer { files.remove() }
        let imported = try Self.run(["import", files.raw, "--pool", "nope", "-c", "test:///default"])
        #expect(imported.status == 1)
        #expect(imported.stderr == "kinvm: no storage pool named 'nope' (pools: default-pool)\n")
        let listed = try Self.run(["list", "--pool", "nope", "-c", "test:///default"])
        #expect(listed.status == 1)
        #expect(listed.stderr == "kinvm: no storage pool named 'nope' (pools: default-pool)\n")
        let deleted = try Self.run(["delete", "x", "--pool", "nope", "-c", "test:///default"])
        #expect(deleted.status == 1)
        #expect(deleted.stderr.contains("(pools: default-pool)"))
    }

    @Test("a file that is not an image, a wrong checksum and a missing file exit 1 with one line")
    func refusedFiles() throws {
        let files = try Files()
        defer { files.remove() }
        let garbage = try Self.run(["import", files.garbage, "--pool", "default-pool", "-c", "test:///default"])
        #expect(garbage.status == 1)
        #expect(garbage.stderr.hasPrefix("kinvm: '\(files.garbage)' cannot be imported: it is neither qcow2 nor a raw disk image"))
        #expect(garbage.stderr.split(separator: "\n").count == 1)
        let zeros = String(repeating: "0", count: 64)
        let mismatch = try Self.run(["import", files.raw, "--sha256", zeros, "--pool", "default-pool", "-c", "test:///default"])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("but \(zeros) was expected; nothing was imported"))
        let missing = try Self.run(["import", "\(files.directory)/none.img", "-c", "test:///default"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "kinvm: '\(files.directory)/none.img' does not exist\n")
    }

    @Test("list prints a table or JSON; delete of an unknown image exits 1")
    func listAndDelete() throws {
        let table = try Self.run(["list", "-c", "test:///default"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("POOL   NAME   FORMAT   SIZE   USED-BY"))
        let json = try Self.run(["list", "-o", "json", "--pool", "default-pool", "-c", "test:///default"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [Any])
        let deleted = try Self.run(["delete", "nope.qcow2", "--pool", "default-pool", "-c", "test:///default"])
        #expect(deleted.status == 1)
        #expect(deleted.stderr.hasPrefix("kinvm: no image named 'nope.qcow2' in pool 'default-pool'"))
        #expect(deleted.stderr.split(separator: "\n").count == 1)
    }
}
