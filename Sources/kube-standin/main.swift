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
    @Option(help: "Address to bind instead of --host, any IP (e.g. 0.0.0.0 for a control plane in a guest); URLs keep --host.")
    var bind: String?
    @Option(name: .customLong("pki-dir"), help: "Keep the CA, serving and admin key pairs here (created when missing) so a restart keeps them.")
    var pkiDirectory: String?
    @Option(name: .customLong("state-file"), help: "Keep the objects in this JSON file: restored at start, rewritten after changes.")
    var stateFile: String?
    @Option(name: .customLong("k3s-token-file"), help: "File holding the k3s password (or a full K10 token); created with a new one when missing.")
    var k3sTokenFile: String?
    @Option(name: .customLong("k3s-token-out"), help: "Write the k3s node token K10<sha256 of /cacerts>::server:<password> here (mode 0600).")
    var k3sTokenOut: String?
    @Option(name: .customLong("kubeconfig-server"), help: "Server URL written into --kubeconfig-out (default: this server's URL).")
    var kubeconfigServer: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard ["127.0.0.1", "::1", "localhost"].contains(host) else { throw ValidationError("--host must be a loopback address") }
        for token in tokens { _ = try Serve.parseToken(token) }
        if let bind, !Serve.isIPAddress(bind) { throw ValidationError("--bind must be an IPv4 or IPv6 address, got \"\(bind)\"") }
        if k3sToken != nil, k3sTokenFile != nil { throw ValidationError("--k3s-token and --k3s-token-file exclude each other") }
        for (flag, value) in [("--pki-dir", pkiDirectory), ("--state-file", stateFile), ("--k3s-token-file", k3sTokenFile), ("--k3s-token-out", k3sTokenOut)] {
            if value?.isEmpty == true { throw ValidationError("\(flag) must not be empty") }
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    /// The k3s password: --k3s-token, --k3s-token-file, or (for --k3s-token-out alone) one kept
    /// in --pki-dir/k3s-token, or a fresh one.
    func k3sPassword() throws -> String? {
        if let k3sToken { return k3sToken }
        if let k3sTokenFile { return try K3sNodeToken.password(file: k3sTokenFile) }
        guard k3sTokenOut != nil else { return nil }
        if let pkiDirectory { return try K3sNodeToken.password(file: "\(pkiDirectory)/k3s-token") }
        return K3sNodeToken.generatePassword()
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
        configuration.guestServerURL = guestServer
        configuration.bindAddress = bind
        configuration.pkiDirectory = pkiDirectory
        configuration.stateFile = stateFile
        do {
            configuration.k3sToken = try k3sPassword()
        } catch {
            throw ValidationError("cannot read or create the k3s token: \(error)")
        }

        let signals = SignalWaiter()
        let server = try await StandInAPIServer.start(configuration)
        var outputs = [(flag: "--kubeconfig-out", path: kubeconfigOut, text: server.adminKubeconfig(server: kubeconfigServer))]
        if let k3sTokenOut, let password = configuration.k3sToken {
            outputs.append(("--k3s-token-out", k3sTokenOut, K3sNodeToken.make(caCertificatePEM: server.caCertificatePEM, password: password) + "\n"))
        }
        for output in outputs {
            do {
                try Serve.writePrivately(output.text, to: output.path)
            } catch {
                try? await server.shutdown()
                throw ValidationError("cannot write \(output.flag) \(output.path): \(error)")
            }
        }
        print("ready \(server.url)")
        fflush(nil)  // all streams: the caller waits for the ready line
        await signals.wait()
        try await server.shutdown()
    }

    /// Writes `text` to `path` with mode 0600 (created so before any byte is written), creating
    /// missing parent directories.
    static func writePrivately(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
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
