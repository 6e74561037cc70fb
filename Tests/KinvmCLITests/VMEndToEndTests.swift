import Foundation
import KinvmTestSupport
import LibXML2
import Libvirt
import Testing

/// The whole life of a real Debian guest through the real `kinvm` binary on the real libvirtd:
/// image import, create from the shipped template with a seed, cloud-init, `vm ip`, `vm exec`,
/// live resize seen inside the guest, stop and start, delete with nothing left behind.
///
/// Runs only from scripts/test.sh (KINVM_INTEGRATION=1 and the Debian image built). The guest
/// runs under TCG (`--virt-type qemu`) with a QEMU user-mode NIC, so no traffic leaves QEMU.
enum EndToEnd {
    static let environment = ProcessInfo.processInfo.environment
    /// Only from scripts/test.sh, with the Debian image built.
    static let enabled = environment["KINVM_INTEGRATION"] == "1" && environment["KINVM_DEBIAN_IMAGE"] != nil
    static var uri: String { environment["KINVM_TEST_SYSTEM_URI"] ?? "qemu:///system" }

    /// Runs `kinvm ARGS -c URI` (the URI goes before a `--`, after which come the guest's
    /// command and arguments), recording the command and its output when it fails.
    @discardableResult
    static func kinvm(_ arguments: [String], expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> CLIRunner.Result
    {
        var arguments = arguments
        arguments.insert(contentsOf: ["-c", uri], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
        let result = try await CLIRunner.runDetached(arguments)
        #expect(
            result.status == status,
            "kinvm \(arguments.joined(separator: " ")) exited \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    /// A started dir pool `name` at `path` on the test's libvirtd.
    static func makePool(_ name: String, path: String, on connection: Connection) async throws -> StoragePool {
        let document = XMLDocument(rootName: "pool")
        try document.root.setAttribute("type", "dir")
        try document.root.appendChild("name", text: name)
        try document.root.appendChild("target").appendChild("path", text: path)
        let pool = try await connection.defineStoragePool(xml: document.serialized(), flags: .validate)
        try await pool.build()
        try await pool.start()
        return pool
    }
}

@Suite("kinvm vm end to end (Debian guest, real libvirtd)", .enabled(if: EndToEnd.enabled), .timeLimit(.minutes(60)))
struct VMEndToEndTests {
    static var environment: [String: String] { EndToEnd.environment }
    static var uri: String { EndToEnd.uri }

    let name = "kinvm-e2e-\(UUID().uuidString.prefix(6).lowercased())"
    var poolName: String { "\(name)-pool" }

    @discardableResult
    func kinvm(_ arguments: [String], expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> CLIRunner.Result
    {
        try await EndToEnd.kinvm(arguments, expect: status, sourceLocation: sourceLocation)
    }

    func json(_ result: CLIRunner.Result) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        if let array = object as? [Any], let first = array.first as? [String: Any] { return first }
        return try #require(object as? [String: Any], "not a JSON object: \(result.stdout)")
    }

    @Test("import, create with cloud-init, ip, exec, live resize, stop/resize/start, delete leaves nothing")
    func lifecycle() async throws {
        // Two slots: the guest boots again with 2 vCPUs after its offline resize.
        try await GuestSlots.withSlots(2, for: "vm end to end", minutes: 6) {
            let environment = Self.environment
            let image = try #require(environment["KINVM_DEBIAN_IMAGE"])
            let base = (environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/\(name)"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let connection = try await Connection.open(Self.uri)
            let pool = try await makePool(path: "\(base)/pool", on: connection)
            defer {
                Task {
                    if let domain = try? await connection.domainIfPresent(named: name) {
                        try? await domain.destroy()
                        try? await domain.undefine()
                    }
                    for volume in (try? await pool.allVolumes()) ?? [] { try? await volume.delete() }
                    try? await pool.destroy()
                    try? await pool.undefine()
                    await connection.close()
                }
            }
            do {
                try await scenario(image: image, base: base, pool: pool, connection: connection)
            } catch {
                let console = try? await CLIRunner.runDetached(["vm", "console", name, "--tail", "60", "-c", Self.uri])
                Issue.record("console of \(name):\n\(console?.stdout ?? "-")")
                throw error
            }
        }
    }

    private func scenario(image: String, base: String, pool: StoragePool, connection: Connection) async throws {
        let environment = Self.environment
        try await kinvm(["image", "import", image, "--pool", poolName, "--name", "debian-12.qcow2"])

        let marker = "cloud-init ran the user-data: <&> \"quoted\""
        let userData = """
            #cloud-config
            locale: false
            write_files:
              - path: /run/kinvm-e2e/marker
                content: '\(marker)'
                permissions: '0640'
            runcmd:
              - [touch, /run/kinvm-e2e/runcmd-done]

            """
        try userData.write(toFile: "\(base)/user-data", atomically: true, encoding: .utf8)
        let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKinvmE2eTestKeyOnlyForTestsxxxxxxxxxxxxxxxx kinvm-e2e"
        try sshKey.write(toFile: "\(base)/id.pub", atomically: true, encoding: .utf8)

        // Create, waiting until cloud-init is done.
        let created = try json(try await kinvm([
            "vm", "create", name, "--image", "\(poolName)/debian-12.qcow2", "--pool", poolName,
            "--template", "k8s-node", "--virt-type", "qemu", "--vcpus", "1", "--max-vcpus", "2",
            "--memory", "768MiB", "--max-memory", "1GiB", "--disk", "4GiB", "--network", "user",
            "--kernel", environment["KINVM_DEBIAN_KERNEL"] ?? "", "--initrd", environment["KINVM_DEBIAN_INITRD"] ?? "",
            "--cmdline", environment["KINVM_DEBIAN_CMDLINE"] ?? "root=/dev/vda rw console=ttyS0",
            "--user-data", "\(base)/user-data", "--ssh-key", "\(base)/id.pub",
            "--wait", "cloud-init", "--timeout", "25m", "-o", "json",
        ]))
        #expect(created["name"] as? String == name)
        #expect(created["owned"] as? Bool == true)
        #expect(created["state"] as? String == "running")

        // cloud-init ran the user-data (file and runcmd) and set the host name.
        #expect(try await kinvm(["vm", "exec", name, "--", "cat", "/run/kinvm-e2e/marker"]).stdout == marker)
        try await kinvm(["vm", "exec", name, "--", "test", "-e", "/run/kinvm-e2e/runcmd-done"])
        #expect(try await kinvm(["vm", "exec", name, "--", "hostname"]).stdout == "\(name)\n")
        let exit7 = try await kinvm(["vm", "exec", name, "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 7"], expect: 7)
        #expect(exit7.stdout == "out\n")
        #expect(exit7.stderr.contains("err"))

        // The address over QEMU user-mode networking, from the guest agent.
        #expect(try await kinvm(["vm", "ip", name, "--timeout", "2m"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10.0.2.15")

        // Live resize: more memory through the balloon, seen inside the guest.
        let resized = try json(try await kinvm(["vm", "resize", name, "--memory", "1GiB", "--timeout", "3m", "-o", "json"]))
        #expect(resized["restarted"] as? Bool == false)
        #expect(resized["verifiedInGuest"] as? Bool == true)
        let memTotal = try await kinvm(["vm", "exec", name, "--", "grep", "MemTotal", "/proc/meminfo"]).stdout
        let kib = Int(memTotal.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        #expect(kib > 900 * 1024, "MemTotal after resize to 1 GiB: \(memTotal)")
        // A vCPU hot-plug into this TCG guest is refused with advice (QEMU can abort it), nothing changes.
        let refused = try await kinvm(["vm", "resize", name, "--vcpus", "2"], expect: 1)
        #expect(refused.stderr.contains("TCG") && refused.stderr.contains("--restart"))
        #expect(try await kinvm(["vm", "exec", name, "--", "nproc"]).stdout == "1\n")

        // Stop (ACPI), give the stopped guest a second vCPU, start again: the agent comes back and
        // the guest has 2 CPUs.
        try await kinvm(["vm", "stop", name, "--timeout", "3m"])
        #expect(try json(try await kinvm(["vm", "get", name, "-o", "json"]))["state"] as? String == "shut off")
        let offline = try json(try await kinvm(["vm", "resize", name, "--vcpus", "2", "-o", "json"]))
        #expect(offline["restarted"] as? Bool == false)
        try await kinvm(["vm", "start", name, "--wait", "agent", "--timeout", "10m"])
        #expect(try await kinvm(["vm", "exec", name, "--", "hostname"]).stdout == "\(name)\n")
        #expect(try await kinvm(["vm", "exec", name, "--", "nproc"]).stdout == "2\n")

        // Delete: no domain, no overlay, no seed, no console log; the base image is free again.
        let info = try json(try await kinvm(["vm", "get", name, "-o", "json"]))
        let consoleLog = info["consoleLog"] as? String
        try await kinvm(["vm", "delete", name])
        #expect(try await connection.domainIfPresent(named: name) == nil)
        try await pool.refresh()
        #expect(try await pool.allVolumes().map(\.name) == ["debian-12.qcow2"])
        if let consoleLog { #expect(!FileManager.default.fileExists(atPath: consoleLog), "\(consoleLog) was left behind") }
        try await kinvm(["image", "delete", "debian-12.qcow2", "--pool", poolName])
    }

    private func makePool(path: String, on connection: Connection) async throws -> StoragePool {
        try await EndToEnd.makePool(poolName, path: path, on: connection)
    }
}
