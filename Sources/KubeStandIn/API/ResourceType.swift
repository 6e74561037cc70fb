/// One kind of object the stand-in serves.
struct ResourceType: Sendable, Hashable {
    var group: String
    var version: String
    var name: String  // plural, e.g. "pods"
    var kind: String
    var namespaced: Bool
    var verbs: [String]
    var shortNames: [String] = []
    /// Subresources with their discovery kind and verbs, e.g. `status`.
    var subresources: [Subresource] = []
    /// Whether `status` is written only through the status subresource.
    var hasStatusSubresource: Bool { subresources.contains { $0.name == "status" } }

    struct Subresource: Sendable, Hashable {
        var name: String
        var kind: String
        var verbs: [String]
        var group: String? = nil
        var version: String? = nil
    }

    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    var groupVersion: String { apiVersion }
    var listKind: String { kind + "List" }

    func subject(_ name: String?) -> ErrorSubject {
        ErrorSubject(group: group, resource: self.name, kind: kind, name: name)
    }
}

extension ResourceType {
    static let allVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
    static let statusSubresource = Subresource(name: "status", kind: "", verbs: ["get", "patch", "update"])

    static let namespaces = ResourceType(
        group: "", version: "v1", name: "namespaces", kind: "Namespace", namespaced: false,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"])
    static let nodes = ResourceType(
        group: "", version: "v1", name: "nodes", kind: "Node", namespaced: false, verbs: allVerbs,
        shortNames: ["no"], subresources: [Subresource(name: "status", kind: "Node", verbs: ["get", "patch", "update"])])
    static let pods = ResourceType(
        group: "", version: "v1", name: "pods", kind: "Pod", namespaced: true, verbs: allVerbs, shortNames: ["po"],
        subresources: [
            Subresource(name: "status", kind: "Pod", verbs: ["get", "patch", "update"]),
            Subresource(name: "eviction", kind: "Eviction", verbs: ["create"], group: "policy", version: "v1"),
        ])
    static let secrets = ResourceType(group: "", version: "v1", name: "secrets", kind: "Secret", namespaced: true, verbs: allVerbs)
    static let configMaps = ResourceType(
        group: "", version: "v1", name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: allVerbs, shortNames: ["cm"])
    static let podDisruptionBudgets = ResourceType(
        group: "policy", version: "v1", name: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true,
        verbs: allVerbs, shortNames: ["pdb"],
        subresources: [Subresource(name: "status", kind: "PodDisruptionBudget", verbs: ["get", "patch", "update"])])
    static let daemonSets = ResourceType(
        group: "apps", version: "v1", name: "daemonsets", kind: "DaemonSet", namespaced: true,
        verbs: ["create", "get", "list", "watch", "delete"], shortNames: ["ds"])
    static let certificateSigningRequests = ResourceType(
        group: "certificates.k8s.io", version: "v1", name: "certificatesigningrequests", kind: "CertificateSigningRequest",
        namespaced: false, verbs: allVerbs, shortNames: ["csr"],
        subresources: [
            Subresource(name: "status", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"]),
            Subresource(name: "approval", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"]),
        ])

    static let all: [ResourceType] = [
        .namespaces, .nodes, .pods, .secrets, .configMaps, .podDisruptionBudgets, .daemonSets, .certificateSigningRequests,
    ]

    /// The group versions served, in discovery order.
    static let groupVersions: [(group: String, version: String)] = [
        ("", "v1"), ("apps", "v1"), ("policy", "v1"), ("certificates.k8s.io", "v1"),
    ]

    static func find(group: String, version: String, name: String) -> ResourceType? {
        all.first { $0.group == group && $0.version == version && $0.name == name }
    }
}
