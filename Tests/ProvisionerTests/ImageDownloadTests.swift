import Foundation
import Synchronization
import Testing

@testable import Provisioner

/// An HTTP server on 127.0.0.1 (python3's http.server on a port the kernel picks) serving a
/// directory, plus paths that misbehave: `/short` announces more bytes than it sends, `/nolength`
/// sends no Content-Length, `/stall` sends headers and then nothing. `stop()` in a defer.
struct LoopbackHTTPServer {
    let process: Process
    let port: Int

    static let script = """
        import functools, http.server, sys, time
        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith('/short'):
                    self.send_response(200); self.send_header('Content-Length', '100000'); self.end_headers()
                    self.wfile.write(b'x' * 1000); self.wfile.flush(); return
                if self.path.startswith('/nolength'):
                    self.send_response(200); self.end_headers(); self.wfile.write(b'y' * 5000); return
                if self.path.startswith('/stall'):
                    self.send_response(200); self.send_header('Content-Length', '10'); self.end_headers()
                    self.wfile.flush(); time.sleep(30); return
                return super().do_GET()
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=sys.argv[1]))
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    static func start(serving directory: String) throws -> LoopbackHTTPServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("the test HTTP server did not start: \(String(decoding: line, as: UTF8.self))")
        }
        return LoopbackHTTPServer(process: process, port: port)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    func stop() {
        // SIGKILL: a child of the test runner may have SIGTERM blocked or ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The progress reports a test saw, from any thread.
final class ProgressRecorder: Sendable {
    private let seen = Mutex<[ImportProgress]>([])
    func append(_ progress: ImportProgress) { seen.withLock { $0.append(progress) } }
    var all: [ImportProgress] { seen.withLock { $0 } }
}

@Suite("Image download over HTTP (loopback server)", .timeLimit(.minutes(1)))
struct ImageDownloadTests {
    /// A scratch directory served over HTTP: a small qcow2, a 1 MiB raw image, a non-image file.
    struct Served {
        let directory: String
        let server: LoopbackHTTPServer

        static func start() throws -> Served {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-dl-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: "\(directory)/www", withIntermediateDirectories: true)
            let qemuImg = Process()
            qemuImg.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
            qemuImg.arguments = ["create", "-q", "-f", "qcow2", "\(directory)/www/base.qcow2", "64M"]
            try qemuImg.run()
            qemuImg.waitUntilExit()
            guard qemuImg.terminationStatus == 0 else { throw TestFailure("qemu-img create failed") }
            try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: "\(directory)/www/disk.img"))
            try Data(repeating: 9, count: 1000).write(to: URL(fileURLWithPath: "\(directory)/www/notes.txt"))
            return Served(directory: directory, server: try LoopbackHTTPServer.start(serving: "\(directory)/www"))
        }

        func size(_ name: String) throws -> UInt64 {
            try #require(FileManager.default.attributesOfItem(atPath: "\(directory)/www/\(name)")[.size] as? UInt64)
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func expectError(
        _ code: ProvisionerError.Code, _ message: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
        } catch let error as ProvisionerError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected ProvisionerError \(code), got \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: The downloader

    @Test("a file arrives byte for byte, with progress up to its Content-Length")
    func download() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let target = "\(served.directory)/copy"
        let seen = Mutex<[(UInt64, UInt64?)]>([])
        let url = try ImageDownload.url(served.server.url("base.qcow2"))
        let bytes = try await ImageDownload.download(url, to: target) { received, total in
            seen.withLock { $0.append((received, total)) }
        }
        let size = try served.size("base.qcow2")
        #expect(bytes == size)
        #expect(FileManager.default.contentsEqual(atPath: target, andPath: "\(served.directory)/www/base.qcow2"))
        let last = try #require(seen.withLock { $0.last })
        #expect(last.0 == size)
        #expect(last.1 == size)
    }

    @Test("without Content-Length the download runs to the end and the total is unknown")
    func noLength() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let totals = Mutex<[UInt64?]>([])
        let bytes = try await ImageDownload.download(
            try ImageDownload.url(served.server.url("nolength")), to: "\(served.directory)/copy"
        ) { _, total in totals.withLock { $0.append(total) } }
        #expect(bytes == 5000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(served.directory)/copy")) == Data(repeating: UInt8(ascii: "y"), count: 5000))
        #expect(totals.withLock { $0.allSatisfy { $0 == nil } && !$0.isEmpty })
    }

    @Test("404, a short body and a refused connection are errors naming the URL and what happened")
    func failures() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let missing = served.server.url("missing.qcow2")
        await Self.expectError(.fileUnreadable, "cannot download '\(missing)': the server answered 404 (not found)") {
            try await ImageDownload.download(try ImageDownload.url(missing), to: "\(served.directory)/a")
        }
        let short = served.server.url("short")
        await Self.expectError(.fileUnreadable, "cannot download '\(short)': the connection ended after 1000 of 100000 bytes") {
            try await ImageDownload.download(try ImageDownload.url(short), to: "\(served.directory)/b")
        }
        let closed = try LoopbackHTTPServer.start(serving: served.directory)
        closed.stop()
        let refused = closed.url("base.qcow2")
        do throws(ProvisionerError) {
            try await ImageDownload.download(try ImageDownload.url(refused), to: "\(served.directory)/c")
            Issue.record("a download from a closed port succeeded")
        } catch {
            #expect(error.code == .fileUnreadable)
            #expect(error.message.hasPrefix("cannot download '\(refused)': "), "\(error)")
        }
    }

    @Test("credentials in an image URL (user:password, a signed query) never reach a message")
    func credentialsHidden() async throws {
        #expect(
            ImageDownload.displayed("https://u:SECRET@h.example/x.qcow2?version=1&X-Amz-Signature=SECRET2&token=S3#f")
                == "https://REDACTED@h.example/x.qcow2?version=1&X-Amz-Signature=REDACTED&token=REDACTED#f")
        #expect(ImageDownload.displayed("https://h.example/x.qcow2") == "https://h.example/x.qcow2")
        let served = try Served.start()
        defer { served.stop() }
        let missing = served.server.url("missing.qcow2").replacingOccurrences(of: "http://", with: "http://dev:SECRET@") + "?token=SECRET2"
        do throws(ProvisionerError) {
            try await ImageDownload.download(try ImageDownload.url(missing), to: "\(served.directory)/a")
            Issue.record("a missing file was downloaded")
        } catch {
            #expect(error.message.contains("REDACTED@") && !error.message.contains("SECRET"), "\(error)")
        }
    }

    @Test("a server that stops sending times out; cancelling the task stops the download")
    func stallAndCancel() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let stall = served.server.url("stall")
        let clock = ContinuousClock()
        let start = clock.now
        do throws(ProvisionerError) {
            try await ImageDownload.download(try ImageDownload.url(stall), to: "\(served.directory)/a", idleTimeout: .seconds(1))
            Issue.record("a stalled download succeeded")
        } catch {
            #expect(error.code == .timeout, "\(error)")
            #expect(error.message.contains("cannot download '\(stall)': no answer or data from the server for 1.0 seconds"), "\(error)")
        }
        #expect(clock.now - start < .seconds(10))

        let task = Task {
            try await ImageDownload.download(try ImageDownload.url(stall), to: "\(served.directory)/b", idleTimeout: .seconds(600))
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelledAt = clock.now
        task.cancel()
        do {
            try await task.value
            Issue.record("a cancelled download succeeded")
        } catch let error as ProvisionerError {
            #expect(error.code == .cancelled, "\(error)")
        }
        // Far sooner than the 600 s idle timeout (room for a machine loaded by the rest of the suite).
        #expect(clock.now - cancelledAt < .seconds(60))
    }

    @Test("URLs: only http and https with a host; the default name is the last path component without the query")
    func urls() throws {
        #expect(ImageDownload.isURL("https://example.org/a.qcow2"))
        #expect(ImageDownload.isURL("HTTP://example.org/a.qcow2"))
        #expect(!ImageDownload.isURL("/var/tmp/a.qcow2"))
        #expect(!ImageDownload.isURL("ftp://example.org/a.qcow2"))
        for bad in ["http://", "http:///a.qcow2", "https://exa mple.org/x"] {
            #expect(throws: ProvisionerError.self) { try ImageDownload.url(bad) }
        }
        let names = [
            ("http://127.0.0.1:8080/images/debian-12.qcow2?token=abc#x", "debian-12.qcow2"),
            ("https://h/a/b/", "b"),
            ("https://h/my%20disk.img", "my disk.img"),
            ("https://h/", ""),
            ("https://h", ""),
        ]
        for (source, name) in names {
            #expect(ImageDownload.defaultVolumeName(for: try ImageDownload.url(source)) == name, "\(source)")
        }
    }

    @Test("the temporary directory is private and removed when the body fails")
    func temporaryDirectory() async throws {
        let seen = Mutex<String?>(nil)
        do throws(ProvisionerError) {
            try await ImageDownload.withTemporaryDirectory { (directory: String) throws(ProvisionerError) in
                seen.withLock { $0 = directory }
                FileManager.default.createFile(atPath: "\(directory)/download", contents: Data([1, 2, 3]))
                let permissions = (try? FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions]) as? Int
                #expect(permissions == 0o700)
                throw ProvisionerError(.fileUnreadable, "boom")
            }
        } catch {
            #expect(error.message == "boom")
        }
        let directory = try #require(seen.withLock { $0 })
        #expect(directory.hasPrefix(FileManager.default.temporaryDirectory.path))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    // MARK: Import by URL on the test driver

    @Test("import by URL downloads, detects the format, then rolls back the upload the test driver cannot do")
    func importByURL() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let host = try await ImageStoreTests.Host.open()
        defer { Task { await host.remove() } }
        let source = served.server.url("base.qcow2?version=1")
        let seen = ProgressRecorder()
        let size = try served.size("base.qcow2")
        await Self.expectError(
            .libvirt, "cannot upload '\(source)' into volume 'base.qcow2': upload to volume 'base.qcow2' failed after 0 of \(size) bytes; "
                + "the stream was aborted: this function is not supported by the connection driver: virStorageVolUpload"
        ) {
            _ = try await host.store.importImage(fromURL: source, pool: "images", progress: { seen.append($0) })
        }
        let downloads = seen.all.filter { $0.phase == .downloading }
        #expect(downloads.last == ImportProgress(phase: .downloading, bytesDone: size, totalBytes: size))
        #expect(try await host.store.listImages(pool: "images").isEmpty)
    }

    @Test("import by URL: 404, a wrong checksum, a file that is no image and a taken name leave nothing behind")
    func importFailures() async throws {
        let served = try Served.start()
        defer { served.stop() }
        let host = try await ImageStoreTests.Host.open()
        defer { Task { await host.remove() } }
        let store = host.store
        let missing = served.server.url("missing.qcow2")
        await Self.expectError(
            .fileUnreadable, "cannot download '\(missing)': the server answered 404 (not found); nothing was imported"
        ) {
            _ = try await store.importImage(fromURL: missing, pool: "images")
        }
        let zeros = String(repeating: "0", count: 64)
        let raw = served.server.url("disk.img")
        do throws(ProvisionerError) {
            _ = try await store.importImage(fromURL: raw, pool: "images", expectedSHA256: zeros)
            Issue.record("a wrong checksum was accepted")
        } catch {
            #expect(error.code == .checksumMismatch)
            #expect(error.message.hasPrefix("the SHA-256 of '\(raw)' is "), "\(error)")
            #expect(error.message.hasSuffix("but \(zeros) was expected; nothing was imported"), "\(error)")
        }
        let notes = served.server.url("notes.txt")
        do throws(ProvisionerError) {
            _ = try await store.importImage(fromURL: notes, pool: "images")
            Issue.record("a text file was imported")
        } catch {
            #expect(error.code == .unsupportedFormat)
            #expect(error.message.hasPrefix("'\(notes)' cannot be imported: "), "\(error)")
        }
        #expect(try await store.listImages(pool: "images").isEmpty)
        try await host.createVolume("disk.img", format: "raw")
        await Self.expectError(
            .alreadyExists, "a volume named 'disk.img' already exists in pool 'images'; choose another --name or delete it first"
        ) {
            _ = try await store.importImage(fromURL: raw, pool: "images")
        }
        await Self.expectError(.invalidArgument, "invalid image name '': it is empty (from 'http://127.0.0.1/'); give one with --name") {
            _ = try await store.importImage(fromURL: "http://127.0.0.1/", pool: "images")
        }
        #expect(try await store.listImages(pool: "images").map(\.name) == ["disk.img"])
    }
}
