/// The simplified RBAC of the stand-in (see the contract): masters may do anything, bootstrappers
/// only CSRs, nodes their own kind of things, anonymous only discovery of the cluster.
enum Authorizer {
    /// Paths anyone may GET, even without credentials.
    static let anonymousPaths: Set<String> = ["/version", "/healthz", "/readyz", "/livez", "/cacerts"]

    static func allows(_ user: StandInUser, verb: String, request: ResourceRequest?, path: String) -> Bool {
        if user.groups.contains("system:masters") { return true }
        guard let request else {
            // Non-resource URLs: health and version for everyone; discovery for authenticated users.
            if anonymousPaths.contains(path) { return verb == "get" }
            return verb == "get" && !user.isAnonymous
        }
        if isClusterInfo(request), verb == "get" { return true }
        if user.isAnonymous { return false }
        let resource = request.type.name + (request.subresource.map { "/\($0)" } ?? "")
        if user.groups.contains("system:nodes") {
            switch resource {
            case "nodes", "nodes/status":
                if ["create", "get", "list", "watch", "update", "patch"].contains(verb) { return true }
            case "pods":
                if ["get", "list", "watch"].contains(verb) { return true }
            case "pods/status":
                if ["patch", "update"].contains(verb) { return true }
            case "certificatesigningrequests":
                if ["create", "get", "list", "watch"].contains(verb) { return true }
            default: break
            }
        }
        if user.groups.contains("system:bootstrappers"), resource == "certificatesigningrequests",
            ["create", "get", "list", "watch"].contains(verb)
        {
            return true
        }
        return false
    }

    private static func isClusterInfo(_ request: ResourceRequest) -> Bool {
        request.type == .configMaps && request.namespace == "kube-public" && request.name == "cluster-info" && request.subresource == nil
    }
}
