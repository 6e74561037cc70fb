import Foundation
import Testing

/// The `kube-standin` executable next to the test binary (built by `swift build --build-tests`).
let kubeStandInPath: String? = {
    let candidates = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }.map {
        URL(fileURLWithPath: $0).deletingLastPathComponent()
    }
    for directory in candidates {
        for base in [directory, directory.deletingLastPathComponent(), directory.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = base.appendingPathComponent("kube-standin").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
    }
    return nil
}()

@Suite(.timeLimit(.minutes(2))) struct ProgramTests {
    @Test(.enabled(if: kubeStandInPath != nil, "kube-standin is not built next to the tests"))
    func serveWritesKubeconfigAnnouncesReadyAndStopsOnSIGTERM() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standin-program-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("admin.conf").path
        let outPath = directory.appendingPathComponent("out").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(kubeStandInPath))
        process.arguments = ["serve", "--kubeconfig-out", kubeconfig, "--token", "t0k=alice:system:masters", "--k3s-token", "pw"]
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? out.close() }
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var line = ""
        for _ in 0..<200 where !line.hasSuffix("\n") {
            try await Task.sleep(for: .milliseconds(100))
            line = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        }
        let url = line.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.hasPrefix("ready https://127.0.0.1:"), "\(line)")
        let attributes = try FileManager.default.attributesOfItem(atPath: kubeconfig)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let nodes = try await runProcess(
            "/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", directory.appendingPathComponent("cache").path, "get", "nodes", "-o", "json"],
            timeout: .seconds(60))
        #expect(nodes.status == 0, "\(nodes.stderr)")
        #expect(nodes.stdout.contains("\"items\": []"), "\(nodes.stdout)")
        let server = String(url.dropFirst("ready ".count))
        let version = try await runProcess(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "-k", "-H", "Authorization: Bearer t0k", "\(server)/api/v1/namespaces"], timeout: .seconds(20))
        #expect(version.stdout.contains("kube-system"), "\(version.stdout) \(version.stderr)")

        process.terminate()
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}
