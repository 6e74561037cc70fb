import CloudInit
import Foundation
import Testing
import Yams

@testable import Provisioner

/// `spec.kubernetes.cni`: read from the spec, written back in the canonical YAML, and carried into
/// the control plane's cloud-config (`ClusterManager.controlPlaneCNI`, `ControlPlaneRenderer`).
@Suite("Cluster spec: the pod network (kubernetes.cni)")
struct ClusterCNITests {
    static let base = "/srv/specs"

    /// The fixture spec with `cni:` under `kubernetes` (no line when nil) and the distribution given.
    static func spec(_ cni: String?, distribution: String = "k3s") -> String {
        SpecFixture.edited([7: "    distribution: \(distribution)" + (cni.map { "\n    cni: \($0)" } ?? "")])
    }

    static let home = FileManager.default.homeDirectoryForCurrentUser.path

    static let accepted: [(String?, ClusterSpec.Kubernetes.CNI)] = [
        (nil, .distributionDefault),
        ("default", .distributionDefault),
        ("none", .userProvided),
        ("https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/calico.yaml", .url("https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/calico.yaml")),
        ("\"http://mirror.lab:8080/cni's.yaml?ref=1\"", .url("http://mirror.lab:8080/cni's.yaml?ref=1")),
        ("./cni/calico.yaml", .file("/srv/specs/cni/calico.yaml")),
        ("../cilium.yml", .file("/srv/cilium.yml")),
        ("weave.json", .file("/srv/specs/weave.json")),
        ("/etc/kinvm/cni.yaml", .file("/etc/kinvm/cni.yaml")),
        ("~/cni/flannel.yaml", .file(home + "/cni/flannel.yaml")),
    ]

    @Test("each form parses to its choice and comes back the same from the canonical YAML", arguments: accepted)
    func parsesAndRoundTrips(value: String?, expected: ClusterSpec.Kubernetes.CNI) throws {
        let spec = try ClusterSpec.parse(Self.spec(value), baseDirectory: Self.base)
        #expect(spec.kubernetes.cni == expected)
        let text = spec.yaml()
        #expect(text.contains("\n    cni: "), "\(text)")
        let again = try ClusterSpec.parse(text)
        #expect(again == spec)
        #expect(again.yaml() == text)
    }

    @Test("the default is spelled out in the canonical YAML")
    func defaultSpelledOut() throws {
        let text = try ClusterSpec.parse(Self.spec(nil)).yaml()
        #expect(text.contains("  kubernetes:\n    distribution: k3s\n    cni: default\n"), "\(text)")
    }

    // MARK: Into the control plane

    static let templates = ControlPlaneRenderTests.templates

    /// The control plane's cloud-config for a spec, as the cluster manager renders it.
    static func cloudConfig(_ yaml: String, baseDirectory: String? = nil) throws -> (cloud: [String: Any], k3s: [String: Any]?) {
        let spec = try ClusterSpec.parse(yaml, baseDirectory: baseDirectory)
        let controlPlane = ControlPlaneSpec(
            distribution: spec.kubernetes.distribution == .k3s ? .k3s : .kubeadm, nodeName: "lab-cp-1", nodeIP: "192.168.150.10",
            cni: try ClusterManager.controlPlaneCNI(spec.kubernetes.cni))
        let config = try ControlPlaneRenderer.render(controlPlane, searchPath: [templates], sshAuthorizedKeys: [])
        let cloud = try #require(try Yams.load(yaml: try config.yaml()) as? [String: Any])
        let files = cloud["write_files"] as? [[String: Any]] ?? []
        let k3s = files.first { $0["path"] as? String == "/etc/rancher/k3s/config.yaml" }?["content"] as? String
        return (cloud, try k3s.map { try #require(try Yams.load(yaml: $0) as? [String: Any]) })
    }

    static func lastCommand(_ cloud: [String: Any]) -> String? {
        (cloud["runcmd"] as? [Any])?.last as? String
    }

    static func filePaths(_ cloud: [String: Any]) -> [String] {
        (cloud["write_files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    @Test("k3s: default keeps its flannel and applies nothing; none turns flannel off and applies nothing")
    func k3sDefaultAndNone() throws {
        let standard = try Self.cloudConfig(Self.spec("default"))
        #expect(standard.k3s?["flannel-backend"] == nil)
        #expect(standard.k3s?["disable-network-policy"] == nil)
        #expect(Self.lastCommand(standard.cloud)?.contains("apply -f") != true)

        let none = try Self.cloudConfig(Self.spec("none"))
        #expect(none.k3s?["flannel-backend"] as? String == "none")
        #expect(none.k3s?["disable-network-policy"] as? Bool == true)
        #expect(!((none.cloud["runcmd"] as? [Any]) ?? []).contains { ($0 as? String)?.contains("apply -f") == true })
        #expect(!Self.filePaths(none.cloud).contains(ControlPlaneRenderer.cniManifestPath))
    }

    @Test("k3s with a manifest URL: flannel off, the URL applied with k3s' kubectl, quoted")
    func k3sURL() throws {
        let rendered = try Self.cloudConfig(Self.spec("\"https://example.com/cni's.yaml\""))
        #expect(rendered.k3s?["flannel-backend"] as? String == "none")
        #expect(
            Self.lastCommand(rendered.cloud)
                == #"if [ -s /etc/rancher/k3s/k3s.yaml ]; then k3s kubectl --kubeconfig /etc/rancher/k3s/k3s.yaml apply -f 'https://example.com/cni'\''s.yaml'; fi"#)
    }

    @Test("kubeadm: default applies flannel's manifest, none applies nothing")
    func kubeadmDefaultAndNone() throws {
        let standard = try Self.cloudConfig(Self.spec(nil, distribution: "kubeadm"))
        #expect(Self.lastCommand(standard.cloud)?.hasSuffix("apply -f '\(ControlPlaneSpec.flannelManifest)'; fi") == true)
        let none = try Self.cloudConfig(Self.spec("none", distribution: "kubeadm"))
        #expect((none.cloud["runcmd"] as? [Any])?.count == 1)
    }

    @Test("a manifest file is read when the control plane is made, written into the guest and applied from there")
    func manifestFile() throws {
        let directory = try SpecTempDirectory()
        let manifest = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: my-cni\n"
        try directory.write("my-cni.yaml", manifest)
        for distribution in ["kubeadm", "k3s"] {
            let rendered = try Self.cloudConfig(Self.spec("./my-cni.yaml", distribution: distribution), baseDirectory: directory.path)
            let files = try #require(rendered.cloud["write_files"] as? [[String: Any]])
            let file = try #require(files.first { $0["path"] as? String == ControlPlaneRenderer.cniManifestPath })
            #expect(file["content"] as? String == manifest)
            #expect(file["permissions"] as? String == "0644")
            #expect(Self.lastCommand(rendered.cloud)?.hasSuffix("apply -f '/etc/kinvm/cni.yaml'; fi") == true)
            if distribution == "k3s" { #expect(rendered.k3s?["flannel-backend"] as? String == "none") }
        }
    }

    @Test("a manifest file that cannot be read stops the create, naming the file and the field")
    func unreadableManifest() throws {
        let error = try #require(throws: ProvisionerError.self) {
            try ClusterManager.controlPlaneCNI(.file("/nonexistent/kinvm-test/cni.yaml"))
        }
        #expect(error.code == .fileUnreadable)
        #expect(error.message.hasPrefix("cannot read the CNI manifest (spec.kubernetes.cni) /nonexistent/kinvm-test/cni.yaml: "))
    }
}
