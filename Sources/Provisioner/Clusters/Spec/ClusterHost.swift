import DomainTemplates
import Foundation

/// One libvirt host a cluster's nodes may live on (`spec.hosts[]`).
public struct ClusterHost: Sendable, Hashable, Codable {
    /// A DNS label naming the host in placement, output and messages.
    public var name: String
    /// The libvirt URI: `qemu+ssh://user@host/system`, `qemu+tls://host/system`,
    /// `qemu+unix:///system?socket=…`, `qemu:///system`, …
    public var uri: String
    /// What kinvm guests may use there in total; nil: the host's own figures.
    public var capacity: Capacity?

    public init(name: String, uri: String, capacity: Capacity? = nil) {
        self.name = name
        self.uri = uri
        self.capacity = capacity
    }

    /// Limits for kinvm guests on a host (`spec.hosts[].capacity`).
    public struct Capacity: Sendable, Hashable, Codable {
        /// vCPUs all kinvm guests there may have together (their ceilings).
        public var vcpus: Int?
        /// Memory all kinvm guests there may have together (their ceilings).
        public var memory: ByteSize?

        public init(vcpus: Int? = nil, memory: ByteSize? = nil) {
            self.vcpus = vcpus
            self.memory = memory
        }
    }

    /// The name of the one host of a spec without `hosts`: the URI's host part (`lab1` for
    /// `qemu+ssh://root@lab1/system`), `localhost` for a local URI.
    public static func implicitName(uri: String) -> String {
        guard let components = URLComponents(string: uri), let host = components.host, !host.isEmpty else { return "localhost" }
        let label = host.lowercased().split(separator: ".").first.map(String.init) ?? host
        return SpecNames.dnsLabelProblem(label) == nil ? label : "localhost"
    }
}

extension ClusterHost {
    /// Why a host a cluster's record names is not worked on: records are read back from a libvirt
    /// host (anyone who can write a network's metadata there can write one), so they never widen
    /// where kinvm connects; only hosts the user names are opened.
    public static let notGivenReason =
        "not opened: only the cluster's record names it (kinvm connects only to hosts you name: -c, --hosts, KINVM_HOSTS or the spec)"

    /// The hosts given (by `-c` or a hosts file), each taking the name its clusters' records give
    /// its URI; nothing is added: a host only a record names is never opened.
    public static func naming(given: [ClusterHost], recorded: [ClusterHost]) -> [ClusterHost] {
        given.map { host in recorded.first { $0.uri == host.uri }.map { ClusterHost(name: $0.name, uri: host.uri, capacity: host.capacity) } ?? host }
    }

    /// The recorded hosts that are not among `given` (by URI), once each by name.
    public static func notGiven(_ recorded: [ClusterHost], given: [ClusterHost]) -> [ClusterHost] {
        var result: [ClusterHost] = []
        for host in recorded where !given.contains(where: { $0.uri == host.uri }) && !result.contains(where: { $0.name == host.name }) {
            result.append(host)
        }
        return result
    }
}

extension ClusterSpec {
    /// The hosts the cluster's nodes may live on: `spec.hosts`, or the one host of
    /// ``connection`` (or `defaultURI`, the CLI's `-c`) when the spec lists none.
    public func effectiveHosts(defaultURI: String) -> [ClusterHost] {
        if !hosts.isEmpty { return hosts }
        let uri = connection ?? defaultURI
        return [ClusterHost(name: ClusterHost.implicitName(uri: uri), uri: uri)]
    }

    /// Whether the nodes may live on more than one host.
    public var isMultiHost: Bool { hosts.count > 1 }
}
