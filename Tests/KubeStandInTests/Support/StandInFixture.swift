import Foundation
import Testing
@testable import KubeStandIn

/// A running stand-in server plus the files the command-line clients need.
struct StandInFixture: Sendable {
    let server: StandInAPIServer
    let directory: URL

    var kubeconfigPath: String { directory.appendingPathComponent("admin.conf").path }
    var caPath: String { directory.appendingPathComponent("ca.pem").path }
    var adminCertPath: String { directory.appendingPathComponent("admin.pem").path }
    var adminKeyPath: String { directory.appendingPathComponent("admin-key.pem").path }

    /// Starts a server, runs `body`, always shuts the server down and removes the files.
    static func with<T: Sendable>(
        _ configuration: StandInConfiguration = StandInConfiguration(), _ body: (StandInFixture) async throws -> T
    ) async throws -> T {
        let server = try await StandInAPIServer.start(configuration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standin-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let fixture = StandInFixture(server: server, directory: directory)
            try server.adminKubeconfig().write(toFile: fixture.kubeconfigPath, atomically: true, encoding: .utf8)
            try server.caCertificatePEM.write(toFile: fixture.caPath, atomically: true, encoding: .utf8)
            let admin = try server.issueClientCertificate(user: "kubernetes-admin", groups: ["system:masters"])
            try admin.certificatePEM.write(toFile: fixture.adminCertPath, atomically: true, encoding: .utf8)
            try admin.keyPEM.write(toFile: fixture.adminKeyPath, atomically: true, encoding: .utf8)
            let result = try await body(fixture)
            try await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            try? await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func kubectl(_ arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(90)) async throws -> ProcessResult {
        try await runProcess(
            "/usr/bin/kubectl",
            ["--kubeconfig", kubeconfigPath, "--cache-dir", directory.appendingPathComponent("kube-cache").path, "--request-timeout", "20s"]
                + arguments, stdin: stdin, timeout: timeout)
    }

    enum Credentials: Sendable {
        case admin
        case anonymous
        case bearer(String)
        case basic(user: String, password: String)
        case certificate(certPath: String, keyPath: String)
    }

    /// An HTTP exchange through curl (an independent client); the body is parsed as JSON when it is JSON.
    struct CurlResponse: Sendable {
        var code: Int
        var text: String
        var json: JSON? { JSON.parse(Array(text.utf8)) }
    }

    func curl(
        _ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
        as credentials: Credentials = .admin, timeout: Duration = .seconds(30)
    ) async throws -> CurlResponse {
        let bodyPath = directory.appendingPathComponent("curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: bodyPath) }
        var arguments = ["-sS", "--noproxy", "*", "--max-time", "25", "--cacert", caPath, "-X", method, "-o", bodyPath, "-w", "%{http_code}"]
        switch credentials {
        case .admin: arguments += ["--cert", adminCertPath, "--key", adminKeyPath]
        case .anonymous: break
        case .bearer(let token): arguments += ["-H", "Authorization: Bearer \(token)"]
        case .basic(let user, let password): arguments += ["-u", "\(user):\(password)"]
        case .certificate(let cert, let key): arguments += ["--cert", cert, "--key", key]
        }
        if body != nil { arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"] }
        arguments.append(server.url + path)
        let result = try await runProcess("/usr/bin/curl", arguments, stdin: body, timeout: timeout)
        try #require(result.status == 0, "curl \(method) \(path) failed: \(result.stderr)")
        return CurlResponse(code: Int(result.stdout) ?? -1, text: (try? String(contentsOfFile: bodyPath, encoding: .utf8)) ?? "")
    }

    /// The stored object as a test reads it (through the public test accessor).
    func object(_ path: String) -> JSON? {
        server.object(path).flatMap { JSON.parse(Array($0)) }
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A bootstrap token Secret as `kubeadm token create` writes it.
func bootstrapTokenSecret(id: String, secret: String, expiration: Date, extraGroups: String = "system:bootstrappers:kubeadm:default-node-token") -> String {
    """
    {"apiVersion":"v1","kind":"Secret","type":"bootstrap.kubernetes.io/token",
     "metadata":{"name":"bootstrap-token-\(id)","namespace":"kube-system"},
     "stringData":{"token-id":"\(id)","token-secret":"\(secret)","expiration":"\(expiration.formatted(Date.ISO8601FormatStyle()))",
       "usage-bootstrap-authentication":"true","usage-bootstrap-signing":"true","auth-extra-groups":"\(extraGroups)"}}
    """
}
