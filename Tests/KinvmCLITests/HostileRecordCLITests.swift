import Foundation
import KinvmTestSupport
import Testing

/// Cluster records live in libvirt network metadata: anyone who can write a network on a host can
/// write one. Through the real binary, records that name other hosts (a listening canary socket,
/// a URI that would run a program) must never make kinvm connect there: only the hosts the user
/// names are opened, and the others are reported as not opened.
@Suite("Cluster records never widen where kinvm connects (real binary, test driver)")
struct HostileRecordCLITests {
    let directory: String = {
        // Short: a unix socket path must fit in 108 bytes.
        let path = "/tmp/kinvm-rec-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A host file holding cluster `evil` (a network whose record names this host as h1 and
    /// `h2URI` as h2, past its TTL; one control-plane guest here), cluster `evil2` (a record
    /// naming a host whose URI runs `program`), and a foreign domain.
    func host(h2URI: String, program: String) throws -> String {
        let path = "\(directory)/h1.xml"
        let uri = "test://\(path)"
        func spec(_ name: String, hosts: [(String, String)]) -> String {
            let list = hosts.map { "    - {name: \($0.0), uri: \"\($0.1)\"}" }.joined(separator: "\n")
            return """
                apiVersion: kinvm.dev/v1alpha1
                kind: Cluster
                metadata: {name: \(name)}
                spec:
                  hosts:
                \(list)
                  kubernetes: {distribution: kubeadm}
                  image: images/base.qcow2
                  network: {mode: bridged, bridge: br-kinvm, cidr: 10.251.0.0/24, addresses: 10.251.0.100-10.251.0.120, gateway: 10.251.0.1}
                  controlPlane: {vcpus: 1, memory: 512MiB}
                  pools:
                    - {name: workers, count: 1, vcpus: 1, memory: 256MiB}
                """
        }
        func network(_ cluster: String, spec: String) -> String {
            let escaped = spec.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            return """
                  <network>
                    <name>kinvm-\(cluster)</name>
                    <metadata><kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="\(cluster)" \
                created="2020-01-01T00:00:00Z" ttl="60" generation="1"><kinvm:spec>\(escaped)</kinvm:spec>\
                <kinvm:placement node="\(cluster)-cp-1" host="h1"/><kinvm:placement node="\(cluster)-workers-1" host="h2"/>\
                </kinvm:cluster></metadata>
                    <forward mode='bridge'/>
                    <bridge name='br-kinvm'/>
                  </network>
                """
        }
        let guest = TestDriverHost.domain(
            name: "evil-cp-1", mac: "52:54:00:00:0e:01",
            metadata: """
                <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="evil" \
                role="control-plane" pool="control-plane" created="2020-01-01T00:00:00Z" join="kubeadm"/></metadata>
                """)
        let foreign = TestDriverHost.domain(name: "someone-elses", mac: "52:54:00:00:0e:02")
        let xml = TestDriverHost.document([
            guest, foreign,
            network("evil", spec: spec("evil", hosts: [("h1", uri), ("h2", h2URI)])),
            network("evil2", spec: spec("evil2", hosts: [("h1", uri), ("h3", "qemu+ext:///system?command=\(program)")])),
        ])
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return uri
    }

    @Test("list, get, logs, scale, kubeconfig, delete and gc open only the -c host; the others are shown as not opened")
    func recordsDoNotWiden() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let canary = try ConnectionCanary(path: "\(directory)/canary.sock")
        let ran = "\(directory)/program-ran"
        let program = "\(directory)/program.sh"
        try "#!/bin/sh\ntouch '\(ran)'\n".write(toFile: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        let uri = try host(h2URI: "qemu+unix:///system?socket=\(canary.path)", program: program)
        let kubeconfig = "\(directory)/kubeconfig"
        // Exit 0 or 1 (a cluster half out of reach is not a usage error); never a crash.
        let commands: [[String]] = [
            ["cluster", "list", "-o", "json"], ["cluster", "get", "evil", "-o", "json"], ["cluster", "get", "evil2"],
            ["cluster", "logs", "evil", "--dir", "\(directory)/logs"], ["cluster", "scale", "evil", "--pool", "workers=2"],
            ["cluster", "kubeconfig", "evil"], ["cluster", "delete", "evil", "evil2", "--retries", "0"], ["gc", "--dry-run"], ["gc"],
        ]
        for command in commands {
            let result = try CLIRunner.run(command + ["-c", uri], environment: ["KUBECONFIG": kubeconfig])
            let shown = "kinvm \(command.joined(separator: " ")) exited \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)"
            #expect(canary.connections() == 0, "\(shown)")
            #expect(!FileManager.default.fileExists(atPath: ran), "\(shown)")
            #expect(result.status == 0 || result.status == 1, "\(shown)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(shown)")
        }

        let list = try CLIRunner.run(["cluster", "list", "-o", "json", "-c", uri])
        #expect(list.stderr.contains("host(s) h2 named only by a cluster record were not opened"), "\(list.stderr)")
        let clusters = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let evil = try #require(clusters.first { $0["name"] as? String == "evil" })
        let unreachable = try #require(evil["unreachableHosts"] as? [String: String], "\(evil)")
        #expect(unreachable.keys.sorted() == ["h2"] && unreachable["h2"]?.contains("not opened") == true, "\(unreachable)")
        #expect(evil["status"] as? String == "incomplete")

        // delete: the guest on the given host goes, the record stays marked, h2 is named as not opened.
        let delete = try CLIRunner.run(["cluster", "delete", "evil", "--retries", "0", "-c", uri], environment: ["KUBECONFIG": kubeconfig])
        #expect(delete.stdout.contains("partly deleted cluster evil: 1 guests") && delete.stdout.contains("not reached: h2"), "\(delete.stdout)")
        #expect(delete.stderr.contains("cluster evil: host h2 was not opened: only the cluster's record names it"), "\(delete.stderr)")
        #expect(!delete.stderr.contains("did not answer"), "\(delete.stderr)")
        #expect(canary.connections() == 0)

        // The same with the host named: now it is opened (and answers nothing libvirt can use).
        let hosts = "\(directory)/hosts.yaml"
        try "hosts:\n  - {name: h1, uri: \"\(uri)\"}\n  - {name: h2, uri: \"qemu+unix:///system?socket=\(canary.path)\"}\n"
            .write(toFile: hosts, atomically: true, encoding: .utf8)
        _ = try CLIRunner.run(["cluster", "list", "--hosts", hosts, "--connect-timeout", "1s"])
        #expect(canary.connections() >= 1, "a named host is opened: the canary itself works")
    }
}
