import Provisioner
import Testing

/// A small valid spec; each case edits some of its lines (1-based) and names the issue expected.
enum SpecFixture {
    static let lines = [
        "apiVersion: kinvm.dev/v1alpha1",  // 1
        "kind: Cluster",  // 2
        "metadata:",  // 3
        "  name: lab",  // 4
        "spec:",  // 5
        "  kubernetes:",  // 6
        "    distribution: k3s",  // 7
        "  image: default/debian-12.qcow2",  // 8
        "  network:",  // 9
        "    mode: nat",  // 10
        "    cidr: 192.168.150.0/24",  // 11
        "  controlPlane:",  // 12
        "    vcpus: 2",  // 13
        "    memory: 2GiB",  // 14
        "  pools:",  // 15
        "    - name: workers",  // 16
        "      count: 2",  // 17
        "      vcpus: 1",  // 18
        "      memory: 1GiB",  // 19
    ]

    static var text: String { lines.joined(separator: "\n") + "\n" }

    /// The fixture with line `n` replaced by `changes[n]` (which may hold several lines, or be
    /// empty to delete the line).
    static func edited(_ changes: [Int: String]) -> String {
        lines.enumerated().compactMap { index, line -> String? in
            guard let change = changes[index + 1] else { return line }
            return change.isEmpty ? nil : change
        }.joined(separator: "\n") + "\n"
    }
}

struct SpecErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var changes: [Int: String]
    /// `LINE:COLUMN: PATH: ` and the start of the message.
    var expected: String
    var baseDirectory: String? = nil

    var testDescription: String { name }
}

@Suite("ClusterSpec errors")
struct ClusterSpecErrorTests {
    @Test func fixtureIsValid() throws {
        let spec = try ClusterSpec.parse(SpecFixture.text)
        #expect(spec.name == "lab")
        #expect(spec.pools.map(\.name) == ["workers"])
    }

    static let cases: [SpecErrorCase] = [
        .init(name: "apiVersion", changes: [1: "apiVersion: kinvm.dev/v1"],
              expected: "1:13: apiVersion: unsupported apiVersion \"kinvm.dev/v1\"; supported: kinvm.dev/v1alpha1"),
        .init(name: "kind", changes: [2: "kind: Pod"], expected: "2:7: kind: unsupported kind \"Pod\"; supported: Cluster"),
        .init(name: "missing apiVersion", changes: [1: ""], expected: "1:1: apiVersion: required field is missing"),
        .init(name: "name not a DNS label", changes: [4: "  name: Lab_1"],
              expected: "4:9: metadata.name: \"Lab_1\" is not a DNS label: it must consist of lower-case letters"),
        .init(name: "name too long", changes: [4: "  name: abcdefghijklmnopqrstu"],
              expected: "4:9: metadata.name: \"abcdefghijklmnopqrstu\" is 21 characters; a cluster name has at most 20"),
        .init(name: "missing image", changes: [8: ""], expected: "6:3: spec.image: required field is missing"),
        .init(name: "misspelt field", changes: [19: "      memroy: 1GiB"],
              expected: "19:7: spec.pools[0].memroy: unknown field \"memroy\"; did you mean \"memory\"?"),
        .init(name: "unknown field far from any", changes: [13: "    vcpus: 2\n    colour: blue"],
              expected: "14:5: spec.controlPlane.colour: unknown field \"colour\" (known fields here:"),
        .init(name: "quoted count", changes: [17: "      count: \"2\""],
              expected: "17:14: spec.pools[0].count: expected an integer, found the string \"2\" (write it without quotes)"),
        .init(name: "list for a mapping", changes: [9: "  network: [nat]", 10: "", 11: ""],
              expected: "9:12: spec.network: expected a mapping (key: value lines), found a list"),
        .init(name: "mapping for a list", changes: [15: "  pools: {}", 16: "", 17: "", 18: "", 19: ""],
              expected: "15:10: spec.pools: expected a list, found a mapping"),
        .init(name: "word for an integer", changes: [13: "    vcpus: two"],
              expected: "13:12: spec.controlPlane.vcpus: expected an integer, found the string \"two\""),
        .init(name: "number for a string", changes: [7: "    distribution: k3s\n    version: 1.30"],
              expected: "8:14: spec.kubernetes.version: expected a string, found the number 1.30 (quote it: \"1.30\")"),
        .init(name: "distribution", changes: [7: "    distribution: k3z"],
              expected: "7:19: spec.kubernetes.distribution: \"k3z\" is not one of k3s, kubeadm; did you mean \"k3s\"?"),
        .init(name: "virtType", changes: [8: "  image: default/debian-12.qcow2\n  virtType: xen"],
              expected: "9:13: spec.virtType: \"xen\" is not one of kvm, qemu"),
        .init(name: "image", changes: [8: "  image: debian-12.qcow2"],
              expected: "8:10: spec.image: \"debian-12.qcow2\" is not POOL/VOLUME"),
        .init(name: "duplicate pool", changes: [19: "      memory: 1GiB\n    - name: workers\n      count: 1\n      vcpus: 1\n      memory: 1GiB"],
              expected: "20:13: spec.pools[1].name: duplicate pool name \"workers\" (also spec.pools[0].name)"),
        .init(name: "pool named control-plane", changes: [16: "    - name: control-plane"],
              expected: "16:13: spec.pools[0].name: \"control-plane\" is reserved for the control plane"),
        .init(name: "pool named cp", changes: [16: "    - name: cp"],
              expected: "16:13: spec.pools[0].name: \"cp\" is reserved for the control plane"),
        .init(name: "pool name not a DNS label", changes: [16: "    - name: Workers"],
              expected: "16:13: spec.pools[0].name: \"Workers\" is not a DNS label"),
        .init(name: "node name too long (name)", changes: [4: "  name: abcdefghijklmnopqrst", 16: "    - name: " + String(repeating: "p", count: 41)],
              expected: "16:13: spec.pools[0].name: node names like \"abcdefghijklmnopqrst-\(String(repeating: "p", count: 41))-1\" would be 64 characters"),
        .init(name: "node name too long (count)", changes: [4: "  name: abcdefghijklmnopqrst", 16: "    - name: " + String(repeating: "p", count: 40), 17: "      count: 10"],
              expected: "17:14: spec.pools[0].count: node names like \"abcdefghijklmnopqrst-\(String(repeating: "p", count: 40))-10\" would be 64 characters"),
        .init(name: "count beyond the limit", changes: [17: "      count: 9223372036854775807"],
              expected: "17:14: spec.pools[0].count: 9223372036854775807 is above the limit of 500 nodes in a pool"),
        .init(name: "count beyond Int", changes: [17: "      count: 99999999999999999999999"],
              expected: "17:14: spec.pools[0].count: expected an integer"),
        .init(name: "vcpus beyond the limit", changes: [18: "      vcpus: 4611686018427387904"],
              expected: "18:14: spec.pools[0].vcpus: 4611686018427387904 is above the limit of 1024 vCPUs"),
        .init(name: "memory beyond the limit", changes: [19: "      memory: 17TiB"],
              expected: "19:15: spec.pools[0].memory: 17TiB is above the limit of 16TiB"),
        .init(name: "ttl beyond 100 years", changes: [5: "spec:\n  ttl: 999999999999999999d"],
              expected: "6:8: spec.ttl: \"999999999999999999d\" is not a duration: 999999999999999999 is too large"),
        .init(name: "ttl of 101 years", changes: [5: "spec:\n  ttl: 36865d"],
              expected: "6:8: spec.ttl: \"36865d\" is not a duration: it is longer than 100 years"),
        .init(name: "negative count", changes: [17: "      count: -1"],
              expected: "17:14: spec.pools[0].count: -1 is negative; a pool has 0 or more nodes"),
        .init(name: "missing pool count", changes: [17: ""], expected: "16:7: spec.pools[0].count: required field is missing"),
        .init(name: "control plane count", changes: [13: "    count: 2\n    vcpus: 2"],
              expected: "13:12: spec.controlPlane.count: 2: only one control-plane node is supported for now"),
        .init(name: "zero vcpus", changes: [18: "      vcpus: 0"], expected: "18:14: spec.pools[0].vcpus: 0 is less than 1"),
        .init(name: "vcpus above maxVCPUs", changes: [18: "      vcpus: 4\n      maxVCPUs: 2"],
              expected: "18:14: spec.pools[0].vcpus: 4 is above maxVCPUs (2)"),
        .init(name: "too little memory", changes: [19: "      memory: 32MiB"],
              expected: "19:15: spec.pools[0].memory: 32MiB is below the minimum of 64MiB"),
        .init(name: "memory above maxMemory", changes: [14: "    memory: 2GiB\n    maxMemory: 1GiB"],
              expected: "14:13: spec.controlPlane.memory: 2GiB is above maxMemory (1GiB)"),
        .init(name: "bad size", changes: [19: "      memory: 2XB"],
              expected: "19:15: spec.pools[0].memory: \"2XB\" is not a size: unknown unit 'XB'"),
        .init(name: "bad disk size", changes: [19: "      memory: 1GiB\n      disk: lots"],
              expected: "20:13: spec.pools[0].disk: \"lots\" is not a size: it does not start with a number"),
        .init(name: "CIDR host bits", changes: [11: "    cidr: 192.168.150.1/24"],
              expected: "11:11: spec.network.cidr: 192.168.150.1/24 has host bits set; the network is 192.168.150.0/24"),
        .init(name: "CIDR prefix", changes: [11: "    cidr: 10.0.0.0/8"],
              expected: "11:11: spec.network.cidr: /8 is outside /16…/28"),
        .init(name: "network too small", changes: [11: "    cidr: 192.168.150.0/28", 17: "      count: 20"],
              expected: "11:11: spec.network.cidr: 192.168.150.0/28 has room for "),
        .init(name: "network name", changes: [11: "    cidr: 192.168.150.0/24\n    name: my_net"],
              expected: "12:11: spec.network.name: \"my_net\" is not a DNS label"),
        .init(name: "bad label key", changes: [19: "      memory: 1GiB\n      labels: {\"-bad\": x}"],
              expected: "20:16: spec.pools[0].labels[\"-bad\"]: label key '-bad' is not valid"),
        .init(name: "bad label value", changes: [19: "      memory: 1GiB\n      labels: {tier: \"a b\"}"],
              expected: "20:16: spec.pools[0].labels.tier: value 'a b' of label 'tier' is not valid"),
        .init(name: "labels as a list", changes: [19: "      memory: 1GiB\n      labels: [tier=web]"],
              expected: "20:15: spec.pools[0].labels: expected a mapping of label keys to values, found a list"),
        .init(name: "bad taint", changes: [19: "      memory: 1GiB\n      taints: [nope]"],
              expected: "20:16: spec.pools[0].taints[0]: taint 'nope' has no effect"),
        .init(name: "bad taint effect", changes: [19: "      memory: 1GiB\n      taints: [\"a=b:Never\"]"],
              expected: "20:16: spec.pools[0].taints[0]: taint 'a=b:Never' has effect 'Never'"),
        .init(name: "airgap with kubeadm",
              changes: [7: "    distribution: kubeadm\n    k3s:\n      airgap:\n        binary: /opt/k3s\n        images: [/opt/i.tar]"],
              expected: "9:7: spec.kubernetes.k3s: k3s settings (air-gap) apply to distribution k3s only; this cluster uses kubeadm"),
        .init(name: "airgap without images",
              changes: [7: "    distribution: k3s\n    k3s:\n      airgap:\n        binary: /opt/k3s"],
              expected: "10:9: spec.kubernetes.k3s.airgap.images: required field is missing"),
        .init(name: "relative path without a base directory",
              changes: [7: "    distribution: k3s\n    k3s:\n      airgap:\n        binary: ./k3s\n        images: [/opt/i.tar]"],
              expected: "10:17: spec.kubernetes.k3s.airgap.binary: relative path \"./k3s\" needs the spec file's directory"),
        .init(name: "CNI that is no choice", changes: [7: "    distribution: k3s\n    cni: calico"],
              expected: "8:10: spec.kubernetes.cni: \"calico\" is not a CNI choice: use default, none, an http(s) URL of a manifest, or a manifest file"),
        .init(name: "CNI URL of another scheme", changes: [7: "    distribution: k3s\n    cni: ftp://example.com/cni.yaml"],
              expected: "8:10: spec.kubernetes.cni: \"ftp://example.com/cni.yaml\" is not an http(s) URL with a host"),
        .init(name: "CNI URL without a host", changes: [7: "    distribution: kubeadm\n    cni: https:///cni.yaml"],
              expected: "8:10: spec.kubernetes.cni: \"https:///cni.yaml\" is not an http(s) URL with a host"),
        .init(name: "CNI as a list", changes: [7: "    distribution: k3s\n    cni: [none]"],
              expected: "8:10: spec.kubernetes.cni: expected a string, found a list"),
        .init(name: "CNI file without a base directory", changes: [7: "    distribution: k3s\n    cni: ./calico.yaml"],
              expected: "8:10: spec.kubernetes.cni: relative path \"./calico.yaml\" needs the spec file's directory"),
        .init(name: "CNI under controlPlane", changes: [14: "    memory: 2GiB\n    cni: none"],
              expected: "15:5: spec.controlPlane.cni: unknown field \"cni\""),
        .init(name: "boot without kernel", changes: [8: "  image: default/debian-12.qcow2\n  boot:\n    initrd: /boot/initrd.img"],
              expected: "10:5: spec.boot.kernel: required field is missing"),
        .init(name: "missing key file", changes: [19: "      memory: 1GiB\n  sshKeyFiles: [/nonexistent/kinvm-test/id.pub]"],
              expected: "20:17: spec.sshKeyFiles[0]: /nonexistent/kinvm-test/id.pub does not exist"),
        .init(name: "not an SSH key", changes: [19: "      memory: 1GiB\n  sshKeys: [not-a-key]"],
              expected: "20:13: spec.sshKeys[0]: does not look like an SSH public key"),
        .init(name: "SSH key with bad data", changes: [19: "      memory: 1GiB\n  sshKeys: [\"ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 me\"]"],
              expected: "20:13: spec.sshKeys[0]: the key data does not hold a ssh-ed25519 key"),
        .init(name: "bad ttl", changes: [19: "      memory: 1GiB\n  ttl: 90x"],
              expected: "20:8: spec.ttl: \"90x\" is not a duration: unknown unit 'x'"),
        .init(name: "zero ttl", changes: [19: "      memory: 1GiB\n  ttl: 0"], expected: "20:8: spec.ttl: 0 is not a duration"),
        .init(name: "duplicate key", changes: [13: "    vcpus: 2\n    vcpus: 3"],
              expected: "13:5: duplicate key \"vcpus\" in a mapping; each field may appear only once"),
        .init(name: "merge key", changes: [13: "    <<: {vcpus: 2}"],
              expected: "13:5: spec.controlPlane.<<: merge keys (<<) are not supported"),
        .init(name: "YAML syntax", changes: [13: "    vcpus: [2"], expected: "14:11: not valid YAML:"),
        .init(name: "empty string", changes: [8: "  image: default/debian-12.qcow2\n  connection: \"\""],
              expected: "9:15: spec.connection: must not be empty"),
    ]

    @Test(arguments: cases)
    func reportsTheFieldAndPosition(_ testCase: SpecErrorCase) throws {
        let text = SpecFixture.edited(testCase.changes)
        let error = try #require(throws: ClusterSpecError.self) {
            try ClusterSpec.parse(text, baseDirectory: testCase.baseDirectory)
        }
        #expect(
            error.issues.contains { $0.description.hasPrefix(testCase.expected) },
            "expected an issue starting \(testCase.expected)\ngot:\n\(error)\nin:\n\(text)")
    }

    @Test func fileNamePrefixesEveryIssue() throws {
        let error = try #require(throws: ClusterSpecError.self) {
            try ClusterSpec.parse(SpecFixture.edited([19: "      memory: 2XB"]), file: "cluster.yaml")
        }
        #expect(error.description == """
            cluster.yaml:19:15: spec.pools[0].memory: "2XB" is not a size: unknown unit 'XB' (examples: 512MiB, 2GiB, 2G)
            """)
    }

    @Test func reportsEveryProblemTogether() throws {
        let text = SpecFixture.edited([
            1: "apiVersion: v2",
            7: "    distribution: k3z",
            13: "    vcpus: \"2\"",
            17: "      count: -3",
            19: "      memroy: 1GiB",
        ])
        let error = try #require(throws: ClusterSpecError.self) { try ClusterSpec.parse(text, file: "c.yaml") }
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(lines.count == error.issues.count)
        let prefixes = [
            "c.yaml:1:13: apiVersion:", "c.yaml:7:19: spec.kubernetes.distribution:", "c.yaml:13:12: spec.controlPlane.vcpus:",
            "c.yaml:17:14: spec.pools[0].count:", "c.yaml:19:7: spec.pools[0].memroy:", "c.yaml:16:7: spec.pools[0].memory:",
        ]
        for prefix in prefixes {
            #expect(lines.contains { $0.hasPrefix(prefix) }, "no issue starting \(prefix) in\n\(error)")
        }
        #expect(error.issues.count == prefixes.count, "\(error)")
    }

    @Test("a bad size does not hide another in the same group") func sizesCheckedOnTheirOwn() throws {
        let text = SpecFixture.edited([18: "      vcpus: 0", 19: "      memory: 1XB"])
        let error = try #require(throws: ClusterSpecError.self) { try ClusterSpec.parse(text, file: "c.yaml") }
        #expect(error.issues.map(\.path).sorted() == ["spec.pools[0].memory", "spec.pools[0].vcpus"], "\(error)")
    }

    @Test func suggestsTheClosestField() throws {
        let error = try #require(throws: ClusterSpecError.self) {
            try ClusterSpec.parse(SpecFixture.edited([11: "    cidr: 192.168.150.0/24\n    nmae: net", 13: "    vcpu: 2"]))
        }
        #expect(error.issues.map(\.message).contains { $0.hasPrefix("unknown field \"nmae\"; did you mean \"name\"?") })
        #expect(error.issues.map(\.message).contains { $0.hasPrefix("unknown field \"vcpu\"; did you mean \"vcpus\"?") })
    }

    @Test func keyFileWithoutKeys() throws {
        let directory = try SpecTempDirectory()
        try directory.write("empty.pub", "# no keys here\n\n")
        let error = try #require(throws: ClusterSpecError.self) {
            try ClusterSpec.parse(
                SpecFixture.edited([19: "      memory: 1GiB\n  sshKeyFiles: [empty.pub]"]), baseDirectory: directory.path)
        }
        #expect(error.description == "20:17: spec.sshKeyFiles[0]: \(directory.path)/empty.pub holds no SSH public key")
    }

    @Test func bridgesToProvisionerError() throws {
        let error = try #require(throws: ClusterSpecError.self) {
            try ClusterSpec.parse(SpecFixture.edited([13: "    vcpus: 0", 19: "      memory: 1XB"]))
        }
        let bridged = ProvisionerError.spec(error)
        #expect(bridged.code == .invalidArgument)
        #expect(bridged.message == "invalid cluster spec (2 problems):\n\(error.description)")
    }
}
