import Foundation
import Testing

@testable import KubeClient

/// A temporary directory removed at the end of `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "kubeclient-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

/// Runs `/bin/sh -c command` and returns its standard output; a non-zero exit fails the test.
func shell(_ command: String, in directory: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(command): \(String(decoding: errorData, as: UTF8.self))")
    return String(decoding: data, as: UTF8.self)
}

/// The KubeError `body` throws; fails the test when it throws nothing or something else.
func expectKubeError(
    _ code: KubeError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> KubeError? {
    do {
        try await body()
        Issue.record("expected a \(code) error, got none", sourceLocation: sourceLocation)
    } catch let error as KubeError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a KubeError \(code), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
