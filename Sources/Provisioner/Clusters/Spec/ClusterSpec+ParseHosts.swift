import CloudInit
import DomainTemplates
import Foundation
import Yams

extension SpecParser {
    /// `spec.hosts`: a list of `{name, uri, capacity: {vcpus, memory}}`, names and URIs unique.
    mutating func hosts(_ node: Node) -> [ClusterHost]? {
        guard let items = reader.list(node, at: "spec.hosts") else { return nil }
        if items.isEmpty { reader.report(node, "spec.hosts", "at least one host is needed (or leave the field out for one host)") }
        var hosts: [ClusterHost] = []
        var names: Set<String> = []
        var uris: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "spec.hosts[\(index)]"
            guard let fields = reader.mapping(item, at: path, known: ["name", "uri", "capacity"]) else { continue }
            var name: String?
            if let nameNode = reader.field(fields, "name", required: true), let text = reader.string(nameNode, at: "\(path).name") {
                if let problem = SpecNames.dnsLabelProblem(text) {
                    reader.report(nameNode, "\(path).name", "\(ClusterSpecError.quote(text)) is not a DNS label: it \(problem)")
                } else if !names.insert(text).inserted {
                    reader.report(nameNode, "\(path).name", "host \(ClusterSpecError.quote(text)) is listed twice")
                } else {
                    name = text
                }
            }
            var uri: String?
            if let uriNode = reader.field(fields, "uri", required: true), let text = reader.string(uriNode, at: "\(path).uri") {
                if text.contains(where: \.isWhitespace) || !text.contains(":") {
                    reader.report(uriNode, "\(path).uri", "\(ClusterSpecError.quote(text)) is not a libvirt URI (like qemu+ssh://root@lab1/system)")
                } else if let problem = HostURIPolicy.programProblem(of: text) {
                    reader.report(uriNode, "\(path).uri", "\(ClusterSpecError.quote(text)) \(problem)")
                } else if !uris.insert(text).inserted {
                    reader.report(uriNode, "\(path).uri", "\(ClusterSpecError.quote(text)) is the URI of another host too")
                } else {
                    uri = text
                }
            }
            let capacity = reader.field(fields, "capacity").flatMap { self.hostCapacity($0, at: "\(path).capacity") }
            if let name, let uri { hosts.append(ClusterHost(name: name, uri: uri, capacity: capacity)) }
        }
        return hosts
    }

    private mutating func hostCapacity(_ node: Node, at path: String) -> ClusterHost.Capacity? {
        guard let fields = reader.mapping(node, at: path, known: ["vcpus", "memory"]) else { return nil }
        var capacity = ClusterHost.Capacity()
        if let vcpusNode = reader.field(fields, "vcpus"), let value = reader.int(vcpusNode, at: "\(path).vcpus") {
            if value < 1 { reader.report(vcpusNode, "\(path).vcpus", "\(value): a host's vCPU limit is at least 1") } else { capacity.vcpus = value }
        }
        if let memoryNode = reader.field(fields, "memory"), let value = reader.size(memoryNode, at: "\(path).memory") {
            if value < NodeGroup.minimumMemory {
                reader.report(memoryNode, "\(path).memory", "\(value) is less than one node's minimum memory (\(NodeGroup.minimumMemory))")
            } else {
                capacity.memory = value
            }
        }
        return capacity
    }

    /// `spec.imageSource`: `{file, sha256}`.
    mutating func imageSource(_ node: Node) -> ImageSource? {
        let path = "spec.imageSource"
        guard let fields = reader.mapping(node, at: path, known: ["file", "sha256"]) else { return nil }
        let file = reader.field(fields, "file", required: true).flatMap { self.path($0, at: "\(path).file") }
        var sha256: String?
        if let digestNode = reader.field(fields, "sha256"), let text = reader.string(digestNode, at: "\(path).sha256") {
            do {
                sha256 = try ImageStore.normalizeSHA256(text)
            } catch {
                reader.report(digestNode, "\(path).sha256", error.message)
            }
        }
        guard let file else { return nil }
        return ImageSource(file: file, sha256: sha256)
    }

    /// `bridge`, `addresses`, `gateway` and `dns` of `spec.network`: required or refused by mode.
    /// False when something was wrong (already reported).
    mutating func bridgedFields(_ fields: SpecReader.Fields, into network: inout ClusterSpec.Network) -> Bool {
        let path = "spec.network"
        let bridgedOnly = ["bridge", "addresses", "gateway", "dns"]
        var valid = true
        guard network.mode == .bridged else {
            for key in bridgedOnly where fields[key] != nil {
                reader.report(fields[key]!, "\(path).\(key)", "applies to mode bridged only; this network is \(network.mode.rawValue)")
                valid = false
            }
            return valid
        }
        if let bridgeNode = reader.field(fields, "bridge", required: true), let bridge = reader.string(bridgeNode, at: "\(path).bridge") {
            if bridge.count > 15 || !bridge.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                reader.report(bridgeNode, "\(path).bridge", "\(ClusterSpecError.quote(bridge)) is not an interface name (at most 15 letters, digits, - _ .)")
                valid = false
            } else {
                network.bridge = bridge
            }
        } else {
            valid = false
        }
        if let rangeNode = reader.field(fields, "addresses"), let text = reader.string(rangeNode, at: "\(path).addresses") {
            if let range = addressRange(text, in: network.cidr, node: rangeNode) { network.addresses = range } else { valid = false }
        }
        if let gatewayNode = reader.field(fields, "gateway") {
            if let address = address(gatewayNode, at: "\(path).gateway", in: network.cidr) { network.gateway = address } else { valid = false }
        }
        if let dnsNode = reader.field(fields, "dns"), let items = reader.list(dnsNode, at: "\(path).dns") {
            for (index, item) in items.enumerated() {
                if let address = address(item, at: "\(path).dns[\(index)]", in: nil) { network.dns.append(address) } else { valid = false }
            }
        }
        if let gateway = network.gateway, network.nodeAddresses.contains(gateway.value), let node = fields["gateway"] {
            reader.report(node, "\(path).gateway", "\(gateway) is inside the node addresses; kinvm would hand it to a node")
            valid = false
        }
        return valid
    }

    private mutating func address(_ node: Node, at path: String, in cidr: IPv4Network?) -> IPv4Address? {
        guard let text = reader.string(node, at: path) else { return nil }
        guard let address = IPv4Address(text) else {
            reader.report(node, path, "\(ClusterSpecError.quote(text)) is not an IPv4 address")
            return nil
        }
        if let cidr, !cidr.contains(address) {
            reader.report(node, path, "\(address) is not in \(cidr)")
            return nil
        }
        return address
    }

    /// `FIRST-LAST` inside `cidr`, without its network and broadcast addresses.
    private mutating func addressRange(_ text: String, in cidr: IPv4Network, node: Node) -> ClosedRange<IPv4Address>? {
        let path = "spec.network.addresses"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let first = IPv4Address(parts[0]), let last = IPv4Address(parts[1]) else {
            reader.report(node, path, "\(ClusterSpecError.quote(text)) is not a range FIRST-LAST (like 10.0.0.100-10.0.0.199)")
            return nil
        }
        guard first <= last else {
            reader.report(node, path, "\(first) comes after \(last)")
            return nil
        }
        let lowest = cidr.address.value + 1
        let highest = cidr.broadcast.value - 1
        guard cidr.contains(first), cidr.contains(last), first.value >= lowest, last.value <= highest else {
            reader.report(
                node, path, "\(first)-\(last) is not inside the host addresses of \(cidr) (\(IPv4Address(lowest))-\(IPv4Address(highest)))")
            return nil
        }
        return first...last
    }

    /// Rules across fields: `connection` or `hosts`, and one segment for nodes on several hosts.
    mutating func checkHosts(_ spec: ClusterSpec, _ fields: SpecReader.Fields) {
        if !spec.hosts.isEmpty, spec.connection != nil, let node = fields["connection"] {
            reader.report(node, "spec.connection", "give either spec.connection (one host) or spec.hosts, not both")
        }
        if spec.hosts.count > 1, spec.network.mode != .bridged, let network = fields["network"] {
            var modeNode = network
            if case .mapping(let mapping) = network, let node = mapping["mode"] { modeNode = node }
            reader.report(
                modeNode, "spec.network.mode",
                "\(spec.network.mode.rawValue) gives each host a private network of its own, so nodes on different hosts could not "
                    + "reach each other; a cluster over \(spec.hosts.count) hosts needs mode bridged (a bridge every host has, "
                    + "joined at layer 2)")
        }
    }
}

extension ClusterHost {
    /// Reads a hosts file: `hosts:` with the same list as a spec's `spec.hosts`.
    public static func parseList(_ text: String, file: String? = nil) throws(ClusterSpecError) -> [ClusterHost] {
        var parser = SpecParser(reader: SpecReader(file: file), baseDirectory: nil)
        var hosts: [ClusterHost]?
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw ClusterSpecError([.init(file: file, path: "", message: "the document is empty")])
            }
            guard !YAMLBounds.exceeds(root) else {
                throw ClusterSpecError([.init(file: file, path: "", message: YAMLBounds.tooLarge("the hosts file"))])
            }
            if let fields = parser.reader.mapping(root, at: "", known: ["hosts"]),
                let node = parser.reader.field(fields, "hosts", required: true)
            {
                hosts = parser.hosts(node)
            }
        } catch let error as ClusterSpecError {
            throw error
        } catch {
            throw ClusterSpecError([SpecParser.issue(yaml: error, file: file)])
        }
        guard parser.reader.issues.isEmpty, let hosts else { throw ClusterSpecError(parser.reader.issues) }
        return hosts
    }
}
