/// One HTTP request as the API layer sees it (the NIO layer fills it in).
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: Query
    var contentType: String = "application/json"
    /// The Accept header (`application/json;as=Table;…` asks for a Table).
    var accept: String? = nil
    var authorization: String? = nil
    var body: [UInt8] = []
    /// The subject of the verified TLS client certificate, if one was presented.
    var certificate: CertificateIdentity? = nil

    /// Splits `target` (`/api/v1/pods?watch=1`) into path and query.
    init(method: String, target: String) {
        self.method = method
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        query = Query(parts.count > 1 ? parts[1] : nil)
    }
}

/// What to send back.
enum APIResponse: Sendable {
    case json(Int, JSON)
    case text(Int, String, contentType: String)
    /// A streaming watch: the NIO layer registers it with the store.
    case watch(WatchRequest)

    static func error(_ error: APIError) -> APIResponse { .json(error.code, error.status()) }
}

/// A watch to start: what to watch and from where.
struct WatchRequest: Sendable {
    var type: ResourceType
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector?
    /// Replay events after this resourceVersion; nil: replay the current state as ADDED.
    var since: Int?
    var timeoutSeconds: Int?
}
