import CloudInit
import DomainTemplates
import Foundation

/// `node add`: the guests to create and how they join.
public struct NodeAddRequest: Sendable {
    /// One per node (the node's name is the guest's); `userData` is replaced by the join's cloud-config.
    public var guests: [GuestCreateRequest]
    public var join: JoinRequest
    public var labels: [NodeLabel]
    public var taints: [NodeTaint]
    /// A join template name or path (nil: `kubeadm-join` / `k3s-agent`).
    public var joinTemplate: String?
    /// Where join templates are looked up (`DIR/kubernetes/NAME.yaml`).
    public var templateSearchPath: [String]
    /// How long each node may take from start to Ready.
    public var readyTimeout: Duration
    /// Leave a node that failed for inspection instead of deleting it.
    public var keepFailed: Bool
    /// Guests created at once.
    public var parallelism: Int

    public init(
        guests: [GuestCreateRequest], join: JoinRequest, labels: [NodeLabel] = [], taints: [NodeTaint] = [],
        joinTemplate: String? = nil, templateSearchPath: [String], readyTimeout: Duration = .seconds(600),
        keepFailed: Bool = false, parallelism: Int = 4
    ) {
        self.guests = guests
        self.join = join
        self.labels = labels
        self.taints = taints
        self.joinTemplate = joinTemplate
        self.templateSearchPath = templateSearchPath
        self.readyTimeout = readyTimeout
        self.keepFailed = keepFailed
        self.parallelism = parallelism
    }

    /// How to join, before kinvm has made the join material.
    public enum JoinRequest: Sendable {
        /// kubeadm token discovery. `endpoint` (`host:port`) is what guests reach (nil: the
        /// kubeconfig server's); the token expires after `tokenTTL`.
        case kubeadm(endpoint: String?, tokenTTL: Duration)
        /// A k3s agent. `server` (URL) is what guests reach (nil: the kubeconfig's server).
        case k3s(server: String?, token: Secret, airgap: K3sAirgap?)
    }
}

/// What `node add` did.
public struct NodeAddResult: Sendable, Codable {
    /// Nodes that joined and are Ready.
    public var nodes: [NodeSummary]
    /// Nodes that did not, with why (the message carries the guest's logs).
    public var failures: [Failure]
    public var timings: Timings
    /// The bootstrap token's id (kubeadm), deleted once every node has joined.
    public var bootstrapTokenID: String?

    public struct Failure: Sendable, Codable, Hashable {
        public var name: String
        public var message: String
        /// The guest was left for inspection (`--keep-failed`).
        public var kept: Bool
    }

    /// Where the time went: kinvm's own work, and waiting for guests to boot and join.
    public struct Timings: Sendable, Codable, Hashable {
        /// From start to the last node Ready (or failed).
        public var totalSeconds: Double
        /// Checks, join material, volumes, seeds, define, start, labels: kinvm's own work.
        public var kinvmSeconds: Double
        /// Waiting for the guests to boot, join and report Ready.
        public var waitSeconds: Double
        /// Per node: seconds from its start to Ready.
        public var readySeconds: [String: Double]
    }
}

/// A kinvm node: the guest and its Node object side by side.
public struct NodeSummary: Sendable, Codable, Hashable {
    public var name: String
    /// The guest: libvirt's state, sizes, pool and how it joined.
    public var guest: GuestInfo
    /// The Node's status: `Ready`, `NotReady`, `Unknown` or `Missing` (no Node object).
    public var nodeStatus: String
    /// Cordoned (spec.unschedulable).
    public var cordoned: Bool
    /// What the kubelet reports.
    public var capacity: Capacity?
    public var kubeletVersion: String?
    public var internalIP: String?
    public var roles: [String]

    public struct Capacity: Sendable, Codable, Hashable {
        /// CPU, as the API writes it ("2", "1500m").
        public var cpu: String?
        public var memoryBytes: Int64?
        public var pods: String?
    }
}

/// `node resize`: how it went.
public struct NodeResizeResult: Sendable, Codable {
    public var name: String
    /// `live` (hot-plug/balloon, kubelet restarted) or `restart` (cordon, drain, stop, start, uncordon).
    public var method: String
    public var resize: ResizeOutcome
    public var drain: DrainReport?
    public var capacity: NodeSummary.Capacity?
    public var seconds: Double
}

/// `node remove`: what was removed.
public struct NodeRemoval: Sendable, Codable {
    public var name: String
    public var drain: DrainReport?
    /// The Node object was deleted (false: there was none).
    public var nodeDeleted: Bool
    public var guest: GuestDeletion
    public var seconds: Double
}
