import DomainTemplates
import Foundation
import Provisioner
import Testing

/// A directory under the system temporary directory, removed when the value is released.
final class SpecTempDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kinvm-spec-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("ClusterSpec")
struct ClusterSpecTests {
    static let exampleKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeDklnBQbPrK1UcIJij+Qd1/0W77rIuNSlE15znfwBv me@example.com"
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let examples: [String] = {
        let directory = repositoryRoot + "/examples"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    static func example(_ name: String) throws -> ClusterSpec {
        let directory = repositoryRoot + "/examples"
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        return try ClusterSpec.parse(text, file: "examples/" + name, baseDirectory: directory)
    }

    @Test func theExamplesAreThere() {
        #expect(Set(Self.examples).isSuperset(of: ["k3s.yaml", "kubeadm.yaml", "k3s-airgap.yaml"]))
    }

    @Test(arguments: examples)
    func exampleParsesAndRoundTrips(_ name: String) throws {
        let spec = try Self.example(name)
        let text = spec.yaml()
        #expect(try ClusterSpec.parse(text) == spec, "\(text)")
        // The canonical text is stable.
        #expect(try ClusterSpec.parse(text).yaml() == text)
    }

    @Test func k3sExample() throws {
        let spec = try Self.example("k3s.yaml")
        #expect(spec.name == "lab")
        #expect(spec.connection == "qemu:///system")
        #expect(spec.kubernetes == .init(distribution: .k3s, version: "v1.31.2+k3s1"))
        #expect(spec.image == VolumeRef(pool: "default", volume: "debian-12.qcow2"))
        #expect(spec.network == .init(mode: .nat, cidr: try IPv4Network(cidr: "192.168.150.0/24"), name: "kinvm-lab"))
        #expect(spec.controlPlane.count == 1)
        #expect(spec.controlPlane.effectiveMaxVCPUs == 4)
        #expect(spec.pools.map(\.name) == ["workers"])
        #expect(spec.pools[0].count == 2)
        #expect(spec.pools[0].labels == [try NodeLabel(key: "tier", value: "web")])
        #expect(spec.sshKeys == [Self.exampleKey])
        #expect(spec.ttl == nil)
    }

    @Test func kubeadmExample() throws {
        let spec = try Self.example("kubeadm.yaml")
        #expect(spec.kubernetes.distribution == .kubeadm)
        #expect(spec.storagePool == "default")
        #expect(spec.image == VolumeRef(pool: "default", volume: "node.qcow2"))
        #expect(spec.kubernetes.cni == .distributionDefault)
        #expect(spec.pools.map(\.name) == ["general", "batch"])
        #expect(spec.pools[1].taints.map(\.description) == ["dedicated=batch:NoSchedule", "spot:PreferNoSchedule"])
        #expect(spec.pools[1].effectiveMaxMemory == .gibibytes(4))
        #expect(spec.ttl == 8 * 3600)
    }

    @Test func airgapExampleResolvesPathsAgainstTheSpecDirectory() throws {
        let spec = try Self.example("k3s-airgap.yaml")
        let directory = Self.repositoryRoot + "/examples"
        #expect(spec.kubernetes.airgap == K3sAirgap(binary: directory + "/k3s", images: [directory + "/k3s-airgap-images-amd64.tar.zst"]))
        #expect(spec.network.mode == .isolated)
        #expect(spec.network.name == "kinvm-offline")
        #expect(spec.virtType == .qemu)
        #expect(spec.storagePool == "default")
        #expect(spec.ttl == 36 * 3600)
        #expect(spec.yaml().contains("binary: \(directory)/k3s\n"))
    }

    @Test func defaultsAreSpelledOut() throws {
        let spec = try ClusterSpec.parse(SpecFixture.text)
        #expect(spec.virtType == .kvm)
        #expect(spec.storagePool == "default")
        #expect(spec.network.name == "kinvm-lab")
        #expect(spec.controlPlane.name == NodeGroup.controlPlaneName)
        #expect(spec.controlPlane.template == "k8s-node")
        #expect(spec.controlPlane.effectiveMaxMemory == .gibibytes(2))
        #expect(spec.pools[0].disk == nil)
        let text = spec.yaml()
        for line in ["virtType: kvm", "storagePool: default", "name: kinvm-lab", "template: k8s-node", "count: 1", "sshKeys: []"] {
            #expect(text.contains(line), "\(text)")
        }
    }

    /// Values that plain YAML would read as something else, or that need escaping.
    @Test func awkwardValuesRoundTrip() throws {
        let spec = ClusterSpec(
            name: "x1",
            connection: "qemu+ssh://user@host:22/system?keyfile=/a b&no_verify=1",
            virtType: .qemu,
            kubernetes: .init(distribution: .k3s, version: "1.30", airgap: K3sAirgap(binary: "/opt/k3s: \"quoted\"", images: ["/#hash", "/yes"])),
            image: VolumeRef(pool: "true", volume: "null"),
            storagePool: "0x10",
            boot: DirectBoot(kernel: "/boot/vmlinuz", initrd: nil, cmdline: "console=ttyS0 root='/dev/vda' \\ \t tab\nnewline"),
            network: .init(mode: .isolated, cidr: try IPv4Network(cidr: "10.1.0.0/16"), name: "n-1"),
            controlPlane: NodeGroup(
                name: NodeGroup.controlPlaneName, count: 1, vcpus: 1, memory: .mebibytes(64), template: "~",
                labels: [try NodeLabel(key: "yes", value: "no"), try NodeLabel(key: "a.b/c", value: "")]),
            pools: [
                NodeGroup(
                    name: "p", count: 0, vcpus: 2, maxVCPUs: 3, memory: ByteSize(bytes: 100_000_000), maxMemory: .gibibytes(1),
                    disk: ByteSize(bytes: 1000), template: "- dash",
                    taints: [try NodeTaint(key: "k", value: "1", effect: .noExecute), try NodeTaint(key: "on", effect: .noSchedule)]),
                NodeGroup(name: "q", count: 7, vcpus: 1, memory: .gibibytes(1), template: "/etc/kinvm/templates/a node.xml"),
            ],
            sshKeys: [Self.exampleKey],
            ttl: 90_061)
        let text = spec.yaml()
        #expect(try ClusterSpec.parse(text) == spec, "\(text)")
        #expect(text.contains("ttl: 1d1h1m1s"))
    }

    @Test func keyFilesAreReadAndFolded() throws {
        let directory = try SpecTempDirectory()
        let second = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 second"
        try directory.write("keys.pub", "# my keys\n\(Self.exampleKey)\n\n  \(second)  \n")
        let text = SpecFixture.edited([19: "      memory: 1GiB\n  sshKeys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeDklnBQbPrK1UcIJij+Qd1/0W77rIuNSlE15znfwBv\"]\n  sshKeyFiles: [./sub/../keys.pub]"])
        let spec = try ClusterSpec.parse(text, baseDirectory: directory.path)
        #expect(spec.sshKeys == [String(Self.exampleKey.dropLast(" me@example.com".count)), Self.exampleKey, second])
        #expect(!spec.yaml().contains("sshKeyFiles"))
        #expect(try ClusterSpec.parse(spec.yaml()) == spec)
    }

    @Test func anchorsAndAliasesAreAllowed() throws {
        let text = SpecFixture.edited([14: "    memory: &size 2GiB", 19: "      memory: *size"])
        let spec = try ClusterSpec.parse(text)
        #expect(spec.pools[0].memory == .gibibytes(2))
    }

    @Test func emptyDocument() throws {
        let error = try #require(throws: ClusterSpecError.self) { try ClusterSpec.parse("# nothing\n", file: "c.yaml") }
        #expect(error.description == "c.yaml: the document is empty")
    }

    // MARK: Node names

    @Test func nodeNames() throws {
        let spec = try ClusterSpec.parse(SpecFixture.edited([16: "    - name: big-pool"]))
        #expect(spec.nodeName(group: spec.controlPlane, ordinal: 1) == "lab-cp-1")
        #expect(spec.nodeName(group: spec.pools[0], ordinal: 12) == "lab-big-pool-12")
        #expect(spec.nodeNames(group: spec.pools[0]) == ["lab-big-pool-1", "lab-big-pool-2"])
        #expect(spec.groups.map(\.name) == ["control-plane", "big-pool"])
        #expect(spec.group(named: "big-pool") == spec.pools[0])
        #expect(spec.group(named: "control-plane") == spec.controlPlane)
        #expect(spec.group(named: "nope") == nil)
    }

    static let nodeNameCases: [(node: String, group: String?, ordinal: Int?)] = [
        ("lab-cp-1", "control-plane", 1),
        ("lab-big-pool-3", "big-pool", 3),
        ("lab-big-pool-120", "big-pool", 120),
        ("lab-big-pool-0", nil, nil),
        ("lab-big-pool-01", nil, nil),
        ("lab-big-pool-x", nil, nil),
        ("lab-big-pool-", nil, nil),
        ("lab--1", nil, nil),
        ("lab-1", nil, nil),
        ("other-big-pool-1", nil, nil),
        ("lab-gone-1", nil, nil),
    ]

    @Test(arguments: nodeNameCases)
    func parseNodeName(_ testCase: (node: String, group: String?, ordinal: Int?)) throws {
        let spec = try ClusterSpec.parse(SpecFixture.edited([16: "    - name: big-pool"]))
        let parsed = spec.parseNodeName(testCase.node)
        #expect(parsed?.group == testCase.group)
        #expect(parsed?.ordinal == testCase.ordinal)
        if let parsed, let group = spec.group(named: parsed.group) {
            #expect(spec.nodeName(group: group, ordinal: parsed.ordinal) == testCase.node)
        }
    }

    @Test func parseNodeNameOfARemovedPool() {
        #expect(ClusterSpec.parseNodeName("lab-gone-2", cluster: "lab").map { [$0.group, String($0.ordinal)] } == ["gone", "2"])
        #expect(ClusterSpec.parseNodeName("lab-cp-1", cluster: "lab")?.group == "control-plane")
        #expect(ClusterSpec.parseNodeName("lab-gone-2", cluster: "la") == nil)
        #expect(ClusterSpec.parseNodeName("lab-x-gone-2", cluster: "lab-x")?.group == "gone")
    }

    // MARK: Scaling

    @Test func scaled() throws {
        let spec = try ClusterSpec.parse(SpecFixture.text)
        let bigger = try spec.scaled(pool: "workers", count: 5)
        #expect(bigger.pools[0].count == 5)
        var expected = spec
        expected.pools[0].count = 5
        #expect(bigger == expected)
        #expect(try spec.scaled(pool: "workers", count: 0).pools[0].count == 0)
    }

    static let scaleErrors: [(pool: String, count: Int, message: String)] = [
        ("control-plane", 3, "spec.controlPlane.count: the control plane count cannot be changed by scaling"),
        ("cp", 1, "spec.controlPlane.count: the control plane count cannot be changed by scaling"),
        ("wokers", 3, "spec.pools: cluster lab has no pool named \"wokers\" (its pools: workers); did you mean \"workers\"?"),
        ("workers", -1, "spec.pools[0].count: -1 is negative"),
    ]

    @Test(arguments: scaleErrors)
    func scaledRefuses(_ testCase: (pool: String, count: Int, message: String)) throws {
        let spec = try ClusterSpec.parse(SpecFixture.text)
        let error = try #require(throws: ClusterSpecError.self) { try spec.scaled(pool: testCase.pool, count: testCase.count) }
        #expect(error.description.hasPrefix(testCase.message), "\(error)")
    }

    @Test func scaledRefusesNodeNamesTooLong() throws {
        let pool = String(repeating: "p", count: 40)
        let spec = try ClusterSpec.parse(SpecFixture.edited([4: "  name: abcdefghijklmnopqrst", 16: "    - name: \(pool)"]))
        #expect(try spec.scaled(pool: pool, count: 9).pools[0].count == 9)
        let error = try #require(throws: ClusterSpecError.self) { try spec.scaled(pool: pool, count: 10) }
        #expect(error.description.hasPrefix("spec.pools[0].count: node names like \"abcdefghijklmnopqrst-\(pool)-10\" would be 64 characters"))
    }

    // MARK: Durations

    @Test(arguments: [("90m", 5400), ("8h", 28_800), ("2d", 172_800), ("1h30m", 5400), ("45s", 45), ("1d2h3m4s", 93_784), ("0h5m", 300)])
    func durations(_ text: String, _ seconds: Int) throws {
        #expect(try SpecDuration.parse(text).get() == seconds)
        #expect(try SpecDuration.parse(SpecDuration.format(seconds)).get() == seconds)
    }

    @Test(arguments: [
        ("", "it is empty"), ("0h", "it must be longer than zero"), ("30m1h", "units must go from largest to smallest"),
        ("h", "'h' has no number before it"), ("5", "5 has no unit"), ("1.5h", "unknown unit '.'"), ("1w", "unknown unit 'w'"),
        ("1h1h", "units must go from largest to smallest"), ("9999999999d", "is too large"),
    ])
    func badDurations(_ text: String, _ reason: String) {
        guard case .failure(let error) = SpecDuration.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.message.contains(reason), "\(error)")
    }

    @Test func durationFormat() {
        #expect(SpecDuration.format(5400) == "1h30m")
        #expect(SpecDuration.format(86_400) == "1d")
        #expect(SpecDuration.format(59) == "59s")
    }

    @Test func ttlAsSecondsOrText() throws {
        #expect(try ClusterSpec.parse(SpecFixture.edited([19: "      memory: 1GiB\n  ttl: 3600"])).ttl == 3600)
        #expect(try ClusterSpec.parse(SpecFixture.edited([19: "      memory: 1GiB\n  ttl: 1h30m"])).ttl == 5400)
    }
}

@Suite("Cluster spec: hosts, placement, bridged network")
struct ClusterSpecHostsTests {
    static let head = """
        apiVersion: kinvm.dev/v1alpha1
        kind: Cluster
        metadata: {name: lab}
        spec:
          kubernetes: {distribution: kubeadm}
          image: default/base.qcow2
          controlPlane: {vcpus: 1, memory: 1GiB}
          pools: [{name: workers, count: 2, vcpus: 1, memory: 1GiB}]

        """

    @Test("hosts, placement and a bridged network parse and come back the same from the canonical YAML")
    func roundTrip() throws {
        let spec = try ClusterSpec.parse(
            Self.head + """
                  hosts:
                    - {name: lab1, uri: "qemu+ssh://root@lab1/system", capacity: {vcpus: 16, memory: 48GiB}}
                    - {name: lab2, uri: "qemu+tls://lab2/system"}
                  placement: binpack
                  network: {mode: bridged, bridge: br0, cidr: 192.168.10.0/24, addresses: 192.168.10.100-192.168.10.199, gateway: 192.168.10.1, dns: [192.168.10.1, 192.168.10.2]}
                """)
        #expect(spec.hosts == [
            ClusterHost(name: "lab1", uri: "qemu+ssh://root@lab1/system", capacity: .init(vcpus: 16, memory: .gibibytes(48))),
            ClusterHost(name: "lab2", uri: "qemu+tls://lab2/system"),
        ])
        #expect(spec.placement == .binpack && spec.isMultiHost)
        #expect(spec.network.mode == .bridged && spec.network.bridge == "br0")
        #expect(spec.network.nodeAddresses.count == 100)
        #expect(spec.network.gateway?.description == "192.168.10.1" && spec.network.dns.map(\.description) == ["192.168.10.1", "192.168.10.2"])
        #expect(try ClusterSpec.parse(spec.yaml()) == spec)
        #expect(spec.effectiveHosts(defaultURI: "qemu:///system") == spec.hosts)
    }

    @Test("without hosts the one host is named from its URI")
    func implicitHost() throws {
        let spec = try ClusterSpec.parse(Self.head + "  network: {mode: nat, cidr: 192.168.10.0/24}\n")
        #expect(spec.hosts.isEmpty && spec.placement == .spread && !spec.isMultiHost)
        #expect(spec.effectiveHosts(defaultURI: "qemu+ssh://root@lab7.example.net/system") == [
            ClusterHost(name: "lab7", uri: "qemu+ssh://root@lab7.example.net/system")
        ])
        #expect(ClusterHost.implicitName(uri: "qemu:///system") == "localhost")
    }

    @Test("every problem with hosts and the bridged network is reported at its field", arguments: [
        (
            "  connection: qemu:///system\n  hosts: [{name: a, uri: \"qemu:///system\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.connection: give either spec.connection (one host) or spec.hosts, not both"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu+ssh://a/system\"}, {name: b, uri: \"qemu+ssh://b/system\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.network.mode: nat gives each host a private network of its own, so nodes on different hosts could not reach each other; a cluster over 2 hosts needs mode bridged"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu+ssh://a/system\"}, {name: a, uri: \"qemu+ssh://b/system\"}]\n  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24}\n",
            "spec.hosts[1].name: host \"a\" is listed twice"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu+ssh://a/system\"}, {name: b, uri: \"qemu+ssh://a/system\"}]\n  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24}\n",
            "spec.hosts[1].uri: \"qemu+ssh://a/system\" is the URI of another host too"
        ),
        (
            "  hosts: [{name: A_1, uri: \"qemu+ssh://a/system\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.hosts[0].name: \"A_1\" is not a DNS label"
        ),
        (
            "  hosts: [{name: a, uri: \"not a uri\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.hosts[0].uri: \"not a uri\" is not a libvirt URI"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu+ext:///system?command=/tmp/x\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.hosts[0].uri: \"qemu+ext:///system?command=/tmp/x\" uses libvirt's ext transport, which runs a local program"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu+ssh://a/system?no_tty=1&Command=/tmp/x\"}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.hosts[0].uri: \"qemu+ssh://a/system?no_tty=1&Command=/tmp/x\" has a 'command=' parameter, which makes libvirt run a program"
        ),
        (
            "  hosts: [{name: a, uri: \"qemu:///system\", capacity: {vcpus: 0, memory: 1MiB}}]\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.hosts[0].capacity.vcpus: 0: a host's vCPU limit is at least 1"
        ),
        (
            "  network: {mode: bridged, cidr: 10.0.0.0/24}\n",
            "spec.network.bridge: required field is missing"
        ),
        (
            "  network: {mode: nat, cidr: 10.0.0.0/24, bridge: br0}\n",
            "spec.network.bridge: applies to mode bridged only; this network is nat"
        ),
        (
            "  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24, addresses: 10.0.1.5-10.0.1.9}\n",
            "spec.network.addresses: 10.0.1.5-10.0.1.9 is not inside the host addresses of 10.0.0.0/24 (10.0.0.1-10.0.0.254)"
        ),
        (
            "  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24, addresses: 10.0.0.9-10.0.0.5}\n",
            "spec.network.addresses: 10.0.0.9 comes after 10.0.0.5"
        ),
        (
            "  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24, addresses: 10.0.0.5-10.0.0.6}\n",
            "spec.network.addresses: 10.0.0.5-10.0.0.6 has room for 2 nodes but the spec asks for 3; widen the range"
        ),
        (
            "  network: {mode: bridged, bridge: br0, cidr: 10.0.0.0/24, addresses: 10.0.0.5-10.0.0.60, gateway: 10.0.0.7}\n",
            "spec.network.gateway: 10.0.0.7 is inside the node addresses; kinvm would hand it to a node"
        ),
        (
            "  network: {mode: bridged, bridge: this-name-is-too-long, cidr: 10.0.0.0/24}\n",
            "spec.network.bridge: \"this-name-is-too-long\" is not an interface name"
        ),
        (
            "  network: {mode: nat, cidr: 127.0.5.0/24}\n",
            "spec.network.cidr: 127.0.5.0/24 is in the loopback (127.0.0.0/8) range"
        ),
        (
            "  network: {mode: nat, cidr: 169.254.10.0/24}\n",
            "spec.network.cidr: 169.254.10.0/24 is in the link-local (169.254.0.0/16) range"
        ),
        (
            "  network: {mode: nat, cidr: 239.1.0.0/16}\n",
            "spec.network.cidr: 239.1.0.0/16 is in the multicast (224.0.0.0/4) range"
        ),
        (
            "  network: {mode: nat, cidr: 250.0.0.0/24}\n",
            "spec.network.cidr: 250.0.0.0/24 is in the reserved (240.0.0.0/4) range"
        ),
        (
            "  placement: packed\n  network: {mode: nat, cidr: 10.0.0.0/24}\n",
            "spec.placement: \"packed\" is not one of spread, binpack"
        ),
    ])
    func problems(tail: String, message: String) {
        do {
            _ = try ClusterSpec.parse(Self.head + tail, file: "lab.yaml")
            Issue.record("parsed: \(tail)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("a hosts file lists hosts like a spec")
    func hostsFile() throws {
        let hosts = try ClusterHost.parseList("hosts:\n  - {name: a, uri: \"qemu:///system\", capacity: {memory: 4GiB}}\n", file: "hosts.yaml")
        #expect(hosts == [ClusterHost(name: "a", uri: "qemu:///system", capacity: .init(memory: .gibibytes(4)))])
        #expect(throws: ClusterSpecError.self) { try ClusterHost.parseList("hosts: []\n") }
    }
}
