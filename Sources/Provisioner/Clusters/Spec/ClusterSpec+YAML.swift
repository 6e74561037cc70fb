import DomainTemplates
import Yams

extension ClusterSpec {
    /// The canonical spec text: every default spelled out, key files folded into `sshKeys`, paths
    /// absolute, so `parse(spec.yaml()) == spec` on any machine. Built as a YAML node tree and
    /// emitted by Yams; strings are quoted wherever plain text could read as something else.
    public func yaml() -> String {
        var specPairs: [(String, Node)] = []
        if let connection { specPairs.append(("connection", SpecYAML.text(connection))) }
        if !hosts.isEmpty { specPairs.append(("hosts", SpecYAML.list(hosts.map(SpecYAML.host)))) }
        specPairs += [
            ("placement", SpecYAML.text(placement.rawValue)),
            ("virtType", SpecYAML.text(virtType.rawValue)),
            ("kubernetes", kubernetesNode),
            ("image", SpecYAML.text(image.description)),
        ]
        if let imageSource {
            var pairs = [("file", SpecYAML.text(imageSource.file))]
            if let sha256 = imageSource.sha256 { pairs.append(("sha256", SpecYAML.text(sha256))) }
            specPairs.append(("imageSource", SpecYAML.mapping(pairs)))
        }
        specPairs += [
            ("storagePool", SpecYAML.text(storagePool)),
        ]
        if let boot {
            var pairs = [("kernel", SpecYAML.text(boot.kernel))]
            if let initrd = boot.initrd { pairs.append(("initrd", SpecYAML.text(initrd))) }
            if let cmdline = boot.cmdline { pairs.append(("cmdline", SpecYAML.text(cmdline))) }
            specPairs.append(("boot", SpecYAML.mapping(pairs)))
        }
        specPairs += [
            ("network", networkNode),
            ("controlPlane", SpecYAML.group(controlPlane, named: false)),
            ("pools", SpecYAML.list(pools.map { SpecYAML.group($0, named: true) })),
            ("sshKeys", SpecYAML.list(sshKeys.map(SpecYAML.text))),
        ]
        if let ttl { specPairs.append(("ttl", SpecYAML.text(SpecDuration.format(ttl)))) }
        let document = SpecYAML.mapping([
            ("apiVersion", SpecYAML.text(Self.apiVersion)),
            ("kind", SpecYAML.text(Self.kind)),
            ("metadata", SpecYAML.mapping([("name", SpecYAML.text(name))])),
            ("spec", SpecYAML.mapping(specPairs)),
        ])
        do {
            return try Yams.serialize(node: document, indent: 2, width: -1, allowUnicode: true)
        } catch {
            // Emitting a tree of plain mappings, lists and string scalars cannot fail.
            preconditionFailure("cannot emit a cluster spec as YAML: \(error)")
        }
    }

    private var networkNode: Node {
        var pairs = [
            ("mode", SpecYAML.text(network.mode.rawValue)), ("cidr", SpecYAML.text(network.cidr.description)),
            ("name", SpecYAML.text(network.name)),
        ]
        if let bridge = network.bridge { pairs.append(("bridge", SpecYAML.text(bridge))) }
        if let range = network.addresses { pairs.append(("addresses", SpecYAML.text("\(range.lowerBound)-\(range.upperBound)"))) }
        if let gateway = network.gateway { pairs.append(("gateway", SpecYAML.text(gateway.description))) }
        if !network.dns.isEmpty { pairs.append(("dns", SpecYAML.list(network.dns.map { SpecYAML.text($0.description) }))) }
        return SpecYAML.mapping(pairs)
    }

    private var kubernetesNode: Node {
        var pairs = [("distribution", SpecYAML.text(kubernetes.distribution.rawValue))]
        if let version = kubernetes.version { pairs.append(("version", SpecYAML.text(version))) }
        pairs.append(("cni", SpecYAML.text(kubernetes.cni.description)))
        if let airgap = kubernetes.airgap {
            let airgapNode = SpecYAML.mapping([
                ("binary", SpecYAML.text(airgap.binary)), ("images", SpecYAML.list(airgap.images.map(SpecYAML.text))),
            ])
            pairs.append(("k3s", SpecYAML.mapping([("airgap", airgapNode)])))
        }
        return SpecYAML.mapping(pairs)
    }
}

/// Node builders for the canonical spec text.
enum SpecYAML {
    /// A string scalar: plain when it is unmistakably a string (`k8s-node`, `2GiB`,
    /// `default/debian-12.qcow2`), double-quoted and escaped otherwise (`"true"`, `"1.30"`,
    /// `"qemu:///system"`, anything with spaces or special characters).
    static func text(_ value: String) -> Node {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+")
        let plain = !value.isEmpty && value.allSatisfy(safe.contains)
            && (value.first!.isLetter || value.first!.isNumber || value.first == "/")
            && Resolver.default.resolveTag(of: Node(value)) == .str
        return Node(value, Tag(.str), plain ? .plain : .doubleQuoted)
    }

    static func int(_ value: Int) -> Node { Node(String(value), Tag(.int), .plain) }

    static func list(_ nodes: [Node]) -> Node {
        .sequence(Node.Sequence(nodes, Tag(.seq), nodes.isEmpty ? .flow : .block))
    }

    static func mapping(_ pairs: [(String, Node)]) -> Node {
        .mapping(Node.Mapping(pairs.map { (Node($0.0, Tag(.str), .plain), $0.1) }, Tag(.map), pairs.isEmpty ? .flow : .block))
    }

    static func host(_ host: ClusterHost) -> Node {
        var pairs = [("name", text(host.name)), ("uri", text(host.uri))]
        if let capacity = host.capacity {
            var limits: [(String, Node)] = []
            if let vcpus = capacity.vcpus { limits.append(("vcpus", int(vcpus))) }
            if let memory = capacity.memory { limits.append(("memory", text(memory.description))) }
            pairs.append(("capacity", mapping(limits)))
        }
        return mapping(pairs)
    }

    static func group(_ group: NodeGroup, named: Bool) -> Node {
        var pairs: [(String, Node)] = named ? [("name", text(group.name))] : []
        pairs += [("count", int(group.count)), ("vcpus", int(group.vcpus))]
        if let maxVCPUs = group.maxVCPUs { pairs.append(("maxVCPUs", int(maxVCPUs))) }
        pairs.append(("memory", text(group.memory.description)))
        if let maxMemory = group.maxMemory { pairs.append(("maxMemory", text(maxMemory.description))) }
        if let disk = group.disk { pairs.append(("disk", text(disk.description))) }
        pairs += [
            ("template", text(group.template)),
            ("labels", .mapping(Node.Mapping(group.labels.map { (text($0.key), text($0.value)) }, Tag(.map), group.labels.isEmpty ? .flow : .block))),
            ("taints", list(group.taints.map { text($0.description) })),
        ]
        return mapping(pairs)
    }
}
