import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// A stand-in Kubernetes API server for tests and demos: HTTPS on loopback with a fresh cluster CA,
/// the authentication and authorization a kubeadm cluster has, an in-memory object store, watches,
/// eviction with PodDisruptionBudgets, CSR signing and the bootstrap `cluster-info`.
public final class StandInAPIServer: Sendable {
    /// The bound port.
    public let port: Int
    /// `https://127.0.0.1:PORT` (the configured host).
    public let url: String
    private let core: APIServerCore
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let admin: (certificatePEM: String, keyPEM: String)
    private let persister: StatePersister?

    /// The cluster CA certificate, PEM.
    public var caCertificatePEM: String { core.authority.certificatePEM }

    private init(
        port: Int, url: String, core: APIServerCore, channel: any Channel, group: MultiThreadedEventLoopGroup, admin: (String, String),
        persister: StatePersister?
    ) {
        self.port = port
        self.url = url
        self.core = core
        self.channel = channel
        self.group = group
        self.admin = admin
        self.persister = persister
    }

    /// Generates the certificates, binds and starts serving.
    public static func start(_ configuration: StandInConfiguration) async throws -> StandInAPIServer {
        let logger = Logger(label: "kinvm.kube-standin")
        let credentials = try ServerCredentials.make(configuration)
        let (authority, serving, admin) = (credentials.authority, credentials.serving, credentials.admin)
        let sslContext = try makeTLSContext(authority: authority, serving: serving)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        // The core needs the URL (for discovery and cluster-info), known only after binding: bind
        // first with a deferred core.
        let coreBox = CoreBox()
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let core = coreBox.core else { throw ChannelError.ioOnClosedChannel }
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(NIOSSLServerHandler(context: sslContext))
                        // Without pipelining assistance the channel keeps reading while a response
                        // (a watch) is open, so a client's close_notify is seen at once instead
                        // of after NIOSSL's 5 s shutdown timeout. Clients here never pipeline.
                        try operations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                        try operations.addHandler(APIChannelHandler(core: core))
                    }
                }
                .bind(host: configuration.bindAddress ?? configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let port = channel.localAddress?.port ?? configuration.port
        let url = "https://\(configuration.host):\(port)"
        do {
            let core = try APIServerCore(
                configuration: configuration, authority: authority, serverURL: url,
                guestURL: configuration.guestServerURL ?? "https://10.0.2.2:\(port)", logger: logger)
            // Restored before the first request is served.
            let persister = try configuration.stateFile.map { try StatePersister.start(core: core, path: $0, logger: logger) }
            coreBox.core = core
            logger.info("stand-in API server listening", metadata: ["url": "\(url)"])
            return StandInAPIServer(
                port: port, url: url, core: core, channel: channel, group: group, admin: admin, persister: persister)
        } catch {
            try? await channel.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// TLS 1.2+, the serving certificate, client certificates optional but verified against the CA when presented.
    private static func makeTLSContext(authority: CertificateAuthority, serving: (certificatePEM: String, keyPEM: String)) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(serving.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serving.keyPEM.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authority.certificatePEM.utf8)))
        tls.sendCANameList = true
        tls.applicationProtocols = ["http/1.1"]
        return try NIOSSLContext(configuration: tls)
    }

    /// A kubeconfig for `kubernetes-admin` (O=system:masters), context "standin".
    public func adminKubeconfig(server: String? = nil) -> String {
        KubeconfigWriter.admin(server: server ?? url, caCertificatePEM: caCertificatePEM, certificatePEM: admin.certificatePEM, keyPEM: admin.keyPEM)
    }

    /// A client certificate and key (PEM) signed by the cluster CA: user = CN, groups = O.
    public func issueClientCertificate(user: String, groups: [String]) throws -> (certificatePEM: String, keyPEM: String) {
        try core.authority.issueKeyPair(commonName: user, organizations: groups, usage: .client)
    }

    /// What `GET path` would return to an admin (e.g. `/api/v1/nodes/w1`), nil if not 200.
    public func object(_ path: String) -> Data? {
        var request = APIRequest(method: "GET", target: path)
        request.certificate = CertificateIdentity(commonName: "kubernetes-admin", organizations: ["system:masters"])
        guard case .json(200, let json) = core.handle(request) else { return nil }
        return json.serialized()
    }

    /// Stops listening and closes every connection (open watches end); with a state file, writes
    /// what is pending.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
        try persister?.stop()
    }
}

/// The core, set once right after binding, read by child channel initializers.
private final class CoreBox: Sendable {
    private let storage = Mutex<APIServerCore?>(nil)
    var core: APIServerCore? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

extension CertificateIdentity {
    init(commonName: String, organizations: [String]) {
        self.commonName = commonName
        self.organizations = organizations
    }
}
