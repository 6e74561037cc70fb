/// A Pod (core/v1), the fields drain and the tests need.
public struct Pod: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public var name: String { metadata.name ?? "" }
    public var namespace: String { metadata.namespace ?? "default" }

    /// The owner marked `controller: true`, e.g. the DaemonSet or ReplicaSet that made the pod.
    public var controller: OwnerReference? { metadata.ownerReferences?.first { $0.controller == true } }

    /// A mirror pod (a static pod's API copy): kubectl drain skips these.
    public var isMirrorPod: Bool { metadata.annotations?["kubernetes.io/config.mirror"] != nil }

    /// The pod has an emptyDir volume, whose data a drain deletes.
    public var hasEmptyDir: Bool { spec?.volumes?.contains { $0.emptyDir != nil } ?? false }
}

public struct PodSpec: Codable, Sendable, Hashable {
    public var nodeName: String?
    public var volumes: [Volume]?
    public var containers: [Container]
    public var terminationGracePeriodSeconds: Int?

    public init(nodeName: String? = nil, containers: [Container], volumes: [Volume]? = nil) {
        self.nodeName = nodeName
        self.containers = containers
        self.volumes = volumes
    }

    private enum CodingKeys: String, CodingKey { case nodeName, volumes, containers, terminationGracePeriodSeconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nodeName = try container.decodeIfPresent(String.self, forKey: .nodeName)
        volumes = try container.decodeIfPresent([Volume].self, forKey: .volumes)
        containers = try container.decodeIfPresent([Container].self, forKey: .containers) ?? []
        terminationGracePeriodSeconds = try container.decodeIfPresent(Int.self, forKey: .terminationGracePeriodSeconds)
    }
}

public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    /// The emptyDir source as sent (`{}` or with medium/sizeLimit); nil for other volume kinds.
    public var emptyDir: JSONValue?

    public init(name: String, emptyDir: JSONValue? = nil) {
        self.name = name
        self.emptyDir = emptyDir
    }
}

public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?

    public init(name: String, image: String? = nil) {
        self.name = name
        self.image = image
    }
}

public struct PodStatus: Codable, Sendable, Hashable {
    /// Pending, Running, Succeeded, Failed or Unknown.
    public var phase: String?
    public var conditions: [PodCondition]?

    public init(phase: String? = nil, conditions: [PodCondition]? = nil) {
        self.phase = phase
        self.conditions = conditions
    }
}

public struct PodCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?

    public init(type: String, status: String) {
        self.type = type
        self.status = status
    }
}
