import Dispatch
import Foundation

/// Runs the real `kinvm` binary: `$KINVM_BINARY` when set, else the one built next to the test bundle.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Ended by a signal (`status` is the signal's number then).
        var signalled = false
        /// Killed after the `timeout` given to ``run(_:environment:executable:input:timeout:)``.
        var timedOut = false
    }

    /// The `kinvm` the tests run. scripts/test.sh sets `KINVM_BINARY` to the release build that
    /// scripts/run.sh uses, so the tests check the binary users get; a plain `swift test` runs
    /// the debug `kinvm` next to the tests. A `KINVM_BINARY` that is not an executable file
    /// stops the whole run: every CLI test would fail for the same reason.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["KINVM_BINARY"], !path.isEmpty {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: path)
            else {
                fatalError("KINVM_BINARY=\(path) is not an executable file")
            }
            return URL(fileURLWithPath: path)
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On some platforms the test binary sits inside a bundle directory.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("kinvm").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("kinvm")
    }()

    /// The repository this test file belongs to.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func run(
        _ arguments: [String], environment: [String: String] = [:], executable: URL? = nil, input: String? = nil,
        timeout: TimeInterval? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "KINVM_CONNECT")
        merged.removeValue(forKey: "LIBVIRT_DEFAULT_URI")
        merged.merge(environment) { $1 }
        process.environment = merged
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        let killed = Locked(false)
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                guard process.isRunning else { return }
                killed.withLock { $0 = true }
                kill(pid, SIGKILL)
            }
        }
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        // stderr is read on another thread, so neither pipe can fill up and stall the program.
        let stderr = Locked(Data())
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            stderr.withLock { $0 = data }
            done.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        let timedOut = killed.withLock { $0 }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr.withLock { $0 }, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal && !timedOut, timedOut: timedOut)
    }

    /// ``run(_:environment:)`` on a Dispatch thread: for async tests, whose threads (the Swift
    /// concurrency pool, one per core) must not block for as long as a command runs.
    static func runDetached(
        _ arguments: [String], environment: [String: String] = [:], executable: URL? = nil, input: String? = nil
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Swift.Result { try run(arguments, environment: environment, executable: executable, input: input) })
            }
        }
    }
}

/// A value shared between threads, behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
