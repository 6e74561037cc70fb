/// Version, discovery and health documents, enough for kubectl 1.32 (legacy, non-aggregated discovery).
struct Discovery: Sendable {
    var kubernetesVersion: String
    var serverURL: String

    func respond(path: String, method: String, caCertificatePEM: String) throws(APIError) -> APIResponse {
        guard method == "GET" || method == "HEAD" else { throw APIError.methodNotAllowed() }
        switch path {
        case "/version", "/version/": return .json(200, version)
        case "/healthz", "/readyz", "/livez": return .text(200, "ok", contentType: "text/plain; charset=utf-8")
        case "/cacerts": return .text(200, caCertificatePEM, contentType: "text/plain")
        case "/api", "/api/": return .json(200, apiVersions)
        case "/apis", "/apis/": return .json(200, groupList)
        default: break
        }
        let segments = path.split(separator: "/").map(String.init)
        if segments.count == 2, segments[0] == "api", segments[1] == "v1" {
            return .json(200, resourceList(group: "", version: "v1"))
        }
        if segments.count == 3, segments[0] == "apis", ResourceType.groupVersions.contains(where: { $0 == (segments[1], segments[2]) }) {
            return .json(200, resourceList(group: segments[1], version: segments[2]))
        }
        if segments.count == 2, segments[0] == "apis", let entry = ResourceType.groupVersions.first(where: { $0.group == segments[1] }) {
            return .json(200, group(entry.group, entry.version).merging(["kind": "APIGroup", "apiVersion": "v1"]))
        }
        throw APIError.pathNotFound()
    }

    var version: JSON {
        let numbers = kubernetesVersion.dropFirst().split(separator: ".")
        return [
            "major": .string(numbers.first.map(String.init) ?? "1"), "minor": .string(numbers.dropFirst().first.map(String.init) ?? "0"),
            "gitVersion": .string(kubernetesVersion), "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3", "compiler": "gc",
            "platform": "linux/amd64",
        ]
    }

    private var hostPort: String {
        serverURL.replacingOccurrences(of: "https://", with: "")
    }

    var apiVersions: JSON {
        ["kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(hostPort)]]]
    }

    var groupList: JSON {
        let groups = ResourceType.groupVersions.filter { !$0.group.isEmpty }.map { group($0.group, $0.version) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    private func group(_ name: String, _ version: String) -> JSON {
        let groupVersion: JSON = ["groupVersion": .string("\(name)/\(version)"), "version": .string(version)]
        return ["name": .string(name), "versions": [groupVersion], "preferredVersion": groupVersion]
    }

    func resourceList(group: String, version: String) -> JSON {
        var resources: [JSON] = []
        for type in ResourceType.all where type.group == group && type.version == version {
            resources.append([
                "name": .string(type.name), "singularName": .string(type.kind.lowercased()), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": .strings(type.verbs), "shortNames": .strings(type.shortNames),
            ])
            for sub in type.subresources {
                var entry: JSON = [
                    "name": .string("\(type.name)/\(sub.name)"), "singularName": "", "namespaced": .bool(type.namespaced),
                    "kind": .string(sub.kind), "verbs": .strings(sub.verbs),
                ]
                if let subGroup = sub.group { entry["group"] = .string(subGroup) }
                if let subVersion = sub.version { entry["version"] = .string(subVersion) }
                resources.append(entry)
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources)]
    }
}

extension JSON {
    func merging(_ other: JSON) -> JSON {
        guard case .object(var fields) = self, case .object(let extra) = other else { return self }
        fields.merge(extra) { _, new in new }
        return .object(fields)
    }
}
