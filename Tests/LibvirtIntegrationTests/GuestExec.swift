import Foundation

@testable import Libvirt

/// Runs a program in the guest through the QEMU guest agent (`guest-exec`, then
/// `guest-exec-status` until it exits) and returns its exit code and output.
struct GuestExecResult {
    var exitCode: Int
    var stdout: String
    var stderr: String
}

struct GuestExecError: Error, CustomStringConvertible {
    var description: String
}

extension Domain {
    func guestExec(_ path: String, _ arguments: [String] = [], timeout: Duration = .seconds(60)) async throws -> GuestExecResult {
        let request: [String: Any] = [
            "execute": "guest-exec",
            "arguments": ["path": path, "arg": arguments, "capture-output": true],
        ]
        let started = try Self.jsonObject(try await qemuAgentCommand(try Self.json(request), timeout: .seconds(10)))
        guard let pid = (started["return"] as? [String: Any])?["pid"] as? Int else {
            throw GuestExecError(description: "guest-exec gave no pid: \(started)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let status = try Self.jsonObject(
                try await qemuAgentCommand(
                    try Self.json(["execute": "guest-exec-status", "arguments": ["pid": pid]]), timeout: .seconds(10)))
            if let result = status["return"] as? [String: Any], result["exited"] as? Bool == true {
                return GuestExecResult(
                    exitCode: result["exitcode"] as? Int ?? -1,
                    stdout: Self.decode(result["out-data"]), stderr: Self.decode(result["err-data"]))
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw GuestExecError(description: "\(path) \(arguments) did not exit within \(timeout)")
    }

    private static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    private static func jsonObject(_ text: String) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    private static func decode(_ value: Any?) -> String {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
