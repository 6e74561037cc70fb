import CloudInit
import DomainTemplates
import Foundation
import Yams

extension ClusterSpec {
    /// Reads a spec: the YAML composed into nodes and walked field by field, every problem
    /// collected (with its field path and line:column) and thrown together.
    ///
    /// - Parameters:
    ///   - file: the spec file as the user named it, for messages.
    ///   - baseDirectory: what relative paths (air-gap files, key files, boot files) are relative
    ///     to, normally the spec file's directory; without it a relative path is an error.
    ///     `~/…` is the user's home directory. `sshKeyFiles` are read now, so the result is
    ///     self-contained.
    public static func parse(_ text: String, file: String? = nil, baseDirectory: String? = nil) throws(ClusterSpecError) -> ClusterSpec {
        var parser = SpecParser(reader: SpecReader(file: file), baseDirectory: baseDirectory)
        let spec: ClusterSpec?
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw ClusterSpecError([.init(file: file, path: "", message: "the document is empty")])
            }
            guard !YAMLBounds.exceeds(root) else {
                throw ClusterSpecError([.init(file: file, path: "", message: YAMLBounds.tooLarge("the spec"))])
            }
            spec = parser.document(root)
        } catch let error as ClusterSpecError {
            throw error
        } catch {
            throw ClusterSpecError([SpecParser.issue(yaml: error, file: file)])
        }
        guard parser.reader.issues.isEmpty, let spec else {
            throw ClusterSpecError(parser.reader.issues)
        }
        return spec
    }

    static let specFields = [
        "connection", "hosts", "placement", "virtType", "kubernetes", "image", "imageSource", "storagePool", "boot", "network", "controlPlane", "pools",
        "sshKeys", "sshKeyFiles", "ttl",
    ]
}

/// The walk over a composed spec document (see ``ClusterSpec/parse(_:file:baseDirectory:)``).
struct SpecParser {
    var reader: SpecReader
    let baseDirectory: String?

    /// A YAML syntax error as an issue at its position.
    static func issue(yaml error: any Error, file: String?) -> ClusterSpecError.Issue {
        func at(_ mark: Mark?, _ message: String) -> ClusterSpecError.Issue {
            .init(file: file, line: mark?.line, column: mark?.column, path: "", message: message)
        }
        guard let error = error as? YamlError else { return at(nil, "not valid YAML: \(error)") }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return at(mark, "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map(ClusterSpecError.quote).joined(separator: ", ")
            return at(context.mark, "duplicate key \(names) in a mapping; each field may appear only once")
        default:
            return at(nil, "not valid YAML: \(error)")
        }
    }

    mutating func document(_ root: Node) -> ClusterSpec? {
        guard let top = reader.mapping(root, at: "", known: ["apiVersion", "kind", "metadata", "spec"]) else { return nil }
        if let node = reader.field(top, "apiVersion", required: true), let text = reader.string(node, at: "apiVersion"),
            text != ClusterSpec.apiVersion
        {
            reader.report(node, "apiVersion", "unsupported apiVersion \(ClusterSpecError.quote(text)); supported: \(ClusterSpec.apiVersion)")
        }
        if let node = reader.field(top, "kind", required: true), let text = reader.string(node, at: "kind"), text != ClusterSpec.kind {
            reader.report(node, "kind", "unsupported kind \(ClusterSpecError.quote(text)); supported: \(ClusterSpec.kind)")
        }
        let name = reader.field(top, "metadata", required: true).flatMap { self.clusterName($0) }
        guard let specNode = reader.field(top, "spec", required: true),
            let fields = reader.mapping(specNode, at: "spec", known: ClusterSpec.specFields)
        else { return nil }
        return spec(fields, name: name)
    }

    private mutating func clusterName(_ node: Node) -> String? {
        guard let fields = reader.mapping(node, at: "metadata", known: ["name"]),
            let nameNode = reader.field(fields, "name", required: true),
            let name = reader.string(nameNode, at: "metadata.name")
        else { return nil }
        if let problem = SpecNames.dnsLabelProblem(name) {
            reader.report(nameNode, "metadata.name", "\(ClusterSpecError.quote(name)) is not a DNS label: it \(problem)")
            return nil
        }
        guard name.count <= ClusterSpec.maxNameLength else {
            reader.report(
                nameNode, "metadata.name",
                "\(ClusterSpecError.quote(name)) is \(name.count) characters; a cluster name has at most \(ClusterSpec.maxNameLength) (node names are derived from it)")
            return nil
        }
        return name
    }

    private mutating func spec(_ fields: SpecReader.Fields, name: String?) -> ClusterSpec? {
        // A wrong value is already an issue (and the parse throws), so optional fields fall
        // back to their defaults here whether absent or wrong.
        let connection = reader.field(fields, "connection").flatMap { reader.string($0, at: "spec.connection") }
        let hosts = reader.field(fields, "hosts").flatMap { self.hosts($0) } ?? []
        let placement = reader.field(fields, "placement").flatMap { reader.choice($0, at: "spec.placement", PlacementStrategy.self) }
        let virtType = reader.field(fields, "virtType").flatMap { reader.choice($0, at: "spec.virtType", DomainSpec.VirtType.self) }
        let kubernetes = reader.field(fields, "kubernetes", required: true).flatMap { self.kubernetes($0) }
        let image = reader.field(fields, "image", required: true).flatMap { self.volume($0, at: "spec.image") }
        let imageSource = reader.field(fields, "imageSource").flatMap { self.imageSource($0) }
        let storagePool = reader.field(fields, "storagePool").flatMap { self.poolName($0, at: "spec.storagePool") }
        let boot = reader.field(fields, "boot").flatMap { self.boot($0) }
        let network = reader.field(fields, "network", required: true).flatMap { self.network($0, cluster: name) }
        let controlPlane = reader.field(fields, "controlPlane", required: true).flatMap { self.controlPlane($0) }
        let pools = reader.field(fields, "pools").flatMap { self.pools($0, cluster: name) } ?? []
        let keys = self.sshKeys(fields)
        let ttl = reader.field(fields, "ttl").flatMap { self.ttl($0) }
        guard let name, let kubernetes, let image, let network, let controlPlane else { return nil }
        let spec = ClusterSpec(
            name: name, connection: connection, hosts: hosts, placement: placement ?? .spread, virtType: virtType ?? .kvm, kubernetes: kubernetes, image: image, imageSource: imageSource,
            storagePool: storagePool, boot: boot, network: network, controlPlane: controlPlane,
            pools: pools, sshKeys: keys, ttl: ttl)
        checkCapacity(spec, fields)
        checkHosts(spec, fields)
        return spec
    }

    /// More nodes than the network has addresses for.
    private mutating func checkCapacity(_ spec: ClusterSpec, _ fields: SpecReader.Fields) {
        let total = spec.groups.reduce(0) { $0 + max($1.count, 0) }
        let room = spec.network.nodeAddresses.count
        guard total > room, let network = fields["network"], case .mapping(let mapping) = network else { return }
        if let range = spec.network.addresses {
            reader.report(
                mapping["addresses"] ?? network, "spec.network.addresses",
                "\(range.lowerBound)-\(range.upperBound) has room for \(room) nodes but the spec asks for \(total); widen the range")
            return
        }
        let cidrNode = mapping["cidr"] ?? network
        reader.report(
            cidrNode, "spec.network.cidr",
            "\(spec.network.cidr) has room for \(room) nodes (from .\(IPv4Network.firstNodeOffset) up) but the spec asks for \(total); use a shorter prefix")
    }

    private mutating func kubernetes(_ node: Node) -> ClusterSpec.Kubernetes? {
        let path = "spec.kubernetes"
        guard let fields = reader.mapping(node, at: path, known: ["distribution", "version", "cni", "k3s"]) else { return nil }
        let distribution = reader.field(fields, "distribution", required: true).flatMap {
            reader.choice($0, at: "\(path).distribution", ClusterSpec.Kubernetes.Distribution.self)
        }
        let version = reader.field(fields, "version").flatMap { reader.string($0, at: "\(path).version") }
        var airgap: K3sAirgap?
        if let k3sNode = reader.field(fields, "k3s"), let k3s = reader.mapping(k3sNode, at: "\(path).k3s", known: ["airgap"]) {
            if distribution == .kubeadm {
                reader.report(k3sNode, "\(path).k3s", "k3s settings (air-gap) apply to distribution k3s only; this cluster uses kubeadm")
            }
            airgap = reader.field(k3s, "airgap").flatMap { self.airgap($0, at: "\(path).k3s.airgap") }
        }
        let cni = reader.field(fields, "cni").flatMap { self.cni($0, at: "\(path).cni") }
        guard let distribution else { return nil }
        return ClusterSpec.Kubernetes(distribution: distribution, version: version, airgap: airgap, cni: cni ?? .distributionDefault)
    }

    /// `default`, `none`, an `http(s)://` URL with a host, or a manifest file: absolute, `~/…`,
    /// `./…`, `../…`, or a name ending in `.yaml`, `.yml` or `.json` (resolved like other paths).
    private mutating func cni(_ node: Node, at path: String) -> ClusterSpec.Kubernetes.CNI? {
        guard let text = reader.string(node, at: path) else { return nil }
        switch text {
        case "default": return .distributionDefault
        case "none": return .userProvided
        default: break
        }
        let lowered = text.lowercased()
        if lowered.contains("://") {
            guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"),
                let url = URL(string: text), let host = url.host, !host.isEmpty
            else {
                reader.report(node, path, "\(ClusterSpecError.quote(text)) is not an http(s) URL with a host; the guest fetches the manifest with kubectl")
                return nil
            }
            return .url(text)
        }
        let looksLikePath = ["/", "~", "./", "../"].contains { text.hasPrefix($0) }
            || [".yaml", ".yml", ".json"].contains { lowered.hasSuffix($0) }
        guard looksLikePath else {
            reader.report(
                node, path,
                "\(ClusterSpecError.quote(text)) is not a CNI choice: use default, none, an http(s) URL of a manifest, "
                    + "or a manifest file (a path such as ./calico.yaml)")
            return nil
        }
        return self.path(node, at: path).map { .file($0) }
    }

    private mutating func airgap(_ node: Node, at path: String) -> K3sAirgap? {
        guard let fields = reader.mapping(node, at: path, known: ["binary", "images"]) else { return nil }
        let binary = reader.field(fields, "binary", required: true).flatMap { self.path($0, at: "\(path).binary") }
        var images: [String]?
        if let imagesNode = reader.field(fields, "images", required: true), let items = reader.list(imagesNode, at: "\(path).images") {
            if items.isEmpty { reader.report(imagesNode, "\(path).images", "at least one images tarball is needed") }
            let resolved = items.enumerated().map { self.path($1, at: "\(path).images[\($0)]") }
            images = resolved.contains(nil) ? nil : resolved.compactMap { $0 }
        }
        guard let binary, let images else { return nil }
        return K3sAirgap(binary: binary, images: images)
    }

    private mutating func volume(_ node: Node, at path: String) -> VolumeRef? {
        guard let text = reader.string(node, at: path) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            reader.report(node, path, "\(ClusterSpecError.quote(text)) is not POOL/VOLUME (like default/debian-12.qcow2)")
            return nil
        }
        return VolumeRef(pool: String(parts[0]), volume: String(parts[1]))
    }

    private mutating func poolName(_ node: Node, at path: String) -> String? {
        guard let text = reader.string(node, at: path) else { return nil }
        guard !text.contains("/") else {
            reader.report(node, path, "\(ClusterSpecError.quote(text)) is not a storage pool name (no '/')")
            return nil
        }
        return text
    }

    private mutating func boot(_ node: Node) -> DirectBoot? {
        let path = "spec.boot"
        guard let fields = reader.mapping(node, at: path, known: ["kernel", "initrd", "cmdline"]) else { return nil }
        let kernel = reader.field(fields, "kernel", required: true).flatMap { self.path($0, at: "\(path).kernel") }
        let initrd = reader.field(fields, "initrd").flatMap { self.path($0, at: "\(path).initrd") }
        let cmdline = reader.field(fields, "cmdline").flatMap { reader.string($0, at: "\(path).cmdline") }
        guard let kernel else { return nil }
        return DirectBoot(kernel: kernel, initrd: initrd, cmdline: cmdline)
    }

    private mutating func network(_ node: Node, cluster: String?) -> ClusterSpec.Network? {
        let path = "spec.network"
        guard let fields = reader.mapping(node, at: path, known: ["mode", "cidr", "name", "bridge", "addresses", "gateway", "dns"])
        else { return nil }
        let mode = reader.field(fields, "mode", required: true).flatMap {
            reader.choice($0, at: "\(path).mode", ClusterSpec.Network.Mode.self)
        }
        var cidr: IPv4Network?
        if let cidrNode = reader.field(fields, "cidr", required: true), let text = reader.string(cidrNode, at: "\(path).cidr") {
            do {
                cidr = try IPv4Network(cidr: text)
                if let problem = cidr?.specialPurposeProblem {
                    reader.report(cidrNode, "\(path).cidr", problem)
                    cidr = nil
                }
            } catch {
                reader.report(cidrNode, "\(path).cidr", error.message)
            }
        }
        var name = cluster.map(ClusterSpec.Network.defaultName(cluster:))
        if let nameNode = reader.field(fields, "name") {
            name = reader.string(nameNode, at: "\(path).name")
            if let given = name, let problem = SpecNames.dnsLabelProblem(given) {
                reader.report(nameNode, "\(path).name", "\(ClusterSpecError.quote(given)) is not a DNS label: it \(problem)")
                name = nil
            }
        }
        guard let mode, let cidr, let name else { return nil }
        var network = ClusterSpec.Network(mode: mode, cidr: cidr, name: name)
        guard bridgedFields(fields, into: &network) else { return nil }
        return network
    }

    private mutating func ttl(_ node: Node) -> Int? {
        if node.tag == Tag(.int), let seconds = node.int {
            guard seconds > 0 else {
                reader.report(node, "spec.ttl", "\(seconds) is not a duration: it must be longer than zero")
                return nil
            }
            return seconds
        }
        guard let text = reader.string(node, at: "spec.ttl") else { return nil }
        switch SpecDuration.parse(text) {
        case .success(let seconds): return seconds
        case .failure(let error):
            reader.report(node, "spec.ttl", error.message)
            return nil
        }
    }

    /// A file path: `~/…` under the home directory, a relative one under ``baseDirectory``;
    /// `.` and `..` components are resolved, so the result is absolute and normalized.
    mutating func path(_ node: Node, at path: String) -> String? {
        guard let text = reader.string(node, at: path) else { return nil }
        var full = text
        if text == "~" || text.hasPrefix("~/") {
            full = FileManager.default.homeDirectoryForCurrentUser.path + text.dropFirst()
        } else if !text.hasPrefix("/") {
            guard let baseDirectory else {
                reader.report(node, path, "relative path \(ClusterSpecError.quote(text)) needs the spec file's directory to resolve against; give an absolute path")
                return nil
            }
            let base = baseDirectory.hasPrefix("/") ? baseDirectory : FileManager.default.currentDirectoryPath + "/" + baseDirectory
            full = base + "/" + text
        }
        var components: [Substring] = []
        for component in full.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }
}
