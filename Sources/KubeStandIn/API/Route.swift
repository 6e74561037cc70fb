/// A request path taken apart: either a resource (collection, object or subresource) or a plain path.
enum Route: Sendable, Equatable {
    /// `/version`, `/api`, `/apis/policy/v1`, `/cacerts`, ...: answered by discovery and health checks.
    case nonResource(String)
    case resource(ResourceRequest)

    /// Parses an URL path; unknown group/versions and resources become `.nonResource` (404 later).
    static func parse(_ path: String) -> Route {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let group: String
        let version: String
        let rest: ArraySlice<String>
        if segments.first == "api", segments.count >= 2 {
            (group, version, rest) = ("", segments[1], segments.dropFirst(2))
        } else if segments.first == "apis", segments.count >= 3 {
            (group, version, rest) = (segments[1], segments[2], segments.dropFirst(3))
        } else {
            return .nonResource(path)
        }
        let parts = Array(rest)
        guard !parts.isEmpty else { return .nonResource(path) }
        // /namespaces/NS/RESOURCE[/NAME[/SUB]] unless RESOURCE is not namespaced (then: namespace subresource).
        if parts[0] == "namespaces", parts.count >= 3,
            let type = ResourceType.find(group: group, version: version, name: parts[2]), type.namespaced
        {
            return make(type, namespace: parts[1], parts: parts.dropFirst(3), path: path)
        }
        guard let type = ResourceType.find(group: group, version: version, name: parts[0]) else { return .nonResource(path) }
        return make(type, namespace: nil, parts: parts.dropFirst(1), path: path)
    }

    private static func make(_ type: ResourceType, namespace: String?, parts: ArraySlice<String>, path: String) -> Route {
        guard parts.count <= 2 else { return .nonResource(path) }
        let name = parts.first
        let subresource = parts.count == 2 ? parts.last : nil
        if let subresource, !type.subresources.contains(where: { $0.name == subresource }) { return .nonResource(path) }
        return .resource(ResourceRequest(type: type, namespace: namespace, name: name, subresource: subresource))
    }
}

/// The resource a request addresses.
struct ResourceRequest: Sendable, Equatable {
    var type: ResourceType
    /// The namespace from the path; nil for cluster-scoped resources and all-namespace lists.
    var namespace: String?
    var name: String?
    var subresource: String?
}

/// Query parameters (`?labelSelector=a%3Db&watch=1`), last value wins.
struct Query: Sendable {
    var values: [String: String] = [:]

    init(_ query: Substring?) {
        guard let query else { return }
        for pair in query.split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Query.decode(keyValue[0])
            values[key] = keyValue.count > 1 ? Query.decode(keyValue[1]) : ""
        }
    }

    subscript(key: String) -> String? { values[key] }

    func flag(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return value == "1" || value == "true" || value.isEmpty
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

import Foundation
