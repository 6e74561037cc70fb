import DomainTemplates
import KinvmTestSupport
import Foundation
import LibXML2
import Provisioner
import Testing

@testable import Libvirt

extension RealDaemonTests {
    /// The guest operations of ``GuestManager`` on a real busybox guest (the shipped k8s-node
    /// template, TCG, direct kernel boot, a user-mode NIC, the real qemu-ga): start and wait,
    /// exec, addresses, live and restart resize verified in the guest, graceful stop, console log.
    @Suite("Guest operations on qemu:///system")
    struct GuestOperationsIntegrationTests {
        static let templates = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates").path

        @Test("start, exec, addresses, live resize, refusal, restart resize, graceful stop and console, on one guest")
        func operations() async throws {
            // The guest runs with up to 3 vCPUs and is restarted with 2: it must not boot next to
            // a full set of heavy guests (it hung in its kernel once, under TCG, when it did).
            try await GuestSlots.withSlots(3, for: "guest operations (busybox, up to 3 vCPUs)", minutes: 3) {
                try await operationsOnOneGuest()
            }
        }

        private func operationsOnOneGuest() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("ops")
            let directory = try Integration.workDirectory(name)
            let pool = try await makeScratchPool("\(name)-pool", path: "\(directory)/pool", on: connection)
            let consoleLog = "\(directory)/console.log"
            do {
                try await defineGuest(name: name, pool: pool, consoleLog: consoleLog, connection: connection)
                try await scenario(name: name, consoleLog: consoleLog, connection: connection)
            } catch {
                Issue.record("\(consoleReport(name, consoleLog, last: 3000))")
                await removeDomain(named: name, on: connection)
                await removeScratchPool(pool)
                throw error
            }
            await removeDomain(named: name, on: connection)
            await removeScratchPool(pool)
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// The shipped k8s-node template with a 1 MiB raw root volume (the guest runs from its
        /// initramfs), no seed, one user-mode NIC; 1 of max 3 vCPUs, 256 of max 512 MiB; owned.
        private func defineGuest(name: String, pool: StoragePool, consoleLog: String, connection: Connection) async throws {
            let root = "\(name)-root.img"
            let volume = XMLDocument(rootName: "volume")
            try volume.root.appendChild("name", text: root)
            try volume.root.appendChild("capacity", text: "1", attributes: [("unit", "MiB")])
            try volume.root.child("target").appendChild("format", attributes: [("type", "raw")])
            _ = try await pool.createVolume(xml: volume.serialized())

            let spec = DomainSpec(
                name: name, virtType: .qemu, vcpus: 1, maxVCPUs: 3, memory: .mebibytes(256), maxMemory: .mebibytes(512),
                disks: [DiskSpec(volume: VolumeRef(pool: pool.name, volume: root), format: "raw")], seed: nil,
                nics: [.user()], consoleLog: consoleLog,
                directBoot: DirectBoot(kernel: Integration.kernel, initrd: Integration.initrd, cmdline: "console=ttyS0 kinvm.dhcp=1"),
                metadata: KinvmMetadata(cluster: "it", role: "worker", volumes: [VolumeRef(pool: pool.name, volume: root)]))
            let library = TemplateLibrary(searchPath: [Self.templates])
            let document = try library.load(try library.find("k8s-node", kind: .domain))
            try DomainRenderer.apply(spec, to: document, source: "k8s-node")
            _ = try await connection.defineDomain(xml: document.serialized(), flags: .validate)
        }

        private func scenario(name: String, consoleLog: String, connection: Connection) async throws {
            let guests = GuestManager(connection: connection)
            let clock = ContinuousClock()

            // Start and wait for the agent, with progress on each phase.
            let steps = StepLog()
            var started = clock.now
            let info = try await guests.start(name, wait: .agent, timeout: .seconds(120)) { steps.append($0.step) }
            print("[kinvm-it] start to agent: \(clock.now - started)")
            #expect(info.state == "running" && info.owned)
            #expect(steps.all == ["starting", "waiting for the guest to run", "waiting for the guest agent"])

            // exec: exit code, both streams, input.
            started = clock.now
            let result = try await guests.exec(name, "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
            print("[kinvm-it] exec: \(clock.now - started)")
            #expect(result.exitCode == 3)
            #expect(result.stdoutText == "out\n" && result.stderrText == "err\n")
            #expect(result.signal == nil && !result.truncated)
            let echoed = try await guests.exec(name, "/bin/cat", input: Array("über\n".utf8))
            #expect(echoed.stdoutText == "über\n" && echoed.exitCode == 0)
            do {
                _ = try await guests.exec(name, "/bin/sleep", ["5"], timeout: .seconds(1))
                Issue.record("a command longer than its timeout should fail")
            } catch {
                #expect(error.code == .timeout)
                #expect(error.message.contains("command '/bin/sleep 5' in guest '\(name)' did not finish within 1 s"))
            }

            // cloud-init: the busybox guest has none, which fails at once, not at the timeout.
            started = clock.now
            let domain = try await connection.domain(named: name)
            do {
                try await guests.wait(for: domain, until: .cloudInit, timeout: .seconds(60))
                Issue.record("waiting for cloud-init in a guest without it should fail")
            } catch {
                #expect(error.code == .cloudInit)
                #expect(error.message.contains("cannot wait for cloud-init in guest '\(name)': it is not installed there"))
            }
            #expect(clock.now - started < .seconds(20))

            // The user-mode NIC's address, from the agent.
            started = clock.now
            let addresses = try await guests.addresses(name, timeout: .seconds(60))
            print("[kinvm-it] addresses: \(addresses) after \(clock.now - started)")
            #expect(addresses.contains { $0.address == "10.0.2.15" && $0.prefix == 24 && $0.source == .agent && $0.family == "ipv4" })
            #expect(!addresses.contains { $0.address.hasPrefix("127.") || $0.address.hasPrefix("fe80") })

            // A TCG guest gets no vCPU hot-plug by default (QEMU can abort it), nothing changes ...
            do {
                _ = try await guests.resize(name, ResizeRequest(vcpus: 3, timeout: .seconds(90)))
                Issue.record("a vCPU hot-plug into a TCG guest should need --tcg-hotplug")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("runs under TCG") && error.message.contains("--tcg-hotplug"))
            }
            #expect(try await domain.vcpuCount(flags: .live) == 1)

            // ... and with the risk taken: live vCPU hot-add, verified inside the guest. QEMU aborts
            // only when the running vCPU has taken all 24 regions (~1 GiB of translated code) of
            // its translation cache since the last flush; this guest has only just booted.
            started = clock.now
            let cpus = try await guests.resize(name, ResizeRequest(vcpus: 3, timeout: .seconds(90), tcgHotplug: true))
            print("[kinvm-it] vCPUs 1 -> 3: \(clock.now - started), steps \(cpus.steps)")
            #expect(cpus.before.vcpus == 1 && cpus.before.guestOnlineCPUs == 1)
            #expect(cpus.after.vcpus == 3 && cpus.after.guestOnlineCPUs == 3)
            #expect(cpus.verifiedInGuest && !cpus.restarted && !cpus.pendingUntilRestart)
            #expect(cpus.steps.first == "vCPUs 1 -> 3 live")
            #expect(try await domain.vcpuCount(flags: .config) == 3)

            // Live memory through the balloon, verified by the balloon and the guest's MemTotal.
            started = clock.now
            let memory = try await guests.resize(name, ResizeRequest(memory: .mebibytes(400), timeout: .seconds(90)))
            print(
                "[kinvm-it] memory 256 -> 400 MiB: \(clock.now - started), MemTotal \(memory.before.guestMemTotalBytes.map { $0 >> 10 } ?? 0) -> "
                    + "\(memory.after.guestMemTotalBytes.map { $0 >> 10 } ?? 0) KiB, steps \(memory.steps)")
            #expect(memory.verifiedInGuest)
            #expect(memory.after.memoryBytes == 400 << 20)
            let memTotal = try #require(memory.after.guestMemTotalBytes)
            #expect(memTotal > 272 << 20 && memTotal <= 400 << 20)
            #expect(memTotal > (memory.before.guestMemTotalBytes ?? .max))

            // A live decrease is refused, saying what works instead.
            do {
                _ = try await guests.resize(name, ResizeRequest(vcpus: 2))
                Issue.record("a live vCPU decrease should be refused")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.hasSuffix("live vCPU removal is unreliable; use --restart or --config"))
            }
            #expect(try await domain.vcpuCount(flags: .live) == 3)

            // ... and done by restart: graceful stop, config, start, agent back, guest sees 2.
            started = clock.now
            let restart = try await guests.resize(name, ResizeRequest(vcpus: 2, mode: .restart, timeout: .seconds(120)))
            print("[kinvm-it] restart resize 3 -> 2: \(clock.now - started), steps \(restart.steps)")
            #expect(restart.restarted && restart.verifiedInGuest)
            #expect(restart.steps.first?.hasPrefix("stopped (ACPI, ") == true)
            #expect(restart.steps.contains("vCPUs 3 -> 2 (config)"))
            #expect(restart.after.vcpus == 2 && restart.after.guestOnlineCPUs == 2)
            #expect(restart.after.memoryBytes == 400 << 20)

            // Graceful stop: the guest's ACPI handler ran.
            let stop = try await guests.stop(name, timeout: .seconds(60))
            print("[kinvm-it] stop: \(stop.seconds) s")
            #expect(stop.graceful && !stop.wasStopped)
            let console = try await guests.consoleLog(name)
            #expect(console.contains("KINVM-POWEROFF"))
            #expect(console.contains("KINVM-TEST-GUEST-READY"))
            #expect(console == consoleText(consoleLog))
            #expect(try await guests.stop(name).wasStopped)
        }
    }
}

/// Progress steps collected from a `@Sendable` callback.
private final class StepLog: @unchecked Sendable {
    // @unchecked Sendable: every access holds the lock.
    private let lock = NSLock()
    private var steps: [String] = []

    func append(_ step: String) { lock.withLock { steps.append(step) } }
    var all: [String] { lock.withLock { steps } }
}
