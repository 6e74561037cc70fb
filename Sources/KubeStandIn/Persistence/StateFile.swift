import Foundation

/// The object store as a JSON document:
/// `{"kind": "KubeStandInState", "version": 1, "objects": [{"resource": "nodes", "object": {…}}, …]}`,
/// objects in resourceVersion order (so a restore recreates them in the order they were written).
enum StateFile {
    static let kind = "KubeStandInState"
    static let version: Int64 = 1

    static func encode(_ objects: [ObjectKey: JSON]) -> Data {
        let entries = objects.sorted { lhs, rhs in
            let (left, right) = (resourceVersion(lhs.value), resourceVersion(rhs.value))
            return left != right ? left < right : lhs.key < rhs.key
        }.map { entry -> JSON in ["resource": .string(entry.key.resource), "object": entry.value] }
        let document: JSON = ["kind": .string(kind), "version": .int(version), "objects": .array(entries)]
        return document.serialized()
    }

    /// The stored objects with their types, in file order.
    static func decode(_ data: Data, path: String) throws -> [(type: ResourceType, object: JSON)] {
        guard let document = JSON.parse(Array(data)), document["kind"]?.string == kind else {
            throw PersistenceError(description: "\(path) is not a kube-standin state file (no \"kind\": \"\(kind)\")")
        }
        guard document["version"]?.int == Int(version) else {
            throw PersistenceError(description: "\(path): unsupported state file version \(document["version"].map { $0.serializedString } ?? "none")")
        }
        var result: [(ResourceType, JSON)] = []
        for (index, entry) in (document["objects"]?.array ?? []).enumerated() {
            guard let resource = entry["resource"]?.string, let object = entry["object"], object.object != nil,
                let type = ResourceType.all.first(where: { ObjectKey($0, namespace: nil, name: "").resource == resource }),
                let name = object[path: ["metadata", "name"]]?.string, !name.isEmpty
            else {
                throw PersistenceError(
                    description: "\(path): objects[\(index)] has no known resource or no metadata.name: \(entry.serializedString.prefix(200))")
            }
            result.append((type, object))
        }
        return result
    }

    static func resourceVersion(_ object: JSON) -> Int {
        object[path: ["metadata", "resourceVersion"]]?.string.flatMap { Int($0) } ?? 0
    }
}
