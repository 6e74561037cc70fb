import Foundation
import Logging

/// The API server without the network: authenticates, routes, authorizes and answers a request.
/// Everything here is synchronous and quick (in-memory store, one signature per CSR), so the NIO
/// layer calls it directly on its event loop.
final class APIServerCore: Sendable {
    let store: ObjectStore
    let authority: CertificateAuthority
    let authenticator: Authenticator
    let discovery: Discovery
    let clusterInfo: ClusterInfoPublisher
    let signer: CSRSigner
    let logger: Logger

    init(configuration: StandInConfiguration, authority: CertificateAuthority, serverURL: String, guestURL: String, logger: Logger) throws {
        let store = ObjectStore(historyLimit: configuration.watchHistoryLimit)
        self.store = store
        self.authority = authority
        self.logger = logger
        authenticator = Authenticator(
            bearerTokens: configuration.bearerTokens, k3sToken: configuration.k3sToken,
            bootstrapSecret: { name in store.get(ObjectKey(.secrets, namespace: BootstrapToken.secretNamespace, name: name)) })
        discovery = Discovery(kubernetesVersion: configuration.kubernetesVersion, serverURL: serverURL)
        clusterInfo = ClusterInfoPublisher(store: store, caCertificatePEM: authority.certificatePEM, serverURL: guestURL)
        signer = CSRSigner(store: store, authority: authority)
        try seed()
    }

    /// The objects a fresh kubeadm cluster has: the three namespaces and `kube-public/cluster-info`.
    private func seed() throws {
        let system = StandInUser(name: "system:apiserver", groups: ["system:masters"])
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try create(ResourceRequest(type: .namespaces), body: ["metadata": ["name": .string(name)]], user: system)
        }
        try clusterInfo.publish()
    }

    func handle(_ request: APIRequest) -> APIResponse {
        let user: StandInUser
        switch authenticator.authenticate(certificate: request.certificate, authorization: request.authorization) {
        case .unauthorized: return .error(.unauthorized)
        case .user(let authenticated): user = authenticated
        }
        let route = Route.parse(request.path)
        let verb = APIServerCore.verb(request, route: route)
        let resource: ResourceRequest? = if case .resource(let resource) = route { resource } else { nil }
        guard Authorizer.allows(user, verb: verb, request: resource, path: request.path) else {
            let subject = resource.map { $0.type.subject($0.name) }
            return .error(.forbidden(user: user, verb: verb, subject: subject, namespace: resource?.namespace, path: request.path))
        }
        do throws(APIError) {
            switch route {
            case .nonResource(let path):
                return try discovery.respond(path: path, method: request.method, caCertificatePEM: authority.certificatePEM)
            case .resource(let resource):
                return try dispatch(request, resource: resource, verb: verb, user: user)
            }
        } catch {
            return .error(error)
        }
    }

    /// The RBAC verb of a request.
    static func verb(_ request: APIRequest, route: Route) -> String {
        switch request.method {
        case "GET", "HEAD":
            guard case .resource(let resource) = route, resource.name == nil else { return "get" }
            return request.query.flag("watch") ? "watch" : "list"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return "delete"
        default: return request.method.lowercased()
        }
    }

    private func dispatch(_ request: APIRequest, resource: ResourceRequest, verb: String, user: StandInUser) throws(APIError) -> APIResponse {
        switch (verb, resource.subresource) {
        case ("list", nil) where resource.type == .nodes && NodeTable.wanted(accept: request.accept):
            let (labels, fields) = try selectors(request.query)
            let (items, version) = store.list(.nodes, namespace: nil, labels: labels, fields: fields)
            return .json(200, NodeTable.table(items, resourceVersion: version))
        case ("get", nil) where resource.type == .nodes && NodeTable.wanted(accept: request.accept):
            return .json(200, NodeTable.table([try get(resource)], resourceVersion: store.list(.nodes, namespace: nil, labels: .everything, fields: nil).1))
        case ("list", _): return try list(resource, query: request.query)
        case ("watch", _): return .watch(try watchRequest(resource, query: request.query))
        case ("get", _): return .json(200, try get(resource))
        case ("create", "eviction"): return try evict(resource, body: try body(request))
        case ("create", nil): return .json(201, try create(resource, body: try body(request), user: user))
        case ("update", _): return .json(200, try update(resource, body: try body(request), user: user))
        case ("patch", _):
            guard let kind = PatchKind(contentType: request.contentType) else { throw APIError.unsupportedMediaType(request.contentType) }
            return .json(200, try patch(resource, patch: try body(request), kind: kind, user: user))
        case ("delete", nil): return .json(200, try delete(resource, options: JSON.parse(request.body)))
        default: throw APIError.methodNotAllowed()
        }
    }

    private func body(_ request: APIRequest) throws(APIError) -> JSON {
        guard let json = JSON.parse(request.body), case .object = json else {
            throw APIError.badRequest("the body of the request could not be decoded as a JSON object")
        }
        return json
    }
}
