import DomainTemplates

extension ClusterSpec {
    /// Every node the spec wants, control plane first, each pool in order, ordinals from 1.
    public var desiredNodes: [DesiredNode] {
        groups.flatMap { group in
            (0..<group.count).map { index in
                DesiredNode(
                    name: nodeName(group: group, ordinal: index + 1), group: group.name, ordinal: index + 1,
                    controlPlane: group.isControlPlane,
                    sizes: NodeSizes(vcpus: group.vcpus, maxVCPUs: group.maxVCPUs, memory: group.memory, maxMemory: group.maxMemory),
                    template: group.template, disk: group.disk, labels: group.labels, taints: group.taints)
            }
        }
    }

    /// The one control-plane node.
    public var controlPlaneNode: DesiredNode {
        desiredNodes.first { $0.controlPlane }!
    }

    /// kinvm's record on a node guest of this cluster.
    func metadata(for node: DesiredNode, created: String) -> KinvmMetadata {
        KinvmMetadata(
            cluster: name, role: node.controlPlane ? ClusterObservation.controlPlaneRole : ClusterObservation.workerRole,
            pool: node.group, created: created, ttlSeconds: ttl)
    }
}
