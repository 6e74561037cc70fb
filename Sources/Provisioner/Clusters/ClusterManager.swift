import Foundation
import KubeClient
import Logging

/// Whole Kubernetes clusters of kinvm guests, described by one ``ClusterSpec``: create, apply
/// (scale, resize), delete, gc, and what exists.
///
/// The state lives in libvirt alone: the cluster network's kinvm metadata holds the spec, each
/// node guest's kinvm metadata names its cluster, role and pool, and the network's DHCP host
/// reservations hold the node addresses. The kubeconfig is read from the control-plane guest
/// through the guest agent whenever it is needed. Any machine that reaches the host sees the
/// same clusters, and every command can be run again after an interruption.
public struct ClusterManager: Sendable {
    public let guests: GuestManager
    /// Where domain and join templates are looked up.
    public var templateSearchPath: [String]
    let logger: Logger

    public init(guests: GuestManager, templateSearchPath: [String], logger: Logger = Logger(label: "kinvm.provisioner.clusters")) {
        self.guests = guests
        self.templateSearchPath = templateSearchPath
        self.logger = logger
    }

    /// kinvm's guests that belong to `cluster`, by their metadata, sorted by name.
    public func members(of cluster: String) async throws(ProvisionerError) -> [GuestInfo] {
        try await guests.list().filter { $0.owned && $0.cluster == cluster }
    }
}
