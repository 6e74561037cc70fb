import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client for the Kubernetes API subset kinvm uses, over HTTPS with the kubeconfig's CA and
/// credentials. Call ``shutdown()`` when done, or use ``withClient(_:timeout:_:)``.
public final class KubeClient: Sendable {
    public let access: ClusterAccess
    /// The limit for one request (connect, send, answer); watches are limited by their own timeout.
    public let timeout: Duration
    let endpoint: Endpoint
    /// Requests with a body read timeout.
    private let http: HTTPClient
    /// Watches: no read timeout (a quiet watch is not an error).
    let streaming: HTTPClient
    let logger: Logger

    /// A client for `access`. Checks the CA, certificate and key now, so a bad kubeconfig fails here,
    /// and refuses a connection that does not verify the server unless `access` allows it.
    public init(access: ClusterAccess, timeout: Duration = .seconds(30), logger: Logger = Logger(label: "kinvm.kube-client"))
        throws(KubeError)
    {
        try access.checkTransport(origin: access.source)
        self.access = access
        self.timeout = timeout
        self.logger = logger
        let endpoint = try Endpoint(access: access)
        self.endpoint = endpoint
        let tls = try TLSSettings.configuration(for: access)
        func configuration(readTimeout: TimeAmount?) -> HTTPClient.Configuration {
            var pool = HTTPClient.Configuration.ConnectionPool()
            // Fail at once on a refused connection or a TLS error instead of retrying until the deadline.
            pool.retryConnectionEstablishment = false
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls,
                redirectConfiguration: .disallow,
                timeout: .init(connect: min(timeout.timeAmount, .seconds(10)), read: readTimeout),
                connectionPool: pool,
                proxy: nil,
                ignoreUncleanSSLShutdown: false,
                decompression: .disabled
            )
            configuration.httpVersion = .http1Only
            configuration.dnsOverride = endpoint.dnsOverride
            return configuration
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(readTimeout: timeout.timeAmount))
        self.streaming = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(readTimeout: nil))
    }

    /// Runs `body` with a client for `access` and always shuts it down, also when `body` throws.
    public static func withClient<T>(
        _ access: ClusterAccess, timeout: Duration = .seconds(30), _ body: (KubeClient) async throws -> T
    ) async throws -> T {
        let client = try KubeClient(access: access, timeout: timeout)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the connections. The client cannot be used afterwards.
    public func shutdown() async throws {
        var failure: (any Error)?
        do { try await http.shutdown() } catch { failure = error }
        do { try await streaming.shutdown() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    /// Any request, for resources the typed API does not cover: `path` like `/apis/policy/v1/namespaces/default/poddisruptionbudgets`.
    /// Returns the response body (``JSONValue/null`` when empty); an error status throws with the Status.
    public func request(
        method: String, path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json"
    ) async throws(KubeError) -> JSONValue {
        let context = describe(method, path, query)
        var data: [UInt8]?
        if let body {
            do { data = Array(try body.jsonData()) } catch {
                throw KubeError(code: .invalid, message: "cannot encode the request body: \(error)", context: context)
            }
        }
        let response = try await perform(method: method, path: path, query: query, body: data, contentType: contentType)
        if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .null }
        return try decode(JSONValue.self, from: response, context: context)
    }

    // MARK: - The request core

    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// `GET /api/v1/nodes?labelSelector=a%3Db on https://host:port`, for messages.
    func describe(_ method: String, _ path: String, _ query: [(String, String)]) -> String {
        "\(method) \(path)\(QueryString.encode(query)) on \(access.server)"
    }

    /// Sends the request; a non-2xx status throws the API's error.
    func perform(method: String, path: String, query: [(String, String)], body: [UInt8]?, contentType: String) async throws(KubeError)
        -> Response
    {
        let context = describe(method, path, query)
        let request = makeRequest(method: method, path: path, query: query, body: body, contentType: contentType)
        let response: Response
        do {
            logger.debug("kube request", metadata: ["method": "\(method)", "path": "\(path)"])
            let answer = try await http.execute(request, timeout: timeout.timeAmount, logger: logger)
            let buffer = try await answer.body.collect(upTo: 256 << 20)
            response = Response(status: Int(answer.status.code), body: Array(buffer.readableBytesView))
        } catch {
            throw TLSSettings.classify(error, context: context, access: access, timeout: timeout)
        }
        guard (200..<300).contains(response.status) else {
            throw KubeError.fromResponse(httpStatus: response.status, body: response.body, context: context)
        }
        return response
    }

    func makeRequest(method: String, path: String, query: [(String, String)], body: [UInt8]?, contentType: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.baseURL + path + QueryString.encode(query))
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "kinvm")
        if let host = endpoint.hostHeader {
            request.headers.add(name: "Host", value: host)
        }
        if let authorization = endpoint.authorization {
            request.headers.add(name: "Authorization", value: authorization.revealed)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    func decode<T: Decodable>(_ type: T.Type, from response: Response, context: String) throws(KubeError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            let start = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw KubeError(
                code: .decoding, message: "cannot read the answer as \(T.self): \(error) (body starts: \(start))", context: context,
                httpStatus: response.status)
        }
    }

    func get<T: Decodable>(_ type: T.Type, path: String, query: [(String, String)] = []) async throws(KubeError) -> T {
        let response = try await perform(method: "GET", path: path, query: query, body: nil, contentType: "application/json")
        return try decode(T.self, from: response, context: describe("GET", path, query))
    }

    func send<Body: Encodable, T: Decodable>(
        _ method: String, path: String, query: [(String, String)] = [], body: Body, contentType: String = "application/json",
        as type: T.Type
    ) async throws(KubeError) -> T {
        let context = describe(method, path, query)
        let data: [UInt8]
        do { data = Array(try JSONEncoder().encode(body)) } catch {
            throw KubeError(code: .invalid, message: "cannot encode the request body: \(error)", context: context)
        }
        let response = try await perform(method: method, path: path, query: query, body: data, contentType: contentType)
        return try decode(T.self, from: response, context: context)
    }
}

/// Where requests go: the base URL, and what the kubeconfig's tls-server-name and credentials change.
struct Endpoint: Sendable {
    /// `https://host:port[/prefix]`; the host is the tls-server-name when one is set.
    var baseURL: String
    /// tls-server-name → the real host, so AsyncHTTPClient connects to the server but checks the other name.
    var dnsOverride: [String: String] = [:]
    /// The real `host:port` when the URL's host was replaced.
    var hostHeader: String?
    /// The header's value: a credential, so ``Redacted``.
    var authorization: Redacted?

    init(access: ClusterAccess) throws(KubeError) {
        guard let url = URL(string: access.server), let scheme = url.scheme, var host = url.host, !host.isEmpty else {
            throw .config("server \"\(ServerURL.redacted(access.server))\" is not a URL", file: access.source)
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        var prefix = url.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let urlHost = host.contains(":") ? "[\(host)]" : host
        if let name = access.tlsServerName, !name.isEmpty, name != host {
            baseURL = "\(scheme)://\(name):\(port)\(prefix)"
            dnsOverride = [name: host]
            hostHeader = "\(urlHost):\(port)"
        } else {
            baseURL = "\(scheme)://\(urlHost):\(port)\(prefix)"
        }
        switch access.credentials {
        case .bearerToken(let token):
            // Checked again here for accesses not made by resolve(context:): a token with a line
            // break would otherwise fail in the HTTP client, whose error quotes the header.
            let field = "the bearer token of user \"\(access.userName)\" in \(access.source)"
            authorization = Redacted("Bearer " + (try BearerToken.check(token, field: field, origin: access.source)).revealed)
        case .basic(let user, let password):
            authorization = Redacted("Basic " + Data("\(user):\(password.revealed)".utf8).base64EncodedString())
        case .none, .clientCertificate:
            authorization = nil
        }
    }
}

/// Query strings with every byte but RFC 3986's unreserved ones percent-encoded (selectors hold `=`, `!`, `,`).
enum QueryString {
    static func encode(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
