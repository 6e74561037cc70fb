import Foundation
import Libvirt

/// The QEMU guest agent of one running domain: typed commands sent as JSON through
/// `Domain.qemuAgentCommand` (`virDomainQemuAgentCommand`). Requests and replies are Codable
/// values; no JSON is built from strings.
///
/// Every failure is a `.guestAgent` ``ProvisionerError`` naming the guest and the command, with
/// the agent's (or libvirt's) message. ``isUnresponsive(_:)`` tells "no agent answered" apart from
/// "the agent answered with an error".
struct GuestAgent: Sendable {
    let domain: Domain

    init(_ domain: Domain) { self.domain = domain }

    /// How long one agent command may take, unless a call says otherwise.
    static let defaultTimeout: Domain.AgentTimeout = .seconds(10)

    // MARK: Commands

    /// `guest-ping`: answers when the agent runs and the channel is connected.
    func ping(timeout: Domain.AgentTimeout = .seconds(3)) async throws(ProvisionerError) {
        let _: Empty = try await send("guest-ping", NoArguments?.none, timeout: timeout)
    }

    /// `guest-exec`: starts a program (output captured) and returns its pid in the guest.
    func startProcess(_ path: String, _ arguments: [String], input: [UInt8]?) async throws(ProvisionerError) -> Int {
        let request = ExecArguments(
            path: path, arg: arguments, inputData: input.map { Data($0).base64EncodedString() }, captureOutput: true)
        let reply: ExecStarted = try await send("guest-exec", request, timeout: Self.defaultTimeout)
        return reply.pid
    }

    /// `guest-exec-status`: nil while the process runs, its result once it exited.
    func processStatus(pid: Int) async throws(ProvisionerError) -> GuestExecResult? {
        let status: ExecStatus = try await send("guest-exec-status", PIDArgument(pid: pid), timeout: Self.defaultTimeout)
        guard status.exited else { return nil }
        return GuestExecResult(
            exitCode: status.exitcode ?? (status.signal == nil ? 0 : 128 + (status.signal ?? 0)),
            signal: status.signal,
            stdout: Self.decodeBase64(status.outData), stderr: Self.decodeBase64(status.errData),
            truncated: (status.outTruncated ?? false) || (status.errTruncated ?? false))
    }

    /// Runs a program and polls `guest-exec-status` every `interval` until it exits.
    /// Throws `.timeout` naming the command when it runs longer than `timeout`.
    func exec(
        _ path: String, _ arguments: [String] = [], input: [UInt8]? = nil, timeout: Duration,
        interval: Duration = .milliseconds(100)
    ) async throws(ProvisionerError) -> GuestExecResult {
        let deadline = WaitDeadline(timeout)
        let pid = try await startProcess(path, arguments, input: input)
        var delay = interval
        while true {
            if let result = try await processStatus(pid: pid) { return result }
            guard !deadline.expired else {
                throw ProvisionerError(
                    .timeout,
                    "command \(Self.commandLine(path, arguments)) in guest '\(domain.name)' did not finish within "
                        + "\(deadline.timeoutText); last seen: still running as pid \(pid) in the guest")
            }
            try await WaitDeadline.sleep(delay)
            delay = min(delay * 2, .seconds(1))
        }
    }

    /// `guest-get-vcpus`: the guest's logical CPUs and whether each is online.
    func vcpus() async throws(ProvisionerError) -> [VCPU] {
        try await send("guest-get-vcpus", NoArguments?.none, timeout: Self.defaultTimeout)
    }

    /// The number of CPUs online in the guest.
    func onlineVCPUCount() async throws(ProvisionerError) -> Int {
        try await vcpus().count(where: \.online)
    }

    /// `guest-set-vcpus`: on/offlines the given logical CPUs; returns how many were changed.
    @discardableResult
    func setVCPUs(_ changes: [VCPU]) async throws(ProvisionerError) -> Int {
        let request = SetVCPUsArguments(vcpus: changes.map { SetVCPUsArguments.Entry(logicalID: $0.logicalID, online: $0.online) })
        return try await send("guest-set-vcpus", request, timeout: Self.defaultTimeout)
    }

    /// Reads a whole (small) file through `guest-file-open`, `guest-file-read` and `guest-file-close`.
    func readFile(_ path: String, limit: Int = 4 << 20) async throws(ProvisionerError) -> [UInt8] {
        let handle: Int = try await send("guest-file-open", FileOpenArguments(path: path, mode: "r"), timeout: Self.defaultTimeout)
        var content: [UInt8] = []
        var failure: ProvisionerError?
        do throws(ProvisionerError) {
            while content.count < limit {
                let chunk: FileRead = try await send(
                    "guest-file-read", FileReadArguments(handle: handle, count: 65_536), timeout: Self.defaultTimeout)
                content += Self.decodeBase64(chunk.bufB64)
                if chunk.eof || chunk.count == 0 { break }
            }
        } catch {
            failure = error
        }
        do throws(ProvisionerError) {
            let _: Empty = try await send("guest-file-close", HandleArgument(handle: handle), timeout: Self.defaultTimeout)
        } catch {
            if failure == nil { failure = error }
        }
        if let failure { throw failure }
        return content
    }

    /// ``readFile(_:limit:)``, or nil when the agent says the file does not exist.
    func readFileIfPresent(_ path: String, limit: Int = 4 << 20) async throws(ProvisionerError) -> [UInt8]? {
        do {
            return try await readFile(path, limit: limit)
        } catch where error.code == .guestAgent && error.message.contains("No such file or directory") {
            return nil
        }
    }

    /// The guest's MemTotal (from `/proc/meminfo`), in bytes.
    func memTotalBytes() async throws(ProvisionerError) -> UInt64 {
        let text = String(decoding: try await readFile("/proc/meminfo"), as: UTF8.self)
        guard let kib = Self.memTotalKiB(in: text) else {
            throw ProvisionerError(.guestAgent, "guest '\(domain.name)': no MemTotal line in /proc/meminfo")
        }
        return kib * 1024
    }

    /// `guest-network-get-interfaces`: every interface and its addresses, loopback included.
    func interfaces() async throws(ProvisionerError) -> [Interface] {
        try await send("guest-network-get-interfaces", NoArguments?.none, timeout: .seconds(5))
    }

    // MARK: Transport

    /// Sends `{"execute": command, "arguments": …}` and decodes the reply's `return`.
    func send<Arguments: Encodable, Reply: Decodable>(
        _ command: String, _ arguments: Arguments?, timeout: Domain.AgentTimeout
    ) async throws(ProvisionerError) -> Reply {
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(Request(execute: command, arguments: arguments)), as: UTF8.self)
        } catch {
            throw ProvisionerError(.guestAgent, "cannot encode the agent command '\(command)': \(error)")
        }
        let text: String
        do {
            text = try await domain.qemuAgentCommand(json, timeout: timeout)
        } catch {
            throw ProvisionerError(
                .guestAgent, "guest agent of '\(domain.name)' failed '\(command)': \(Self.agentMessage(error))",
                underlying: error)
        }
        let reply: Response<Reply>
        do {
            reply = try JSONDecoder().decode(Response<Reply>.self, from: Data(text.utf8))
        } catch {
            throw ProvisionerError(
                .guestAgent, "guest agent of '\(domain.name)' gave an unreadable reply to '\(command)': \(text.prefix(200))")
        }
        if let error = reply.error {
            throw ProvisionerError(
                .guestAgent, "guest agent of '\(domain.name)' failed '\(command)': \(error.desc ?? error.class ?? "unknown error")")
        }
        guard let value = reply.return else {
            throw ProvisionerError(.guestAgent, "guest agent of '\(domain.name)' gave no result for '\(command)': \(text.prefix(200))")
        }
        return value
    }

    /// Whether `error` means nobody answered (no agent, channel not connected, agent timeout),
    /// as opposed to the agent rejecting the command.
    static func isUnresponsive(_ error: ProvisionerError) -> Bool {
        guard error.code == .guestAgent, let underlying = error.underlying else { return false }
        switch underlying.code {
        case .agentUnresponsive, .operationTimeout, .agentUnsynced, .operationInvalid: return true
        default: return false
        }
    }

    /// libvirt's message, without its generic prefix.
    static func agentMessage(_ error: LibvirtError) -> String {
        var message = error.message
        for prefix in ["internal error: ", "Guest agent is not responding: "] where message.hasPrefix(prefix) {
            message.removeFirst(prefix.count)
        }
        return message
    }

    static func decodeBase64(_ text: String?) -> [UInt8] {
        guard let text, let data = Data(base64Encoded: text) else { return [] }
        return [UInt8](data)
    }

    static func memTotalKiB(in meminfo: String) -> UInt64? {
        for line in meminfo.split(whereSeparator: \.isNewline) where line.hasPrefix("MemTotal:") {
            return line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }
        }
        return nil
    }

    /// A command line for messages: arguments with spaces or quotes are quoted.
    static func commandLine(_ path: String, _ arguments: [String]) -> String {
        let words = ([path] + arguments).map { word in
            word.isEmpty || word.contains(where: { " \t\n'\"\\$`".contains($0) })
                ? "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'" : word
        }
        return "'" + words.joined(separator: " ") + "'"
    }
}

// MARK: Wire types

extension GuestAgent {
    /// One logical CPU as `guest-get-vcpus` reports it.
    struct VCPU: Codable, Sendable, Hashable {
        var logicalID: Int
        var online: Bool
        var canOffline: Bool?

        enum CodingKeys: String, CodingKey {
            case logicalID = "logical-id", online, canOffline = "can-offline"
        }
    }

    /// One interface as `guest-network-get-interfaces` reports it.
    struct Interface: Codable, Sendable, Hashable {
        var name: String
        var hardwareAddress: String?
        var ipAddresses: [IPAddress]?

        struct IPAddress: Codable, Sendable, Hashable {
            var type: String
            var address: String
            var prefix: UInt32

            enum CodingKeys: String, CodingKey {
                case type = "ip-address-type", address = "ip-address", prefix
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, hardwareAddress = "hardware-address", ipAddresses = "ip-addresses"
        }
    }

    struct Request<Arguments: Encodable>: Encodable {
        var execute: String
        var arguments: Arguments?
    }

    /// `{"return": …}` or `{"error": {"class": …, "desc": …}}`.
    struct Response<Value: Decodable>: Decodable {
        var `return`: Value?
        var error: AgentError?
    }

    struct AgentError: Decodable {
        var `class`: String?
        var desc: String?
    }

    struct Empty: Codable {}
    struct NoArguments: Encodable {}

    struct ExecArguments: Encodable {
        var path: String
        var arg: [String]
        var inputData: String?
        var captureOutput: Bool

        enum CodingKeys: String, CodingKey {
            case path, arg, inputData = "input-data", captureOutput = "capture-output"
        }
    }

    struct ExecStarted: Decodable { var pid: Int }
    struct PIDArgument: Encodable { var pid: Int }
    struct HandleArgument: Encodable { var handle: Int }

    struct ExecStatus: Decodable {
        var exited: Bool
        var exitcode: Int?
        var signal: Int?
        var outData: String?
        var errData: String?
        var outTruncated: Bool?
        var errTruncated: Bool?

        enum CodingKeys: String, CodingKey {
            case exited, exitcode, signal, outData = "out-data", errData = "err-data"
            case outTruncated = "out-truncated", errTruncated = "err-truncated"
        }
    }

    struct SetVCPUsArguments: Encodable {
        struct Entry: Encodable {
            var logicalID: Int
            var online: Bool
            enum CodingKeys: String, CodingKey { case logicalID = "logical-id", online }
        }
        var vcpus: [Entry]
    }

    struct FileOpenArguments: Encodable {
        var path: String
        var mode: String
    }

    struct FileReadArguments: Encodable {
        var handle: Int
        var count: Int
    }

    struct FileRead: Decodable {
        var count: Int
        var bufB64: String?
        var eof: Bool

        enum CodingKeys: String, CodingKey { case count, bufB64 = "buf-b64", eof }
    }
}
