import ArgumentParser
import Dispatch
import Foundation
import KubeStandIn

/// `kube-standin`: the stand-in Kubernetes API server as a program.
@main
struct KubeStandInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-standin",
        abstract: "A stand-in Kubernetes API server on loopback (for kubectl checks, guests and demos).",
        subcommands: [Serve.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve until SIGTERM/SIGINT; print `ready URL` once the admin kubeconfig is written.")

    @Option(help: "Port to listen on (0: ephemeral).") var port: Int = 0
    @Option(help: "Address to listen on (loopback only).") var host: String = "127.0.0.1"
    @Option(name: .customLong("san"), help: "IP address or DNS name for the serving certificate (repeatable).")
    var subjectAlternativeNames: [String] = []
    @Option(name: .customLong("token"), help: "Static bearer token TOKEN=user:group1,group2 (repeatable).")
    var tokens: [String] = []
    @Option(name: .customLong("k3s-token"), help: "Password part of the k3s node token (enables Basic node:PASSWORD).")
    var k3sToken: String?
    @Option(name: .customLong("kubeconfig-out"), help: "Where to write the admin kubeconfig (mode 0600).")
    var kubeconfigOut: String
    @Option(name: .customLong("guest-server"), help: "Server URL written into cluster-info (default https://10.0.2.2:PORT).")
    var guestServer: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard ["127.0.0.1", "::1", "localhost"].contains(host) else { throw ValidationError("--host must be a loopback address") }
        for token in tokens { _ = try Serve.parseToken(token) }
    }

    /// `TOKEN=user:group1,group2`.
    static func parseToken(_ text: String) throws -> (String, StandInUser) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--token must be TOKEN=user:group1,group2, got \"\(text)\"") }
        let userParts = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
        guard let user = userParts.first, !user.isEmpty else { throw ValidationError("--token \"\(text)\" names no user") }
        let groups = userParts.count > 1 ? userParts[1].split(separator: ",").map(String.init) : []
        return (parts[0], StandInUser(name: user, groups: groups))
    }

    func run() async throws {
        var configuration = StandInConfiguration()
        configuration.host = host
        configuration.port = port
        if !subjectAlternativeNames.isEmpty { configuration.subjectAlternativeNames = subjectAlternativeNames }
        configuration.bearerTokens = Dictionary(try tokens.map(Serve.parseToken), uniquingKeysWith: { _, last in last })
        configuration.k3sToken = k3sToken
        configuration.guestServerURL = guestServer

        let signals = SignalWaiter()
        let server = try await StandInAPIServer.start(configuration)
        do {
            try Serve.writePrivately(server.adminKubeconfig(), to: kubeconfigOut)
        } catch {
            try? await server.shutdown()
            throw ValidationError("cannot write --kubeconfig-out \(kubeconfigOut): \(error)")
        }
        print("ready \(server.url)")
        fflush(nil)  // all streams: the caller waits for the ready line
        await signals.wait()
        try await server.shutdown()
    }

    /// Writes `text` to `path` with mode 0600 (created so before any byte is written).
    static func writePrivately(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            written += result
        }
    }
}

/// Resumes once SIGTERM or SIGINT arrives.
final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Void>

    init() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}
