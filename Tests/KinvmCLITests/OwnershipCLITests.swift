import Foundation
import KinvmTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What `cluster delete` and `gc` delete on a host that also holds other people's objects, through
/// the real binary (test-driver host files, loaded afresh by every run, so a dry run and a real run
/// see the same host): only what kinvm can prove it made, and `--dry-run` lists exactly that.
@Suite("Deletes stay within what kinvm made (real binary, test driver)")
struct OwnershipCLITests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-own-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path + "/images", withIntermediateDirectories: true)
        return path
    }()

    static func volume(_ name: String) -> String {
        "<volume type='file'><name>\(name)</name><capacity unit='bytes'>1048576</capacity><target><format type='qcow2'/></target></volume>"
    }

    static func domain(_ name: String, mac: String, disks: [String], metadata: String = "") -> String {
        let devices = disks.enumerated().map { index, file in
            "<disk type='file' device='disk'><source file='\(file)'/><target dev='vd\(["a", "b", "c", "d"][index])'/></disk>"
        }
        return """
              <domain type='test'>
                <name>\(name)</name>
                \(metadata)
                <memory unit='KiB'>524288</memory>
                <vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os>
                <devices>
                  \(devices.joined(separator: "\n"))
                  <interface type='network'><mac address='\(mac)'/><source network='default'/></interface>
                </devices>
              </domain>
            """
    }

    /// Cluster `lab` (record: nat network reserving cp-1 and workers-1..3, TTL passed; guest
    /// lab-cp-1 whose metadata also lists a foreign volume it does not use), plus: a leftover of
    /// lab-workers-2 (provably kinvm's), lab-workers-3's volume used by someone else's domain,
    /// volumes for nodes the record never reserved, and another cluster's volumes with no record.
    func hostFile(record: Bool = true) throws -> String {
        let images = directory + "/images"
        let metadata = """
            <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab" role="control-plane" \
            pool="control-plane" created="2020-01-01T00:00:00Z" join="kubeadm">\
            <kinvm:volume pool="images" name="lab-cp-1-root.qcow2"/><kinvm:volume pool="images" name="precious.qcow2"/>\
            </kinvm:instance></metadata>
            """
        let spec = """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: lab}
            spec:
              kubernetes: {distribution: kubeadm}
              image: images/base.qcow2
              network: {mode: nat, cidr: 192.168.150.0/24}
              controlPlane: {vcpus: 1, memory: 512MiB}
              pools:
                - {name: workers, count: 3, vcpus: 1, memory: 256MiB}
            """
        let reservations = ["lab-cp-1", "lab-workers-1", "lab-workers-2", "lab-workers-3"].enumerated().map { index, node in
            "<host mac='52:54:00:aa:00:0\(index)' name='\(node)' ip='192.168.150.\(10 + index)'/>"
        }
        let network = """
              <network>
                <name>kinvm-lab</name>
                <metadata><kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab" created="2020-01-01T00:00:00Z" \
            ttl="60" generation="1"><kinvm:spec>\(spec)</kinvm:spec></kinvm:cluster></metadata>
                <forward mode='nat'/>
                <bridge name='kvlab150'/>
                <ip address='192.168.150.1' netmask='255.255.255.0'><dhcp>\(reservations.joined())</dhcp></ip>
              </network>
            """
        let volumes = [
            "base.qcow2", "precious.qcow2", "lab-cp-1-root.qcow2", "lab-workers-2-root.qcow2", "lab-workers-2-seed.iso",
            "lab-workers-3-root.qcow2", "lab-workers-9-root.qcow2", "lab-db-1-root.qcow2", "other-workers-1-root.qcow2",
        ]
        let pool = """
              <pool type='dir'><name>images</name><target><path>\(images)</path></target>
                \(volumes.map(Self.volume).joined(separator: "\n"))
              </pool>
            """
        let xml = TestDriverHost.document([
            Self.domain("lab-cp-1", mac: "52:54:00:aa:00:00", disks: ["\(images)/lab-cp-1-root.qcow2"], metadata: metadata),
            Self.domain("someones-vm", mac: "52:54:00:bb:00:01", disks: ["\(images)/lab-workers-3-root.qcow2", "\(images)/precious.qcow2"]),
            pool,
        ] + (record ? [network] : []))
        let path = directory + "/host.xml"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return "test://\(path)"
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// The parts of a deletion that say what goes (not timings, not whether it was a dry run).
    static func deleted(_ deletion: [String: Any]) -> [String] {
        let guests = (deletion["guests"] as? [[String: Any]] ?? []).map { guest in
            "guest \(guest["name"] as? String ?? "?"): \((guest["deletedVolumes"] as? [String] ?? []).joined(separator: ","))"
        }
        return guests + (deletion["orphanVolumes"] as? [String] ?? []).map { "leftover \($0)" }
            + [(deletion["network"] as? String).map { "network \($0)" } ?? "no network"]
    }

    @Test("cluster delete and gc delete only provable leftovers and used volumes kinvm made; --dry-run lists exactly that")
    func leftoversAndDryRun() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uri = try hostFile()
        let expected = [
            "guest lab-cp-1: images/lab-cp-1-root.qcow2", "leftover images/lab-workers-2-root.qcow2", "leftover images/lab-workers-2-seed.iso",
            "network kinvm-lab",
        ]
        let dry = try CLIRunner.run(["cluster", "delete", "lab", "--dry-run", "-o", "json", "-c", uri])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try #require(try Self.json(dry.stdout) as? [[String: Any]]).first ?? [:]
        #expect(Self.deleted(planned) == expected, "\(dry.stdout)")
        #expect(planned["dryRun"] as? Bool == true)
        let kept = planned["keptVolumes"] as? [String] ?? []
        #expect(kept.contains("images/lab-workers-3-root.qcow2: domain someones-vm uses it"), "\(kept)")
        #expect(kept.contains("images/lab-workers-9-root.qcow2: the cluster's record does not reserve node lab-workers-9 on this host"), "\(kept)")
        #expect(kept.contains { $0.hasPrefix("images/lab-db-1-root.qcow2: ") }, "\(kept)")
        #expect(!kept.contains { $0.contains("other-workers") }, "\(kept)")
        let text = try CLIRunner.run(["cluster", "delete", "lab", "--dry-run", "-c", uri])
        #expect(text.stdout.hasPrefix("would delete cluster lab: 1 guests, 3 volumes, network kinvm-lab\n"), "\(text.stdout)")

        // The user's kubeconfig (mode 0640, another cluster's entries too) loses only kinvm-lab's
        // entries and keeps its mode; no temporary file is left next to it.
        let kubeconfig = directory + "/kube/config"
        try FileManager.default.createDirectory(atPath: directory + "/kube", withIntermediateDirectories: true)
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: kinvm-lab, cluster: {server: "https://192.168.150.10:6443"}}
            - {name: work, cluster: {server: "https://10.1.1.1:6443"}}
            users:
            - {name: kinvm-lab, user: {token: lab-token}}
            - {name: me, user: {token: my-token}}
            contexts:
            - {name: kinvm-lab, context: {cluster: kinvm-lab, user: kinvm-lab}}
            - {name: work, context: {cluster: work, user: me}}
            current-context: work

            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        chmod(kubeconfig, 0o640)
        let real = try CLIRunner.run(["cluster", "delete", "lab", "-o", "json", "-c", uri], environment: ["KUBECONFIG": kubeconfig])
        #expect(real.status == 0, "\(real.stderr)")
        let edited = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        #expect(!edited.contains("kinvm-lab") && edited.contains("my-token") && edited.contains("current-context: work"), "\(edited)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: kubeconfig)[.posixPermissions] as? Int)
        #expect(mode == 0o640, "mode \(String(mode, radix: 8))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/kube") == ["config"])
        #expect(!(real.stdout + real.stderr).contains("lab-token") && !(real.stdout + real.stderr).contains("my-token"))
        let done = try #require(try Self.json(real.stdout) as? [[String: Any]]).first ?? [:]
        #expect(Self.deleted(done) == expected, "\(real.stdout)")
        // The metadata's foreign volume is not attached to the guest: kept, not deleted.
        #expect(!real.stdout.contains("precious.qcow2\""), "\(real.stdout)")

        // gc: the cluster is past its TTL; the dry run's list is the real run's.
        let gcDry = try CLIRunner.run(["gc", "--dry-run", "-o", "json", "-c", uri])
        let gcReal = try CLIRunner.run(["gc", "-o", "json", "-c", uri], environment: ["KUBECONFIG": directory + "/kubeconfig"])
        #expect(gcDry.status == 0 && gcReal.status == 0, "\(gcDry.stderr)\n\(gcReal.stderr)")
        let gcPlanned = (try Self.json(gcDry.stdout) as? [[String: Any]])?.first?["deletion"] as? [String: Any] ?? [:]
        let gcDone = (try Self.json(gcReal.stdout) as? [[String: Any]])?.first?["deletion"] as? [String: Any] ?? [:]
        #expect(Self.deleted(gcPlanned) == expected && Self.deleted(gcDone) == expected, "\(gcDry.stdout)\n\(gcReal.stdout)")
        let gcText = try CLIRunner.run(["gc", "--dry-run", "-c", uri])
        #expect(gcText.stdout.contains("would delete cluster lab") && gcText.stdout.contains("leftover volume images/lab-workers-2-seed.iso"), "\(gcText.stdout)")
    }

    @Test("vm delete removes only console logs kinvm recorded: not a foreign domain's log file or directory, not a symlink")
    func consoleLogs() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let userFile = directory + "/precious.txt"
        let userDirectory = directory + "/precious-dir"
        try "keep me\n".write(toFile: userFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: userDirectory + "/inner", withIntermediateDirectories: true)
        // A kinvm guest whose recorded log was swapped for a symlink to the user's file.
        let link = directory + "/web-1-console.log"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: userFile)
        func serial(_ path: String) -> String { "<serial type='file'><source path='\(path)'/><target port='0'/></serial>" }
        let domains = [("foreign-file", userFile, ""), ("foreign-dir", userDirectory, ""),
                       ("web-1", link, """
                           <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" \
                           created="2026-01-01T00:00:00Z" console-log="\(link)"/></metadata>
                           """)].map { name, log, metadata in
            """
                  <domain type='test'><name>\(name)</name>\(metadata)<memory unit='KiB'>131072</memory><vcpu>1</vcpu>
                  <os><type arch='x86_64'>hvm</type></os><devices>\(serial(log))</devices></domain>
            """
        }
        let path = directory + "/logs.xml"
        try TestDriverHost.document(domains).write(toFile: path, atomically: true, encoding: .utf8)
        for (name, force) in [("foreign-file", true), ("foreign-dir", true), ("web-1", false)] {
            let result = try CLIRunner.run(["vm", "delete", name, "-c", "test://\(path)"] + (force ? ["--force"] : []))
            #expect(result.status == 0 && result.stdout.hasPrefix("deleted \(name)"), "\(name): \(result.stdout)\(result.stderr)")
            #expect(!result.stdout.contains("deleted console log"), "\(name): \(result.stdout)")
        }
        #expect(try String(contentsOfFile: userFile, encoding: .utf8) == "keep me\n")
        #expect(FileManager.default.fileExists(atPath: userDirectory + "/inner"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == userFile, "the link itself is not kinvm's file either")
    }

    @Test("without the cluster's record, no volume is deleted for looking like a node's")
    func noRecordNoLeftovers() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uri = try hostFile(record: false)
        let result = try CLIRunner.run(["cluster", "delete", "lab", "-o", "json", "-c", uri], environment: ["KUBECONFIG": directory + "/kubeconfig"])
        #expect(result.status == 0, "\(result.stderr)")
        let deletion = try #require(try Self.json(result.stdout) as? [[String: Any]]).first ?? [:]
        #expect(Self.deleted(deletion) == ["guest lab-cp-1: images/lab-cp-1-root.qcow2", "no network"], "\(result.stdout)")
        #expect((deletion["keptVolumes"] as? [String] ?? []).contains { $0.hasPrefix("images/lab-workers-2-root.qcow2: no record") }, "\(result.stdout)")
    }
}
