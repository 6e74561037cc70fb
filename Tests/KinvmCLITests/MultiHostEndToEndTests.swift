import Foundation
import KinvmTestSupport
import Libvirt
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Three libvirt "hosts" from scripts/lab-hosts.sh: each a libvirtd in network and mount
/// namespaces of its own, joined at layer 2 by veths and a bridge with the lab namespace; the
/// third is reached through qemu+ssh (a real sshd on the lab namespace's loopback, key
/// authentication, host key checked). kinvm and kubectl run in the lab namespace, which holds the
/// segment's 10.251.0.1; nothing leaves these namespaces.
enum MultiHost {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled =
        environment["KINVM_INTEGRATION"] == "1" && environment["KINVM_NODE_IMAGE"] != nil && environment["KINVM_LAB_NETNS"] != nil
        && environment["KINVM_LAB_SSH_PATH"] != nil
        && hosts.count >= 3
    static var netns: String { environment["KINVM_LAB_NETNS"] ?? "" }
    /// Host name -> the URI kinvm uses (the last one qemu+ssh).
    static var hosts: [(name: String, uri: String)] {
        (environment["KINVM_LAB_HOSTS"] ?? "").split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }
    /// The unix socket of a host's libvirtd, for the test's own checks (works from any namespace).
    static func socketURI(_ host: String) -> String { "qemu+unix:///system?socket=/run/kinvm/\(host)/libvirt-sock" }
    static let labScript = URL(fileURLWithPath: CLIRunner.repository + "/scripts/lab-hosts.sh")

    /// `kinvm ARGS` in the lab namespace, the lab's `ssh` first in PATH (its key and
    /// known_hosts, as a user's ~/.ssh/config would give: kinvm refuses `command=` in URIs).
    @discardableResult
    static func kinvm(
        _ arguments: [String], environment: [String: String] = [:], expect status: Int32? = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CLIRunner.Result {
        var environment = environment
        if let sshPath = Self.environment["KINVM_LAB_SSH_PATH"], environment["PATH"] == nil {
            environment["PATH"] = sshPath + ":" + (Self.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin")
        }
        return try await NetnsCommand.kinvm(arguments, in: netns, environment: environment, expect: status, sourceLocation: sourceLocation)
    }

    @discardableResult
    static func kubectl(_ arguments: [String], kubeconfig: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> CLIRunner.Result
    {
        try await NetnsCommand.kubectl(arguments, kubeconfig: kubeconfig, in: netns, sourceLocation: sourceLocation)
    }

    /// `scripts/lab-hosts.sh ARGS`, spawned and waited for with posix_spawn/waitpid, its output in a
    /// file: `resume` starts a daemon, and Foundation's Process was seen never to notice the
    /// script's exit then (the test hung on a zombie).
    static func lab(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let log = (environment["KINVM_TEST_WORKDIR"] ?? NSTemporaryDirectory()) + "/lab-hosts-\(UUID().uuidString).log"
        let command = ([labScript.path] + arguments).map { "'\($0)'" }.joined(separator: " ") + " </dev/null >'\(log)' 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var pid: pid_t = 0
                let words: [String] = ["/bin/sh", "-c", command]
                let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
                defer { argv.forEach { free($0) } }
                guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return continuation.resume(returning: -1) }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                continuation.resume(returning: (status >> 8) & 0xff)
            }
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "lab-hosts.sh \(arguments) exited \(status): \(output)", sourceLocation: sourceLocation)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }
}

@Suite("kinvm cluster over three libvirt hosts (two on unix sockets, one over qemu+ssh), end to end",
    .enabled(if: MultiHost.enabled), .timeLimit(.minutes(60)))
struct MultiHostEndToEndTests {
    let name = "mh" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(5))
    var poolName: String { "\(name)-pool" }

    /// k3s, air-gapped (the stand-in as the k3s binary), bridged over the lab segment, spread
    /// over the three hosts; the image and boot files come from this machine through streams.
    func spec(base: String, edges: Int, edgeMemory: String = "640MiB") -> String {
        let environment = MultiHost.environment
        let hosts = MultiHost.hosts.prefix(3).map { "    - {name: \($0.name), uri: \"\($0.uri)\", capacity: {memory: 2GiB}}" }
        return """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: \(name)}
            spec:
              hosts:
            \(hosts.joined(separator: "\n"))
              placement: spread
              virtType: qemu
              kubernetes:
                distribution: k3s
                k3s:
                  airgap:
                    binary: \(CLIRunner.repository)/Tests/Support/standin-node/standin-node.py
                    images: [\(base)/k3s-airgap-images-amd64.tar.zst]
              image: \(poolName)/node.qcow2
              imageSource: {file: \(environment["KINVM_NODE_IMAGE"] ?? "")}
              boot:
                kernel: \(environment["KINVM_NODE_KERNEL"] ?? "")
                initrd: \(environment["KINVM_NODE_INITRD"] ?? "")
                cmdline: "\(environment["KINVM_NODE_CMDLINE"] ?? "root=/dev/vda rw console=ttyS0")"
              network: {mode: bridged, bridge: br-kinvm, cidr: 10.251.0.0/24, addresses: 10.251.0.100-10.251.0.150, gateway: 10.251.0.1}
              controlPlane: {vcpus: 1, memory: 768MiB}
              pools:
                - {name: edge, count: \(edges), vcpus: 1, memory: \(edgeMemory), maxMemory: 1GiB, labels: {site: edge}}
              ttl: 2h

            """
    }

    @Test("create 1+3 over three hosts → scale down to 1+2 → a host taken down during apply (reported, the rest resized) → delete with a host down (kept, marked) → gc once it is back: nothing left anywhere")
    func lifecycle() async throws {
        try await GuestSlots.withSlots(3, for: "multi-host end to end", minutes: 11) {
            let base = (MultiHost.environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/\(name)"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let hosts = Array(MultiHost.hosts.prefix(3))
            var connections: [String: Connection] = [:]
            var pools: [String: StoragePool] = [:]
            for host in hosts {
                let connection = try await Connection.open(MultiHost.socketURI(host.name))
                connections[host.name] = connection
                pools[host.name] = try await EndToEnd.makePool(poolName, path: "\(base)/pool-\(host.name)", on: connection)
            }
            defer {
                let (connections, name, poolName) = (connections, name, poolName)
                Task {
                    for host in hosts { try? await MultiHost.lab(["resume", host.name]) }
                    _ = try? await CLIRunner.runDetached(
                        ["netns", "exec", MultiHost.netns, CLIRunner.binary.path, "cluster", "delete", name, "--ignore-not-found",
                         "-c", MultiHost.socketURI(hosts[0].name)], executable: NetnsCommand.ip)
                    for connection in connections.values { await connection.close() }
                    // Fresh connections: a host taken down and back has closed the old ones.
                    for host in hosts {
                        guard let connection = try? await Connection.open(MultiHost.socketURI(host.name)),
                            let pool = try? await connection.storagePool(named: poolName)
                        else { continue }
                        for volume in (try? await pool.allVolumes()) ?? [] { try? await volume.delete() }
                        try? await pool.destroy()
                        try? await pool.undefine()
                        await connection.close()
                    }
                }
            }
            try Data((0..<4096).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: "\(base)/k3s-airgap-images-amd64.tar.zst"))
            let specFile = "\(base)/cluster.yaml"
            try spec(base: base, edges: 3).write(toFile: specFile, atomically: true, encoding: .utf8)
            let (h1, h2, h3) = (hosts[0].name, hosts[1].name, hosts[2].name)
            let cp = "\(name)-cp-1"
            let edges = (1...3).map { "\(name)-edge-\($0)" }

            // Every host answers, the ssh one too; nothing of kinvm's there yet.
            let before = try await MultiHost.kinvm(["host", "list", "-f", specFile, "-o", "json"]).stdout
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(before.utf8)) as? [[String: Any]])
            #expect(listed.map { $0["name"] as? String } == [h1, h2, h3])
            #expect(listed.allSatisfy { $0["reachable"] as? Bool == true && $0["reason"] == nil }, "\(before)")

            // create 1+3: spread puts the first three nodes on a host each, the fourth on h1.
            let created = try MultiHost.object(
                try await MultiHost.kinvm(["cluster", "create", "-f", specFile, "--wait", "25m", "-o", "json"]).stdout)
            #expect(created["apiServer"] as? String == "https://10.251.0.100:6443")
            let kubeconfig = "\(base)/kubeconfig"
            try (created["kubeconfig"] as? String ?? "").write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            try await expectPlacement([cp: h1, edges[0]: h2, edges[1]: h3, edges[2]: h1], hosts: hosts)

            // The image and the boot files went to each host through libvirt streams.
            for host in hosts {
                let volumes = try await pools[host.name]!.allVolumes().map(\.name)
                for expected in ["node.qcow2", "node.qcow2.kernel", "node.qcow2.initrd"] {
                    #expect(volumes.contains(expected), "\(host.name): \(volumes)")
                }
            }
            // Nodes on different hosts joined one cluster over the bridged segment.
            try await expectReady([cp] + edges, kubeconfig: kubeconfig)
            let binary = CLIRunner.repository + "/Tests/Support/standin-node/standin-node.py"
            let expected = String(try await CLIRunner.runDetached([binary], executable: URL(fileURLWithPath: "/usr/bin/sha256sum")).stdout.prefix(64))
            let inGuest = try await MultiHost.kinvm(["vm", "exec", edges[1], "-c", hosts[2].uri, "--", "sha256sum", "/usr/local/bin/k3s"]).stdout
            #expect(expected.count == 64 && inGuest.hasPrefix(expected), "\(inGuest)")

            // One host's URI only: the record there names the other two, which are reported, not
            // opened (records never widen where kinvm connects).
            let partial = try await MultiHost.kinvm(["cluster", "get", name, "-o", "json", "-c", MultiHost.socketURI(h2)])
            #expect(partial.stderr.contains("host(s) \(h1), \(h3) named only by a cluster record were not opened"), "\(partial.stderr)")
            let unopened = try MultiHost.object(partial.stdout)["unreachableHosts"] as? [String: String] ?? [:]
            #expect(unopened.keys.sorted() == [h1, h3] && unopened.values.allSatisfy { $0.contains("not opened") }, "\(unopened)")
            // scale down over the hosts file: the node on h1 is drained and removed there.
            try await MultiHost.kinvm(["cluster", "scale", name, "--pool", "edge=2", "--hosts", try hostsFile(base)])
            try await expectPlacement([cp: h1, edges[0]: h2, edges[1]: h3], hosts: hosts)
            try await expectReady([cp, edges[0], edges[1]], kubeconfig: kubeconfig)
            #expect(try await connections[h1]!.domainIfPresent(named: edges[2]) == nil)
            // Where a third node would go now: h1 again (the fewest nodes, then the most memory left).
            let dryRunSpec = "\(base)/cluster-3.yaml"
            try spec(base: base, edges: 3).write(toFile: dryRunSpec, atomically: true, encoding: .utf8)
            let plan = try await MultiHost.kinvm(["cluster", "apply", "-f", dryRunSpec, "--dry-run"]).stdout
            #expect(plan.contains("\(edges[2]) would be placed on host \(h1) (spread)"), "\(plan)")
            // cluster logs: consoles through libvirt (the ssh host's too), journals through the agents.
            let logs = "\(base)/logs"
            let report = try MultiHost.object(
                try await MultiHost.kinvm(["cluster", "logs", name, "--dir", logs, "-o", "json", "--hosts", try hostsFile(base)]).stdout)
            let files = Set((report["nodes"] as? [[String: Any]] ?? []).flatMap { $0["files"] as? [String] ?? [] })
            for file in ["\(cp)/console.log", "\(cp)/k3s.journal.log", "\(edges[1])/console.log", "\(edges[1])/cloud-init-output.log",
                         "\(edges[1])/k3s-agent.journal.log"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: "\(logs)/\(file)")[.size] as? Int) ?? 0
                #expect(files.contains(file) && size > 0, "\(file) in \(files.sorted())")
            }
            let clusterList = try await MultiHost.kinvm(["cluster", "list", "--hosts", try hostsFile(base)]).stdout
            #expect(clusterList.contains("\(h1),\(h2),\(h3)"), "\(clusterList)")
            // node list over the hosts: each node (the control plane too) with the host its guest is on.
            let nodeList = try await MultiHost.kinvm(["node", "list", "--hosts", try hostsFile(base), "--kubeconfig", kubeconfig, "-o", "json"]).stdout
            let nodeHosts = (try JSONSerialization.jsonObject(with: Data(nodeList.utf8)) as? [[String: Any]] ?? []).map {
                [$0["name"] as? String ?? "?", ($0["guest"] as? [String: Any])?["host"] as? String ?? "?", $0["nodeStatus"] as? String ?? "?"]
            }
            #expect(nodeHosts == [[cp, h1, "Ready"], [edges[0], h2, "Ready"], [edges[1], h3, "Ready"]], "\(nodeList)")

            // apply a live resize; h2 goes down once kinvm has connected and written the record.
            let resized = "\(base)/cluster-resized.yaml"
            try spec(base: base, edges: 2, edgeMemory: "800MiB").write(toFile: resized, atomically: true, encoding: .utf8)
            let pause = "\(base)/pause"
            let apply = Task {
                try await MultiHost.kinvm(
                    ["cluster", "apply", "-f", resized],
                    environment: ["KINVM_PAUSE_AT": "cluster.apply-planned", "KINVM_PAUSE_FILE": pause], expect: nil)
            }
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: pause), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(FileManager.default.fileExists(atPath: pause), "apply never reached cluster.apply-planned")
            try await MultiHost.lab(["down", h2])
            try FileManager.default.removeItem(atPath: pause)
            let outcome = try await apply.value
            #expect(outcome.status == 1, "\(outcome.stdout)\n\(outcome.stderr)")
            #expect(outcome.stderr.contains("\(edges[0])") && outcome.stderr.contains("host \(h2)"), "\(outcome.stderr)")
            for node in [edges[1]] {
                let guest = try MultiHost.object(try await MultiHost.kinvm(["vm", "get", node, "-c", MultiHost.socketURI(placementHost(node, cp: cp, edges: edges, hosts: hosts)), "-o", "json"]).stdout)
                #expect(guest["maxMemoryBytes"] as? Int == 1 << 30)
                #expect((guest["memoryBytes"] as? Int).map { abs($0 - 800 << 20) < 8 << 20 } == true, "\(node): \(guest)")
            }
            // Back up: the same apply now resizes the node that was missed.
            try await MultiHost.lab(["resume", h2])
            try await MultiHost.kinvm(["cluster", "apply", "-f", resized])
            let first = try MultiHost.object(try await MultiHost.kinvm(["vm", "get", edges[0], "-c", MultiHost.socketURI(h2), "-o", "json"]).stdout)
            #expect((first["memoryBytes"] as? Int).map { abs($0 - 800 << 20) < 8 << 20 } == true, "\(first)")

            // delete while h3 (the ssh host) is down: everything else goes, the record stays, marked.
            try await MultiHost.lab(["down", h3])
            let deletion = try await MultiHost.kinvm(
                ["cluster", "delete", name, "--retries", "1", "--retry-interval", "1s", "--connect-timeout", "10s", "--hosts", try hostsFile(base)],
                expect: 1)
            #expect(deletion.stdout.contains("partly deleted cluster \(name)") && deletion.stderr.contains("host \(h3) did not answer"), "\(deletion.stdout)\n\(deletion.stderr)")
            let pending = try #require(
                try JSONSerialization.jsonObject(with: Data(try await MultiHost.kinvm(["cluster", "list", "-o", "json", "--hosts", try hostsFile(base)]).stdout.utf8))
                    as? [[String: Any]])
            let entry = try #require(pending.first { $0["name"] as? String == name })
            #expect(entry["status"] as? String == "deleting" && entry["pendingDelete"] as? [String] == [h3], "\(entry)")
            for host in [h1, h2] {
                let connection = try await Connection.open(MultiHost.socketURI(host))
                #expect(try await connection.allDomains().filter { $0.name.hasPrefix(name) }.isEmpty, "\(host)")
                await connection.close()
            }
            // h3 is back: gc over the hosts finishes the deletion on every host.
            try await MultiHost.lab(["resume", h3])
            let gc = try await MultiHost.kinvm(["gc", "--hosts", try hostsFile(base)])
            #expect(gc.stdout.contains("deleted cluster \(name)"), "\(gc.stdout)")
            for host in hosts {
                let connection = try await Connection.open(MultiHost.socketURI(host.name))
                #expect(try await connection.allDomains().filter { $0.name.hasPrefix(name) }.isEmpty, "\(host.name): domains left")
                #expect(try await connection.networkIfPresent(named: "kinvm-\(name)") == nil, "\(host.name): network left")
                let left = try await connection.storagePool(named: poolName).allVolumes().map(\.name).sorted()
                #expect(left == ["node.qcow2", "node.qcow2.initrd", "node.qcow2.kernel"], "\(host.name): \(left)")
                let logs = (MultiHost.environment["KINVM_INSTANCES_DIR"] ?? "/var/lib/kinvm-instances") + "/\(host.name)/log/qemu"
                // kinvm's console logs; QEMU's own NAME.log stays, as libvirt keeps it for every domain.
                let consoles = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).filter {
                    $0.hasPrefix(name) && $0.hasSuffix("-console.log")
                }
                #expect(consoles.isEmpty, "\(host.name): \(consoles)")
                await connection.close()
            }
        }
    }

    func hostsFile(_ base: String) throws -> String {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let path = "\(base)/hosts.yaml"
        let lines = MultiHost.hosts.prefix(3).map { "  - {name: \($0.name), uri: \"\($0.uri)\"}" }
        try ("hosts:\n" + lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func placementHost(_ node: String, cp: String, edges: [String], hosts: [(name: String, uri: String)]) -> String {
        [cp: hosts[0].name, edges[0]: hosts[1].name, edges[1]: hosts[2].name, edges[2]: hosts[0].name][node] ?? hosts[0].name
    }

    /// `cluster get -o json` shows each node on the host expected, and each guest is there.
    func expectPlacement(_ expected: [String: String], hosts: [(name: String, uri: String)], sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let hostsFile = try hostsFile(NSTemporaryDirectory() + "/kinvm-multihost")
        let info = try MultiHost.object(try await MultiHost.kinvm(["cluster", "get", name, "-o", "json", "--hosts", hostsFile]).stdout)
        var seen: [String: String] = [:]
        for node in info["nodes"] as? [[String: Any]] ?? [] {
            if let nodeName = node["name"] as? String, let host = node["host"] as? String { seen[nodeName] = host }
        }
        #expect(seen == expected, sourceLocation: sourceLocation)
        #expect(info["hosts"] as? [String] == hosts.map(\.name), sourceLocation: sourceLocation)
        let table = try await MultiHost.kinvm(["cluster", "get", name, "--hosts", hostsFile]).stdout
        #expect(table.contains("HOST"), sourceLocation: sourceLocation)
    }

    func expectReady(_ names: [String], kubeconfig: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let nodes = try MultiHost.object(try await MultiHost.kubectl(["get", "nodes", "-o", "json"], kubeconfig: kubeconfig).stdout)
        var ready: [String: Bool] = [:]
        for item in nodes["items"] as? [[String: Any]] ?? [] {
            guard let nodeName = (item["metadata"] as? [String: Any])?["name"] as? String else { continue }
            let conditions = (item["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            ready[nodeName] = conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
        }
        #expect(Set(ready.keys) == Set(names), sourceLocation: sourceLocation)
        #expect(ready.values.allSatisfy { $0 }, "\(ready)", sourceLocation: sourceLocation)
    }
}
