import Foundation

/// The outcome of a finished child process.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
}

/// Runs a program with a timeout (SIGTERM, then SIGKILL); output goes through files so a chatty
/// child never blocks on a full pipe.
func runProcess(
    _ executable: String, _ arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(60)
) async throws -> ProcessResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standin-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("out")
    let errURL = directory.appendingPathComponent("err")
    let inURL = directory.appendingPathComponent("in")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8))

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for key in ["KUBECONFIG", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        environment[key] = nil
    }
    process.environment = environment
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    let inHandle = try FileHandle(forReadingFrom: inURL)
    defer {
        try? outHandle.close()
        try? errHandle.close()
        try? inHandle.close()
    }
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = inHandle

    let finished = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in finished.continuation.yield() }
    try process.run()
    let watchdog = Task {
        try await Task.sleep(for: timeout)
        process.terminate()
        try await Task.sleep(for: .seconds(2))
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    for await _ in finished.stream { break }
    let timedOut = process.terminationReason == .uncaughtSignal
    watchdog.cancel()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
        timedOut: timedOut)
}
