import DomainTemplates
import KubeClient

/// Builds the planner's view of a cluster from what libvirt and the API hold (pure).
public enum ClusterObservation {
    /// The role kinvm records on control-plane guests.
    public static let controlPlaneRole = NodeManager.controlPlaneRole
    /// The role kinvm records on the other nodes.
    public static let workerRole = "worker"

    /// The guests of `cluster` (by their kinvm metadata), each with the Node of the same name.
    /// Guests of other clusters, foreign domains and Nodes without a guest are left out.
    public static func nodes(of cluster: String, guests: [GuestInfo], nodes: [Node]) -> [ObservedNode] {
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return guests.filter { $0.owned && $0.cluster == cluster }.map { guest in
            ObservedNode(
                name: guest.name, group: guest.nodePool ?? "", controlPlane: guest.role == controlPlaneRole,
                running: guest.state == "running",
                sizes: NodeSizes(
                    vcpus: guest.vcpus, maxVCPUs: guest.maxVCPUs, memory: ByteSize(bytes: guest.memoryBytes),
                    maxMemory: ByteSize(bytes: guest.maxMemoryBytes)),
                tcg: guest.virtType == DomainSpec.VirtType.qemu.rawValue, template: guest.template,
                node: byName[guest.name].map(object))
        }
    }

    static func object(_ node: Node) -> ObservedNode.NodeObject {
        let taints = (node.spec?.taints ?? []).compactMap { taint in
            NodeTaint.Effect(rawValue: taint.effect).flatMap { try? NodeTaint(key: taint.key, value: taint.value ?? "", effect: $0) }
        }
        return ObservedNode.NodeObject(
            ready: node.isReady, labels: node.metadata.labels ?? [:], taints: taints,
            cordonedByKinvm: node.isUnschedulable && node.metadata.annotations?[NodeManager.Annotation.cordoned] != nil)
    }
}
