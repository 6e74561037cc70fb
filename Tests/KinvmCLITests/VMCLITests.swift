import DomainTemplates
import Foundation
import KinvmTestSupport
import Libvirt
import Provisioner
import Testing
import Yams

@testable import kinvm

/// `kinvm vm …` on libvirt's test driver. Each CLI run is its own process and loads the host anew
/// from a `test:///PATH` file written here: kinvm's guests `web-1` (running) and `web-2` (shut
/// off), a domain `legacy` kinvm did not create, a network `default` and a dir pool `default`
/// holding the base image `base.qcow2`.
@Suite("kinvm vm (real binary)")
struct VMCLITests {
    struct Host {
        let directory: String
        var uri: String { "test://\(directory)/host.xml" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-vm-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: "\(directory)/pool", withIntermediateDirectories: true)
            let xml = TestDriverHost.document([
                Self.domain("web-1", uuid: "11111111-1111-4111-8111-111111111111", owned: true, running: true),
                Self.domain("web-2", uuid: "22222222-2222-4222-8222-222222222222", owned: true, running: false),
                Self.domain("legacy", uuid: "33333333-3333-4333-8333-333333333333", owned: false, running: true),
                """
                  <pool type='dir'>
                    <name>default</name>
                    <target><path>\(directory)/pool</path></target>
                    <volume>
                      <name>base.qcow2</name>
                      <capacity unit='bytes'>\(64 << 20)</capacity>
                      <target><format type='qcow2'/></target>
                    </volume>
                  </pool>
                """,
            ])
            try xml.write(toFile: "\(directory)/host.xml", atomically: true, encoding: .utf8)
        }

        static func domain(_ name: String, uuid: String, owned: Bool, running: Bool) -> String {
            let metadata = owned
                ? """
                <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab" \
                role="worker" pool="workers" created="2026-01-01T00:00:00Z" ttl="7200" image="default/base.qcow2" \
                template="k8s-node"/></metadata>
                """ : ""
            return TestDriverHost.domain(name: name, uuid: uuid, mac: "52:54:00:00:00:\(uuid.prefix(2))", metadata: metadata, running: running)
        }

        func file(_ name: String, _ text: String) throws -> String {
            let path = "\(directory)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        func run(_ arguments: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(["vm"] + arguments + ["-c", uri])
        }
    }

    static func rows(_ table: String) -> [[String]] {
        table.split(separator: "\n").map { line in
            line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    // MARK: list and get

    @Test("list shows kinvm's guests only; --all adds foreign domains")
    func listText() throws {
        let host = try Host()
        defer { host.remove() }
        let owned = try host.run(["list"])
        #expect(owned.status == 0, "\(owned.stderr)")
        #expect(owned.stderr.isEmpty)
        let rows = Self.rows(owned.stdout)
        #expect(rows.first == ["NAME", "STATE", "VCPUS", "MEMORY", "CLUSTER", "ROLE", "AGE"])
        #expect(rows.dropFirst().map(\.first) == ["web-1", "web-2"])
        #expect(rows.dropFirst().first?.prefix(6) == ["web-1", "running", "1", "512 MiB", "lab", "worker"])
        #expect(rows.last?[1] == "shut off")
        #expect(rows.last?.last?.hasSuffix("d") == true, "created 2026-01-01: the age is in days")
        let all = try host.run(["list", "--all"])
        #expect(all.status == 0, "\(all.stderr)")
        let allRows = Self.rows(all.stdout)
        #expect(allRows.dropFirst().map(\.first) == ["legacy", "web-1", "web-2"])
        #expect(allRows[1] == ["legacy", "running", "1", "512 MiB", "-", "-", "-"])
    }

    @Test("list -o wide adds ceilings, image, NICs, IP and UUID; OWNED with --all")
    func listWide() throws {
        let host = try Host()
        defer { host.remove() }
        let wide = try host.run(["list", "--all", "-o", "wide"])
        #expect(wide.status == 0, "\(wide.stderr)")
        let rows = Self.rows(wide.stdout)
        #expect(rows.first == [
            "NAME", "STATE", "VCPUS", "MEMORY", "CLUSTER", "ROLE", "AGE", "MAX-VCPUS", "MAX-MEMORY", "IMAGE", "NICS", "IP",
            "OWNED", "UUID",
        ])
        #expect(rows[1] == [
            "legacy", "running", "1", "512 MiB", "-", "-", "-", "2", "1.0 GiB", "-", "default", "-", "no",
            "33333333-3333-4333-8333-333333333333",
        ])
        #expect(rows[3].suffix(6) == ["1.0 GiB", "default/base.qcow2", "default", "-", "yes", "22222222-2222-4222-8222-222222222222"])
        let ownedOnly = try host.run(["list", "-o", "wide"])
        #expect(Self.rows(ownedOnly.stdout).first?.contains("OWNED") == false)
    }

    @Test("list -o json and -o yaml print the guests with stable field names")
    func listStructured() throws {
        let host = try Host()
        defer { host.remove() }
        let json = try host.run(["list", "--all", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let guests = try JSONDecoder().decode([GuestInfo].self, from: Data(json.stdout.utf8))
        #expect(guests.map(\.name) == ["legacy", "web-1", "web-2"])
        #expect(guests.map(\.owned) == [false, true, true])
        let web1 = try #require(guests.first { $0.name == "web-1" })
        #expect(web1.cluster == "lab" && web1.nodePool == "workers" && web1.ttlSeconds == 7200)
        #expect(web1.memoryBytes == 512 << 20 && web1.maxMemoryBytes == 1 << 30 && web1.vcpus == 1 && web1.maxVCPUs == 2)
        #expect(web1.addresses == nil, "json never looks addresses up")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        for key in ["name", "uuid", "state", "owned", "virtType", "vcpus", "maxVCPUs", "memoryBytes", "maxMemoryBytes", "nics"] {
            #expect(object[1][key] != nil, "missing key \(key)")
        }
        let yaml = try host.run(["list", "-o", "yaml"])
        #expect(yaml.status == 0, "\(yaml.stderr)")
        let decoded = try YAMLDecoder().decode([GuestInfo].self, from: yaml.stdout)
        #expect(decoded == guests.filter(\.owned))
    }

    @Test("get prints a key: value block, or JSON; an unknown guest exits 1")
    func get() throws {
        let host = try Host()
        defer { host.remove() }
        let text = try host.run(["get", "web-1"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Name:") == true && lines.first?.hasSuffix(" web-1") == true)
        for expected in ["Owned:", "yes (created by kinvm)", "Cluster:", "Node pool:", "TTL:", "2h", "default/base.qcow2", "Addresses:"] {
            #expect(text.stdout.contains(expected), "missing \(expected)")
        }
        #expect(lines.contains { $0.hasPrefix("vCPUs:") && $0.hasSuffix("1 (max 2)") })
        #expect(lines.contains("  - network default, mac 52:54:00:00:00:11, model virtio"))
        let stopped = try host.run(["get", "web-2"])
        #expect(stopped.stdout.contains("- (not running)"))
        let json = try host.run(["get", "legacy", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let guest = try JSONDecoder().decode(GuestInfo.self, from: Data(json.stdout.utf8))
        #expect(guest.name == "legacy" && !guest.owned)
        let missing = try host.run(["get", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "kinvm: no guest named 'nope' on \(host.uri)\n")
        #expect(missing.stdout.isEmpty)
    }

    // MARK: refusals and errors

    @Test("stop, delete and resize refuse a domain kinvm did not create", arguments: [
        ["stop", "legacy"], ["delete", "legacy"], ["resize", "legacy", "--vcpus", "2"],
    ])
    func foreignRefused(arguments: [String]) throws {
        let host = try Host()
        defer { host.remove() }
        let result = try host.run(arguments)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not created by kinvm"), "\(result.stderr)")
        #expect(result.stderr.contains("--force"))
        #expect(result.stderr.hasPrefix("kinvm: "))
        #expect(result.stdout.isEmpty)
    }

    @Test("delete --ignore-not-found skips a missing guest; without it, exit 1")
    func deleteMissing() throws {
        let host = try Host()
        defer { host.remove() }
        let ignored = try host.run(["delete", "nope", "--ignore-not-found"])
        #expect(ignored.status == 0, "\(ignored.stderr)")
        #expect(ignored.stdout.isEmpty && ignored.stderr.isEmpty)
        let failed = try host.run(["delete", "nope"])
        #expect(failed.status == 1)
        #expect(failed.stderr == "kinvm: nope: no guest named 'nope' on \(host.uri)\n")
    }

    static let newGuest = ["create", "new-1", "--image", "base.qcow2", "--vcpus", "1", "--memory", "256MiB"]

    @Test("bad arguments exit 64 with a message and touch nothing", arguments: [
        (["create", "new-1", "--image", "base.qcow2", "--memory", "1GiB"], "--vcpus"),
        (newGuest + ["--max-vcpus", "0"], "max-vcpus '0': below --vcpus 1"),
        (["create", "Bad_Name", "--image", "base.qcow2", "--vcpus", "1", "--memory", "1GiB"], "name 'Bad_Name'"),
        (newGuest + ["new-1"], "a guest name is given twice"),
        (newGuest + ["--initrd", "/boot/initrd"], "--initrd and --cmdline need --kernel"),
        (newGuest + ["--image", "a/b/c"], "is not VOLUME or POOL/VOLUME"),
        (newGuest + ["--image", "p1/base", "--image-pool", "p2"], "names pool 'p1' but --image-pool is 'p2'"),
        (newGuest + ["--network", "default,mac=zz"], "nics[0].mac"),
        (newGuest + ["--wait", "forever"], "forever"),
        (newGuest + ["--parallel", "0"], "--parallel must be at least 1"),
        (["resize", "web-1"], "give --vcpus, --memory or both"),
        (["resize", "web-1", "--vcpus", "2", "--live", "--restart"], "--restart"),
        (["resize", "web-1", "--memory", "lots"], "lots"),
        (["start", "web-2", "--wait", "none"], "--wait none"),
        (["stop", "web-1", "--timeout", "soon"], "soon"),
        (["exec", "web-1"], "give the command to run after --"),
        (["console", "web-1", "--tail", "-1"], "--tail"),
        (["list", "-o", "xml"], "xml"),
        // Numbers past what fits: refused, never an overflow trap (issue 16).
        (newGuest + ["--ttl", "999999999999999999d"], "999999999999999999d"),
        (newGuest + ["--ttl", "36865d"], "36865d"),
        (["stop", "web-1", "--timeout", "9223372036854775807"], "9223372036854775807"),
        (["exec", "web-1", "--timeout", "99999999999999999999999s", "--", "true"], "99999999999999999999999s"),
    ])
    func badArguments(arguments: [String], message: String) throws {
        let host = try Host()
        defer { host.remove() }
        let result = try host.run(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("KINVM_VIRT_TYPE must be kvm or qemu")
    func badVirtTypeEnvironment() throws {
        let host = try Host()
        defer { host.remove() }
        let result = try CLIRunner.run(["vm"] + Self.newGuest + ["-c", host.uri], environment: ["KINVM_VIRT_TYPE": "xen"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("KINVM_VIRT_TYPE='xen' is neither kvm nor qemu"))
    }

    @Test("an unreadable --user-data or --ssh-key file exits 1 before anything is created")
    func unreadableFiles() throws {
        let host = try Host()
        defer { host.remove() }
        let missing = try host.run(Self.newGuest + ["--user-data", "\(host.directory)/none.yaml", "--wait", "none"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr == "kinvm: cannot read --user-data file \(host.directory)/none.yaml: No such file or directory; nothing was created\n")
        #expect(missing.stdout.isEmpty)
        let privateKey = try host.file(
            "id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-SECRET\n-----END OPENSSH PRIVATE KEY-----\n")
        let refused = try host.run(Self.newGuest + ["--ssh-key", privateKey, "--wait", "none"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 1: this is a private key; give the public key (the .pub file)"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("SECRET") && !refused.stderr.contains("BEGIN"), "\(refused.stderr)")
        // The one validator: a line that only starts like a key is refused too, and not echoed.
        let mangled = try host.file("mangled.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-not-base64 SECRET-comment\n")
        let bad = try host.run(Self.newGuest + ["--ssh-key", mangled, "--wait", "none"])
        #expect(bad.status == 1 && bad.stderr.contains("line 1: the key data of this ssh-ed25519 key is not base64"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("SECRET"), "\(bad.stderr)")
        let empty = try host.file("empty.pub", "# no keys here\n\n")
        let none = try host.run(Self.newGuest + ["--ssh-key", empty, "--wait", "none"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("holds no SSH public key"))
        // An endless file is refused after the limit, not read whole.
        let endless = try host.run(Self.newGuest + ["--user-data", "/dev/zero", "--wait", "none"])
        #expect(endless.status == 1 && endless.stderr.contains("--user-data file /dev/zero is larger than 4 MiB"), "\(endless.stderr)")
        // Unreadable even though it exists (root reads everything, so only when not root).
        if getuid() != 0 {
            let locked = try host.file("locked.yaml", "#cloud-config\n")
            chmod(locked, 0)
            let result = try host.run(Self.newGuest + ["--user-data", locked, "--wait", "none"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("Permission denied"))
        }
    }

    @Test("exec and ip on the test driver (no guest agent, no leases) exit 1 with one clear line")
    func agentCommands() throws {
        let host = try Host()
        defer { host.remove() }
        for arguments in [["exec", "web-1", "--", "uname", "-a"], ["ip", "web-1", "--timeout", "1s"], ["ip", "nope", "--all"]] {
            let result = try host.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("kinvm: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    // MARK: create

    @Test("start, stop, resize and delete kinvm's guests on the test driver")
    func lifecycle() throws {
        let host = try Host()
        defer { host.remove() }
        let started = try host.run(["start", "web-2"])
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout == "started web-2 (running, waited for running)\n")
        #expect(started.stderr.contains("] web-2: starting"), "progress: \(started.stderr)")
        let stopped = try host.run(["stop", "web-1", "web-2"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let lines = stopped.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0].hasPrefix("stopped web-1 (") && lines[1] == "web-2 was already stopped", "\(lines)")
        let resized = try host.run(["resize", "web-2", "--vcpus", "2", "--config"])
        #expect(resized.status == 0, "\(resized.stderr)")
        #expect(resized.stdout.hasPrefix("resized web-2\n"))
        #expect(resized.stdout.contains("vCPUs:  1 -> 2 (max 2)"), "\(resized.stdout)")
        let json = try host.run(["resize", "web-2", "--memory", "768MiB", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let outcome = try JSONDecoder().decode(ResizeOutcome.self, from: Data(json.stdout.utf8))
        #expect(outcome.before.memoryBytes == 512 << 20 && outcome.after.memoryBytes == 768 << 20, "\(outcome)")
        let deleted = try host.run(["delete", "web-2", "nope", "legacy"])
        #expect(deleted.status == 1)
        #expect(deleted.stdout.hasPrefix("deleted web-2"), "\(deleted.stdout)")
        let errors = deleted.stderr.split(separator: "\n")
        #expect(errors.count == 2 && errors[0].hasPrefix("kinvm: nope: ") && errors[1].hasPrefix("kinvm: legacy: "), "\(errors)")
        let forced = try host.run(["delete", "legacy", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.hasPrefix("deleted legacy (it was running: powered off)"), "\(forced.stdout)")
    }

    @Test("create on the test driver: each guest fails alone at the seed upload, rolled back, one line each")
    func createOnTestDriver() throws {
        // The test driver cannot stream into volumes, so the seed upload is as far as a create gets
        // here; the whole path runs on the real daemon below (KINVM_INTEGRATION=1).
        let host = try Host()
        defer { host.remove() }
        let key = try host.file("id.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f test@kinvm\n")
        let result = try host.run([
            "create", "new-1", "web-1", "--image", "default/base.qcow2", "--vcpus", "1", "--memory", "256MiB",
            "--virt-type", "qemu", "--wait", "none", "--ssh-key", key, "-o", "json",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "nothing was created: \(result.stdout)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.hasPrefix("kinvm: ") }
        #expect(errors.count == 2, "\(result.stderr)")
        #expect(errors.contains { $0.hasPrefix("kinvm: new-1: ") && $0.contains("uploading seed") && $0.contains("removed") })
        #expect(errors.contains { $0.hasPrefix("kinvm: web-1: ") }, "web-1 exists already")
        #expect(lines.contains { $0.hasPrefix("[") && $0.hasSuffix("] new-1: uploading seed") }, "progress on stderr")
    }

    @Test(
        "create, list, get, stop and delete a real guest on qemu:///system (direct kernel boot, user NIC)",
        .enabled(if: ProcessInfo.processInfo.environment["KINVM_INTEGRATION"] == "1"))
    func createOnRealDaemon() async throws {
        let environment = ProcessInfo.processInfo.environment
        let uri = environment["KINVM_TEST_SYSTEM_URI"] ?? "qemu:///system"
        let kernel = environment["KINVM_TEST_KERNEL"] ?? "/var/cache/kinvm/test-guest/vmlinuz"
        let initrd = environment["KINVM_TEST_INITRD"] ?? "/var/cache/kinvm/test-guest/initramfs.cpio.gz"
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (poolName, guest) = ("kinvm-cli-\(suffix)", "kinvm-cli-\(suffix)")
        let directory = (environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/vm-cli-\(suffix)"
        try FileManager.default.createDirectory(atPath: "\(directory)/pool", withIntermediateDirectories: true)
        let connection = try await Connection.open(uri)
        let pool = try await connection.createTransientStoragePool(
            xml: "<pool type='dir'><name>\(poolName)</name><target><path>\(directory)/pool</path></target></pool>")
        var failure: (any Error)?
        do {
            try await Self.realGuestSteps(uri: uri, pool: poolName, guest: guest, directory: directory, kernel: kernel, initrd: initrd)
        } catch {
            failure = error
        }
        _ = try? CLIRunner.run(["vm", "delete", guest, "--ignore-not-found", "-c", uri])
        try? await pool.destroy()
        await connection.close()
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    static func realGuestSteps(uri: String, pool poolName: String, guest: String, directory: String, kernel: String, initrd: String)
        async throws
    {
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: "\(directory)/base.img"))
        let imported = try CLIRunner.run(["image", "import", "\(directory)/base.img", "--pool", poolName, "-c", uri])
        try #require(imported.status == 0, "\(imported.stderr)")
        func vm(_ arguments: [String]) throws -> CLIRunner.Result { try CLIRunner.run(["vm"] + arguments + ["-c", uri]) }

        let created = try vm([
            "create", guest, "--image", "base.img", "--pool", poolName, "--vcpus", "1", "--memory", "256MiB", "--disk", "64MiB",
            "--virt-type", "qemu", "--kernel", kernel, "--initrd", initrd, "--cmdline", "console=ttyS0 panic=-1",
            "--network", "user", "--console-log-dir", directory, "--cluster", "cli", "--role", "worker", "--timeout", "2m",
            "-o", "json",
        ])
        try #require(created.status == 0, "\(created.stderr)")
        let guests = try JSONDecoder().decode([GuestInfo].self, from: Data(created.stdout.utf8))
        #expect(guests.map(\.name) == [guest])
        #expect(guests.first?.state == "running" && guests.first?.owned == true && guests.first?.cluster == "cli")
        #expect(guests.first?.nics.map(\.type) == ["user"])
        #expect(created.stderr.contains("] \(guest): "), "progress lines: \(created.stderr)")

        let listed = try vm(["list", "-o", "json"])
        try #require(listed.status == 0, "vm list exited \(listed.status): \(listed.stderr)")
        #expect(try JSONDecoder().decode([GuestInfo].self, from: Data(listed.stdout.utf8)).contains { $0.name == guest })
        let described = try vm(["get", guest])
        #expect(described.stdout.contains("\(poolName)/\(guest)-root.qcow2"), "\(described.stdout)")

        let console = try vm(["console", guest, "--tail", "3"])
        #expect(console.status == 0, "\(console.stderr)")
        #expect((1...3).contains(console.stdout.split(separator: "\n", omittingEmptySubsequences: false).count - 1), "\(console.stdout)")

        let stopped = try vm(["stop", guest, "--timeout", "3s"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stdout.hasPrefix("stopped \(guest) ("), "\(stopped.stdout)")
        let deleted = try vm(["delete", guest])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.hasPrefix("deleted \(guest)"))
        #expect(deleted.stdout.contains("deleted volume \(poolName)/\(guest)-root.qcow2"), "\(deleted.stdout)")
        let gone = try vm(["get", guest])
        #expect(gone.status == 1)

        // Ctrl-C while create waits for an agent the test guest does not have: rolled back, exit 130.
        let interrupted = try runInterrupted(
            ["vm", "create", guest, "--image", "base.img", "--pool", poolName, "--vcpus", "1", "--memory", "256MiB",
             "--virt-type", "qemu", "--kernel", kernel, "--initrd", initrd, "--network", "user", "--console-log-dir", directory,
             "--wait", "agent", "--timeout", "2m", "-c", uri],
            after: 4)
        #expect(interrupted.wasRunning, "\(interrupted.stderr)")
        #expect(interrupted.status == 130, "\(interrupted.stderr)")
        #expect(interrupted.stderr.hasSuffix("kinvm: interrupted, rolled back\n"), "\(interrupted.stderr)")
        #expect(try vm(["get", guest]).status == 1, "the domain was removed")
        let images = try CLIRunner.run(["image", "list", "--pool", poolName, "-o", "json", "-c", uri])
        let volumes = try #require(try JSONSerialization.jsonObject(with: Data(images.stdout.utf8)) as? [[String: Any]])
        #expect(volumes.compactMap { $0["name"] as? String } == ["base.img"], "the overlay and seed were removed")
    }

    // MARK: Ctrl-C

    @Test("Ctrl-C during a wait cancels it and exits 130")
    func interrupt() throws {
        let host = try Host()
        defer { host.remove() }
        let result = try Self.runInterrupted(["vm", "start", "web-2", "--wait", "agent", "--timeout", "2m", "-c", host.uri], after: 1.5)
        #expect(result.wasRunning, "the wait for the agent should still be running")
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("kinvm: interrupted"), "\(result.stderr)")
    }

    /// Runs kinvm, sends SIGINT after `delay` seconds, and returns its status and stderr.
    static func runInterrupted(_ arguments: [String], after delay: Double) throws -> (status: Int32, stderr: String, wasRunning: Bool) {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        let wasRunning = process.isRunning
        process.interrupt()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr, wasRunning)
    }

    // MARK: pure parts

    @Test("NIC arguments: a network, or user-mode networking")
    func nicArguments() throws {
        let user = try #require(GuestNICArgument(argument: "user,model=e1000"))
        #expect(user.nic == .user(model: "e1000"))
        let network = try #require(GuestNICArgument(argument: "lab,mac=52:54:00:00:00:01"))
        #expect(network.nic == NICSpec(network: "lab", mac: "52:54:00:00:00:01"))
        #expect(GuestNICArgument(argument: "lab,speed=10") == nil)
        #expect(GuestNICArgument(argument: "") == nil)
    }

    @Test("ages as kubectl shows them", arguments: [(0, "0s"), (119, "119s"), (120, "2m"), (7199, "119m"), (7200, "2h"), (172_799, "47h"), (172_800, "2d")])
    func ages(seconds: Int, text: String) {
        #expect(GuestRendering.duration(seconds) == text)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let created = ISO8601DateFormatter().string(from: now.addingTimeInterval(-Double(seconds)))
        #expect(GuestRendering.age(created, now: now) == text)
        #expect(GuestRendering.age(nil, now: now) == "-")
        #expect(GuestRendering.age("yesterday", now: now) == "-")
    }

    @Test("stop, delete and resize outcomes as text")
    func outcomeText() {
        #expect(VMStop.describe(GuestStop(name: "web-1", graceful: true, wasStopped: false, seconds: 12.44)) == "stopped web-1 (ACPI, 12.4 s)")
        #expect(VMStop.describe(GuestStop(name: "web-1", graceful: false, wasStopped: false, seconds: 60.02))
            == "stopped web-1 (forced off after 60 s)")
        #expect(VMStop.describe(GuestStop(name: "web-1", graceful: false, wasStopped: true, seconds: 0)) == "web-1 was already stopped")
        let deletion = GuestDeletion(
            name: "web-1", uuid: "u", wasRunning: true, deletedVolumes: ["default/web-1-root.qcow2"],
            keptVolumes: ["default/data.qcow2"], consoleLog: "/var/log/web-1.log", consoleLogDeleted: true)
        #expect(VMDelete.describe(deletion) == """
            deleted web-1 (it was running: powered off)
              deleted volume default/web-1-root.qcow2
              kept volume default/data.qcow2 (not created by kinvm)
              deleted console log /var/log/web-1.log
            """)
        let before = GuestSizes(vcpus: 2, maxVCPUs: 4, memoryBytes: 1 << 30, maxMemoryBytes: 4 << 30, guestOnlineCPUs: 2)
        let after = GuestSizes(vcpus: 4, maxVCPUs: 4, memoryBytes: 2 << 30, maxMemoryBytes: 4 << 30, guestOnlineCPUs: 4)
        let outcome = ResizeOutcome(
            name: "web-1", before: before, after: after, steps: ["vCPUs 2 -> 4 live"], restarted: false, verifiedInGuest: true,
            pendingUntilRestart: true)
        #expect(VMResize.describe(outcome) == """
            resized web-1
              vCPUs 2 -> 4 live
            vCPUs:  2 -> 4 (max 4); guest sees online 2 -> 4
            memory: 1.0 GiB -> 2.0 GiB (max 4.0 GiB)
            (saved in the config; applies at next start)
            """)
    }

    @Test("console --tail keeps the last lines", arguments: [
        ("a\nb\nc\n", 2, "b\nc\n"), ("a\nb\nc", 2, "b\nc\n"), ("a\n", 5, "a\n"), ("a\nb\n", 0, ""),
    ])
    func tail(text: String, count: Int, expected: String) {
        #expect(VMConsole.lastLines(text, count) == expected)
    }
}
