import DomainTemplates
import Yams

extension NodeGroup {
    /// Smallest memory a node may have.
    public static let minimumMemory = ByteSize.mebibytes(64)
    /// Most nodes a pool may have (a lab cluster; every sum over nodes stays far from overflowing).
    public static let maximumCount = 500
    /// Most vCPUs a node may have (QEMU's own ceiling for a q35 guest is higher; no lab node needs more).
    public static let maximumVCPUs = 1024
    /// Most memory a node may have.
    public static let maximumMemory = ByteSize.gibibytes(16 * 1024)

    static let sizeFields = ["count", "vcpus", "maxVCPUs", "memory", "maxMemory", "disk", "template", "labels", "taints"]
}

extension SpecParser {
    mutating func controlPlane(_ node: Node) -> NodeGroup? {
        let path = "spec.controlPlane"
        guard let fields = reader.mapping(node, at: path, known: NodeGroup.sizeFields) else { return nil }
        if let countNode = reader.field(fields, "count"), let count = reader.int(countNode, at: "\(path).count"), count != 1 {
            reader.report(countNode, "\(path).count", "\(count): only one control-plane node is supported for now")
        }
        return self.group(fields, name: NodeGroup.controlPlaneName, count: 1)
    }

    mutating func pools(_ node: Node, cluster: String?) -> [NodeGroup]? {
        guard let items = reader.list(node, at: "spec.pools") else { return nil }
        var pools: [NodeGroup] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "spec.pools[\(index)]"
            guard let fields = reader.mapping(item, at: path, known: ["name"] + NodeGroup.sizeFields) else { continue }
            var name: String?
            if let nameNode = reader.field(fields, "name", required: true), let text = reader.string(nameNode, at: "\(path).name") {
                name = poolName(text, node: nameNode, at: "\(path).name", index: index, seen: &seen, cluster: cluster)
            }
            var count: Int?
            if let countNode = reader.field(fields, "count", required: true), let value = reader.int(countNode, at: "\(path).count") {
                if value < 0 {
                    reader.report(countNode, "\(path).count", "\(value) is negative; a pool has 0 or more nodes")
                } else if value > NodeGroup.maximumCount {
                    reader.report(countNode, "\(path).count", "\(value) is above the limit of \(NodeGroup.maximumCount) nodes in a pool")
                } else {
                    count = value
                }
            }
            guard let group = self.group(fields, name: name ?? "", count: count ?? 0), name != nil, count != nil else { continue }
            pools.append(group)
            if let cluster, let countNode = fields["count"],
                let problem = ClusterSpec.nodeName(cluster: cluster, groupInfix: group.name, ordinal: max(group.count, 1))
                    .nodeNameLengthProblem
            {
                reader.report(countNode, "\(path).count", problem)
            }
        }
        return pools
    }

    /// The pool name if it is usable: a DNS label, not the control plane's, not a duplicate, and
    /// short enough that `CLUSTER-POOL-1` is a DNS label.
    private mutating func poolName(
        _ name: String, node: Node, at path: String, index: Int, seen: inout [String: Int], cluster: String?
    ) -> String? {
        if let problem = SpecNames.dnsLabelProblem(name) {
            reader.report(node, path, "\(ClusterSpecError.quote(name)) is not a DNS label: it \(problem)")
            return nil
        }
        if name == NodeGroup.controlPlaneName || name == NodeGroup.controlPlaneNodeInfix {
            reader.report(node, path, "\(ClusterSpecError.quote(name)) is reserved for the control plane; name the pool otherwise")
            return nil
        }
        if let first = seen[name] {
            reader.report(node, path, "duplicate pool name \(ClusterSpecError.quote(name)) (also spec.pools[\(first)].name)")
            return nil
        }
        seen[name] = index
        if let cluster, let problem = ClusterSpec.nodeName(cluster: cluster, groupInfix: name, ordinal: 1).nodeNameLengthProblem {
            reader.report(node, path, problem)
            return nil
        }
        return name
    }

    /// The sizes, template, labels and taints of a group; nil when any is wrong.
    private mutating func group(_ fields: SpecReader.Fields, name: String, count: Int) -> NodeGroup? {
        let path = fields.path
        let vcpusNode = reader.field(fields, "vcpus", required: true)
        let vcpus = vcpusNode.flatMap { reader.int($0, at: "\(path).vcpus") }
        let maxVCPUs = reader.field(fields, "maxVCPUs").flatMap { reader.int($0, at: "\(path).maxVCPUs") }
        let memoryNode = reader.field(fields, "memory", required: true)
        let memory = memoryNode.flatMap { reader.size($0, at: "\(path).memory") }
        let maxMemory = reader.field(fields, "maxMemory").flatMap { reader.size($0, at: "\(path).maxMemory") }
        let diskNode = reader.field(fields, "disk")
        let disk = diskNode.flatMap { reader.size($0, at: "\(path).disk") }
        let template = reader.field(fields, "template").flatMap { reader.string($0, at: "\(path).template") }
        let labels = reader.field(fields, "labels").flatMap { self.labels($0, at: "\(path).labels") }
        let taints = reader.field(fields, "taints").flatMap { self.taints($0, at: "\(path).taints") }
        // Each size is checked on its own, so one bad value does not hide another.
        var valid = true
        for (node, value, field) in [(vcpusNode, vcpus, "vcpus"), (reader.field(fields, "maxVCPUs"), maxVCPUs, "maxVCPUs")] {
            if let node, let value, value > NodeGroup.maximumVCPUs {
                reader.report(node, "\(path).\(field)", "\(value) is above the limit of \(NodeGroup.maximumVCPUs) vCPUs")
                valid = false
            }
        }
        for (node, value, field) in [(memoryNode, memory, "memory"), (reader.field(fields, "maxMemory"), maxMemory, "maxMemory")] {
            if let node, let value, value > NodeGroup.maximumMemory {
                reader.report(node, "\(path).\(field)", "\(value) is above the limit of \(NodeGroup.maximumMemory)")
                valid = false
            }
        }
        if let vcpusNode, let vcpus {
            if vcpus < 1 {
                reader.report(vcpusNode, "\(path).vcpus", "\(vcpus) is less than 1")
                valid = false
            } else if let maxVCPUs, vcpus > maxVCPUs {
                reader.report(vcpusNode, "\(path).vcpus", "\(vcpus) is above maxVCPUs (\(maxVCPUs))")
                valid = false
            }
        }
        if let memoryNode, let memory {
            if memory < NodeGroup.minimumMemory {
                reader.report(memoryNode, "\(path).memory", "\(memory) is below the minimum of \(NodeGroup.minimumMemory)")
                valid = false
            } else if let maxMemory, memory > maxMemory {
                reader.report(memoryNode, "\(path).memory", "\(memory) is above maxMemory (\(maxMemory))")
                valid = false
            }
        }
        guard let vcpus, let memory else { return nil }
        if let diskNode, let disk, disk.bytes == 0 {
            reader.report(diskNode, "\(path).disk", "a disk of 0 bytes; leave the field out to keep the image's size")
            valid = false
        }
        guard valid else { return nil }
        return NodeGroup(
            name: name, count: count, vcpus: vcpus, maxVCPUs: maxVCPUs, memory: memory, maxMemory: maxMemory, disk: disk,
            template: template ?? NodeGroup.defaultTemplate, labels: labels ?? [], taints: taints ?? [])
    }

    /// `labels: {key: value}`; a null value is the empty value.
    private mutating func labels(_ node: Node, at path: String) -> [NodeLabel]? {
        guard case .mapping(let mapping) = node else {
            reader.report(node, path, "expected a mapping of label keys to values, found \(SpecReader.describe(node))")
            return nil
        }
        var labels: [NodeLabel] = []
        for (keyNode, valueNode) in mapping {
            guard let key = reader.string(keyNode, at: path) else { continue }
            let labelPath = Self.keyPath(path, key)
            let value = SpecReader.isNull(valueNode) ? "" : reader.string(valueNode, at: labelPath, allowEmpty: true)
            guard let value else { continue }
            do {
                labels.append(try NodeLabel(key: key, value: value))
            } catch {
                reader.report(keyNode, labelPath, error.message)
            }
        }
        return labels
    }

    /// `taints: ["key=value:Effect", …]`.
    private mutating func taints(_ node: Node, at path: String) -> [NodeTaint]? {
        guard let items = reader.strings(node, at: path) else { return nil }
        var taints: [NodeTaint] = []
        for (index, item) in items.enumerated() {
            do {
                let taint = try NodeTaint(parsing: item.text)
                if taints.contains(where: { $0.key == taint.key && $0.effect == taint.effect }) {
                    reader.report(item.node, "\(path)[\(index)]", "duplicate taint \(taint.key) with effect \(taint.effect.rawValue)")
                } else {
                    taints.append(taint)
                }
            } catch {
                reader.report(item.node, "\(path)[\(index)]", error.message)
            }
        }
        return taints
    }

    /// `labels.tier`, or `labels["node.kubernetes.io/x"]` for keys that are not plain words.
    static func keyPath(_ path: String, _ key: String) -> String {
        let plain = key.first.map { $0.isASCII && $0.isLetter } == true
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        return plain ? "\(path).\(key)" : "\(path)[\(ClusterSpecError.quote(key))]"
    }
}

extension String {
    /// Why this node name would not be a DNS label because of its length, or nil.
    var nodeNameLengthProblem: String? {
        guard utf8.count > SpecNames.dnsLabelMaxLength else { return nil }
        return "node names like \(ClusterSpecError.quote(self)) would be \(utf8.count) characters; "
            + "node names are DNS labels of at most \(SpecNames.dnsLabelMaxLength) (shorten the cluster or pool name)"
    }
}
