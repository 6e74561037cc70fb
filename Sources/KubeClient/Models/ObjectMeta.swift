/// `metadata` of every object. Fields the API may omit are optional; unknown fields are ignored.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    /// RFC 3339, as the server wrote it.
    public var creationTimestamp: String?
    /// RFC 3339; set while the object is being deleted.
    public var deletionTimestamp: String?
    public var ownerReferences: [OwnerReference]?

    public init(
        name: String? = nil, generateName: String? = nil, namespace: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil
    ) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var uid: String?
    public var controller: Bool?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, uid: String? = nil, controller: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
    }
}

/// `metadata` of a list: the resourceVersion to start a watch from.
public struct ListMeta: Codable, Sendable, Hashable {
    public var resourceVersion: String?
    public var `continue`: String?

    public init(resourceVersion: String? = nil) { self.resourceVersion = resourceVersion }
}

/// A list response (`NodeList`, `PodList`, …).
public struct KubeList<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta?
    public var items: [Item]

    public init(metadata: ListMeta? = nil, items: [Item]) {
        self.metadata = metadata
        self.items = items
    }

    private enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, items }

    /// `items: null` (an empty list, as the API server may write it) decodes as `[]`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        metadata = try container.decodeIfPresent(ListMeta.self, forKey: .metadata)
        items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
    }
}

public typealias NodeList = KubeList<Node>
public typealias PodList = KubeList<Pod>
