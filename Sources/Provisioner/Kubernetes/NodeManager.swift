import DomainTemplates
import Foundation
import KubeClient
import Logging

/// Kubernetes nodes made of kinvm guests: add (create + join + wait Ready), list (guests joined
/// with their Node objects), resize (live, or cordon/drain/restart/uncordon) and remove (cordon,
/// drain, delete the Node, delete the guest).
///
/// A node's name is its guest's name. A guest is a kinvm node when its kinvm metadata records how
/// it joined (`join`); only such guests are resized or removed here.
public struct NodeManager: Sendable {
    public let guests: GuestManager
    public let client: KubeClient
    public let access: ClusterAccess
    let logger: Logger
    /// How often an eviction refused by a disruption budget (HTTP 429) is tried again (kubectl: 5 s).
    public var evictionRetryInterval: Duration = .seconds(5)
    /// How often node status is polled while waiting for Ready.
    public var pollInterval: Duration = .seconds(2)

    public init(guests: GuestManager, client: KubeClient, access: ClusterAccess, logger: Logger = Logger(label: "kinvm.provisioner.nodes")) {
        self.guests = guests
        self.client = client
        self.access = access
        self.logger = logger
    }

    /// The same cluster's nodes, with guests on another host (a cluster over several hosts).
    public func on(_ guests: GuestManager) -> NodeManager {
        var copy = NodeManager(guests: guests, client: client, access: access, logger: logger)
        copy.evictionRetryInterval = evictionRetryInterval
        copy.pollInterval = pollInterval
        return copy
    }

    /// Annotations kinvm puts on each Node: the domain behind it.
    public enum Annotation {
        public static let domain = "kinvm.dev/domain"
        public static let domainUUID = "kinvm.dev/domain-uuid"
        public static let host = "kinvm.dev/host"
        /// On a Node kinvm cordoned (for a resize by restart, or a removal): why. Only such a
        /// node is uncordoned by `cluster apply` when an interrupted kinvm left it cordoned.
        public static let cordoned = "kinvm.dev/cordoned"
    }

    /// The label naming the node pool.
    public static let poolLabel = "kinvm.dev/pool"
    /// The role kinvm records (metadata `role`) on control-plane guests.
    public static let controlPlaneRole = "control-plane"

    var drainer: Drainer { Drainer(client: client, retryInterval: evictionRetryInterval, pollInterval: min(pollInterval, .seconds(1))) }

    /// The guest behind node `name`, which must be a kinvm node (kinvm metadata with `join`).
    func kinvmNode(_ name: String, action: String) async throws(ProvisionerError) -> GuestManager.Found {
        let found: GuestManager.Found
        do {
            found = try await guests.find(name, requireOwned: true, action: action)
        } catch where error.code == .notFound {
            throw ProvisionerError(
                .notFound, "'\(name)' is not a kinvm guest on \(guests.connection.uri): no domain of that name; nothing was changed")
        }
        guard found.spec.metadata?.join != nil else {
            throw ProvisionerError(
                .notOwned,
                "guest '\(name)' was created by kinvm but not as a Kubernetes node (no join record); use `kinvm vm` "
                    + "commands for it; nothing was changed")
        }
        return found
    }

    /// The Node, or nil when the API has none of that name.
    func nodeIfPresent(_ name: String) async throws(ProvisionerError) -> Node? {
        do {
            return try await client.node(name)
        } catch where error.code == .notFound {
            return nil
        } catch {
            throw .kube("cannot read node \(name)", error)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
