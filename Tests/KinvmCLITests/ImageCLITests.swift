import Foundation
import Testing

@Suite("kinvm image (real binary)", .timeLimit(.minutes(2)))
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
        ["import", "http://127.0.0.1:9/"],
        ["import", "http://127.0.0.1:9/disk.img", "--name", "a/b"],
        ["import", "http://127.0.0.1:9/disk.img", "--sha256", "xyz"],
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

    // MARK: Import by URL

    /// python3's http.server on 127.0.0.1, on a port the kernel picks, serving a directory.
    struct HTTPServer {
        let process: Process
        let port: Int

        static func start(serving directory: String) throws -> HTTPServer {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard let index = words.firstIndex(of: "port"), index + 1 < words.count, let port = Int(words[index + 1]) else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no port in: \(String(decoding: line, as: UTF8.self))"])
            }
            return HTTPServer(process: process, port: port)
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

        func stop() {
            // SIGKILL: a child of the test runner may have SIGTERM blocked or ignored.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A served directory (a qcow2 made by qemu-img, a raw image, a text file), a test-driver host
    /// with a dir pool `images`, and a private $TMPDIR for kinvm, which must be empty afterwards.
    struct Remote {
        let files: Files
        let server: HTTPServer
        var served: String { "\(files.directory)/www" }
        var temporary: String { "\(files.directory)/tmp" }
        var uri: String { "test://\(files.directory)/host.xml" }

        init() throws {
            files = try Files()
            let manager = FileManager.default
            for folder in ["www", "tmp", "pool"] {
                try manager.createDirectory(atPath: "\(files.directory)/\(folder)", withIntermediateDirectories: true)
            }
            let qemuImg = Process()
            qemuImg.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
            qemuImg.arguments = ["create", "-q", "-f", "qcow2", "\(files.directory)/www/base.qcow2", "64M"]
            try qemuImg.run()
            qemuImg.waitUntilExit()
            try manager.copyItem(atPath: files.raw, toPath: "\(files.directory)/www/disk.img")
            try manager.copyItem(atPath: files.garbage, toPath: "\(files.directory)/www/notes.txt")
            try """
                <node><pool type='dir'><name>images</name><target><path>\(files.directory)/pool</path></target></pool></node>
                """.write(toFile: "\(files.directory)/host.xml", atomically: true, encoding: .utf8)
            server = try HTTPServer.start(serving: "\(files.directory)/www")
        }

        func importing(_ arguments: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(["image", "import"] + arguments + ["--pool", "images", "-c", uri], environment: ["TMPDIR": temporary])
        }

        /// What kinvm left in its $TMPDIR.
        var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? ["(unreadable)"] }

        func stop() {
            server.stop()
            files.remove()
        }
    }

    @Test("import by URL downloads with progress, detects qcow2, and rolls back the upload the test driver cannot do")
    func importURL() throws {
        let remote = try Remote()
        defer { remote.stop() }
        let source = remote.server.url("base.qcow2?token=1")
        let result = try remote.importing([source])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        // The volume was created under the URL's name, then deleted when the upload failed.
        // The token in the URL is a credential: shown redacted.
        let shown = source.replacingOccurrences(of: "token=1", with: "token=REDACTED")
        #expect(lines.last?.hasPrefix("kinvm: cannot upload '\(shown)' into volume 'base.qcow2': ") == true, "\(result.stderr)")
        #expect(!result.stderr.contains("token=1"), "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("downloading: 100% (") }, "\(result.stderr)")
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("downloading: ") || $0.hasPrefix("uploading: ") }, "\(result.stderr)")
        #expect(remote.leftovers.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(remote.files.directory)/pool").isEmpty)
    }

    @Test("import by URL: 404, refused connection, wrong checksum and a non-image exit 1 naming the URL, leaving nothing")
    func importURLFailures() throws {
        let remote = try Remote()
        defer { remote.stop() }
        let missing = remote.server.url("missing.qcow2")
        let notFound = try remote.importing([missing])
        #expect(notFound.status == 1)
        #expect(notFound.stderr == "kinvm: cannot download '\(missing)': the server answered 404 (not found); nothing was imported\n")

        let zeros = String(repeating: "0", count: 64)
        let raw = remote.server.url("disk.img")
        let mismatch = try remote.importing([raw, "--sha256", zeros, "--name", "data.img"])
        #expect(mismatch.status == 1)
        let last = mismatch.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("kinvm: the SHA-256 of '\(raw)' is "), "\(mismatch.stderr)")
        #expect(last.hasSuffix("but \(zeros) was expected; nothing was imported"), "\(mismatch.stderr)")

        let notes = remote.server.url("notes.txt")
        let garbage = try remote.importing([notes])
        #expect(garbage.status == 1)
        #expect(garbage.stderr.split(separator: "\n").last?.hasPrefix("kinvm: '\(notes)' cannot be imported: it is neither qcow2 nor a raw disk image") == true, "\(garbage.stderr)")

        let closed = try HTTPServer.start(serving: remote.served)
        closed.stop()
        let refused = try remote.importing([closed.url("base.qcow2")])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("kinvm: cannot download '\(closed.url("base.qcow2"))': "), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("; nothing was imported\n"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)

        #expect(remote.leftovers.isEmpty, "left in $TMPDIR: \(remote.leftovers)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(remote.files.directory)/pool").isEmpty)
    }
}
