import DomainTemplates
import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// start, stop, wait, resize, exec, addresses and the console log on libvirt's test driver (a
/// private host per test). The test driver has no guest agent and no DHCP leases: what needs them
/// is tested on the real daemon (GuestOperationsIntegrationTests); here their failure paths are.
@Suite("Guest power, resize and console on the test driver")
struct GuestPowerTests {
    struct Host {
        let connection: Connection
        let directory: String
        var guests: GuestManager { GuestManager(connection: connection) }

        static func open() async throws -> Host {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-pwr-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let xml = """
                <node>
                  <network><name>default</name><bridge name='virbr0'/><forward/>
                    <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
                  </network>
                </node>
                """
            try xml.write(toFile: "\(directory)/host.xml", atomically: true, encoding: .utf8)
            return Host(connection: try await Connection.open("test://\(directory)/host.xml"), directory: directory)
        }

        func remove() async {
            await connection.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func consoleLog(_ name: String) -> String { "\(directory)/\(name)-console.log" }

        /// Defines a guest (1 of max 2 vCPUs, 256 of max 512 MiB, a NIC on `default`, a user NIC
        /// when asked, the console logged to a file) and optionally starts it.
        @discardableResult
        func define(
            _ name: String, owned: Bool = true, running: Bool = false, userNIC: Bool = false, console: Bool = true
        ) async throws -> Domain {
            let metadata =
                owned ? "<metadata><kinvm:instance xmlns:kinvm='\(KinvmMetadata.namespace)' owner='kinvm' cluster='t'/></metadata>" : ""
            let user = userNIC ? "<interface type='user'><mac address='52:54:00:00:00:02'/><alias name='ua-kinvm-nic1'/></interface>" : ""
            let serial = console ? "<serial type='file'><source path='\(consoleLog(name))'/><target port='0'/></serial>" : ""
            let xml = """
                <domain type='test'>
                  <name>\(name)</name>
                  <memory unit='KiB'>524288</memory>
                  <currentMemory unit='KiB'>262144</currentMemory>
                  <vcpu current='1'>2</vcpu>
                  <os><type arch='x86_64'>hvm</type></os>
                  \(metadata)
                  <devices>
                    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><alias name='ua-kinvm-nic0'/></interface>
                    \(user)
                    \(serial)
                  </devices>
                </domain>
                """
            let domain = try await connection.defineDomain(xml: xml)
            if running { try await domain.start() }
            return domain
        }
    }

    // MARK: start / stop

    @Test("start: a stopped guest runs, a running one is fine, a foreign one may be started; progress is reported")
    func start() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1")
        try await host.define("foreign", owned: false)

        let steps = Steps()
        let info = try await host.guests.start("web-1", wait: .running, timeout: .seconds(10)) { steps.append($0.step) }
        #expect(info.state == "running")
        #expect(steps.all == ["starting", "waiting for the guest to run"])
        #expect(try await host.guests.start("web-1").state == "running")
        #expect(try await host.guests.start("foreign", wait: .none).state == "running")
        await expectProvisionerError(.notFound, containing: ["no guest named 'nope'"]) { _ = try await host.guests.start("nope") }
    }

    @Test("stop: graceful on the test driver, already stopped reported, foreign guests only with force")
    func stop() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1", running: true)
        try await host.define("foreign", owned: false, running: true)

        let stopped = try await host.guests.stop("web-1", timeout: .seconds(5))
        #expect(stopped.graceful && !stopped.wasStopped)
        #expect(stopped.seconds < 30, "graceful, not the timeout's forced stop (the bound allows for a loaded machine)")
        #expect(try await host.guests.get("web-1").state == "shut off")
        let again = try await host.guests.stop("web-1")
        #expect(again == GuestStop(name: "web-1", graceful: true, wasStopped: true, seconds: 0))

        await expectProvisionerError(.notOwned, containing: ["domain 'foreign' was not created by kinvm", "will not stop it", "--force"]) {
            _ = try await host.guests.stop("foreign")
        }
        #expect(try await host.guests.get("foreign").state == "running")
        #expect(try await host.guests.stop("foreign", force: true).graceful)
        #expect(try await host.guests.get("foreign").state == "shut off")
    }

    // MARK: wait

    @Test("a wait that times out says when the guest's kernel reported stalled CPUs, and shows the console's last lines")
    func waitTimeoutWithStalledBoot() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1", running: true)
        try await domain.suspend()  // paused: never "running", so the wait runs to its timeout
        let console = """
            [    0.000000] Linux version 6.1.0-28-cloud-amd64
            [   31.204117] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
            [   31.204117] rcu:     0-...!: (1 GPs behind) idle=9a4/0/0x1 softirq=1021/1022 fqs=0
            [   31.215010]  hrtimer_start_range_ns+0x2a1/0x390
            last line before the timeout
            """
        try console.write(toFile: host.consoleLog("web-1"), atomically: true, encoding: .utf8)
        await expectProvisionerError(
            .timeout,
            containing: [
                "guest 'web-1' did not reach running within 1 s", "the guest's kernel reports stalled CPUs",
                "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "oversubscribed",
                "last console lines:\n[    0.000000] Linux version", "last line before the timeout",
            ]
        ) {
            try await host.guests.wait(for: domain, until: .running, timeout: .seconds(1))
        }
        // Without stall lines: the timeout and the console, no stall claim.
        try "[    1.0] Run /init as init process\n".write(toFile: host.consoleLog("web-1"), atomically: true, encoding: .utf8)
        await expectProvisionerError(.timeout, containing: ["Run /init as init process"]) {
            do {
                try await host.guests.wait(for: domain, until: .running, timeout: .seconds(1))
            } catch let error as ProvisionerError {
                #expect(!error.message.contains("stalled"))
                throw error
            }
        }
    }

    @Test(
        "BootStall finds the kernel's stall and lockup reports, and nothing else",
        arguments: [
            ("[   31.2] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", true),
            ("[   40.0] rcu: INFO: rcu_sched self-detected stall on CPU", true),
            ("[   52.1] watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [swapper/0:1]", true),
            ("[  242.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.", true),
            ("[   12.0] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:", true),
            ("[    0.3] rcu: Preemptible hierarchical RCU implementation.", false),
            ("[    2.0] Run /init as init process\nKINVM-TEST-GUEST-READY", false),
            ("", false),
        ])
    func bootStall(console: String, stalled: Bool) {
        let found = BootStall.find(in: "[    0.0] Linux version 6.1\n" + console + "\nlater\n")
        #expect((found != nil) == stalled)
        if let found { #expect(console.contains(found.line) && found.line.count <= 200) }
    }

    @Test("wait fails at once for a shut-off guest, with the state and the console's last lines")
    func waitForStoppedGuest() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1")
        let lines = (1...30).map { "console line \($0)" }.joined(separator: "\n")
        try lines.write(toFile: host.consoleLog("web-1"), atomically: true, encoding: .utf8)

        let clock = ContinuousClock()
        let started = clock.now
        for condition in [GuestWaitCondition.running, .agent, .cloudInit] {
            await expectProvisionerError(
                .invalidState,
                containing: ["guest 'web-1' is shut off while waiting for \(condition.rawValue)", "console line 11\n", "console line 30"]
            ) {
                try await host.guests.wait(for: domain, until: condition, timeout: .seconds(600))
            }
        }
        // "At once": far sooner than the 600 s the waits were given (the bound leaves room for a
        // machine loaded by the rest of the suite and by real guests).
        #expect(clock.now - started < .seconds(60))
        // Only the last 20 lines.
        await expectProvisionerError(.invalidState, containing: []) {
            do {
                try await host.guests.wait(for: domain, until: .running, timeout: .seconds(30))
            } catch let error as ProvisionerError {
                #expect(!error.message.contains("console line 10\n"))
                throw error
            }
        }
        // .none never waits.
        try await host.guests.wait(for: domain, until: .none, timeout: .zero)
    }

    @Test("waiting for an agent that never answers times out, saying what was awaited and seen")
    func waitAgentTimeout() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1", running: true)
        let clock = ContinuousClock()
        let started = clock.now
        await expectProvisionerError(
            .timeout, containing: ["guest 'web-1' did not reach agent within 1.5 s; last seen: guest agent: no answer ("]
        ) {
            try await host.guests.wait(for: domain, until: .agent, timeout: .milliseconds(1500))
        }
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(1500) && elapsed < .seconds(60))
    }

    @Test("a wait is cancellable")
    func waitCancellable() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1", running: true)
        let guests = host.guests
        let task = Task {
            try await guests.wait(for: domain, until: .agent, timeout: .seconds(600))
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let clock = ContinuousClock()
        let started = clock.now
        let result = await task.result
        // Far sooner than the wait's 600 s (room for a machine loaded by the rest of the suite).
        #expect(clock.now - started < .seconds(60))
        guard case .failure(let error as ProvisionerError) = result else {
            Issue.record("a cancelled wait should fail with a ProvisionerError: \(result)")
            return
        }
        #expect(error.code == .cancelled)
    }

    // MARK: resize

    @Test("resize a stopped guest: config changes, ceilings raised, nothing pending")
    func resizeStopped() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1")
        let outcome = try await host.guests.resize("web-1", ResizeRequest(vcpus: 3, memory: .mebibytes(768)))
        #expect(outcome.before == GuestSizes(vcpus: 1, maxVCPUs: 2, memoryBytes: 256 << 20, maxMemoryBytes: 512 << 20))
        #expect(outcome.after == GuestSizes(vcpus: 3, maxVCPUs: 3, memoryBytes: 768 << 20, maxMemoryBytes: 768 << 20))
        #expect(
            outcome.steps == [
                "vCPU ceiling 2 -> 3 (config)", "vCPUs 1 -> 3 (config)", "memory ceiling 512MiB -> 768MiB (config)",
                "memory 256MiB -> 768MiB (config)",
            ])
        #expect(!outcome.restarted && !outcome.pendingUntilRestart && !outcome.verifiedInGuest)
        let info = try await host.guests.get("web-1")
        #expect(info.vcpus == 3 && info.maxVCPUs == 3 && info.memoryBytes == 768 << 20)

        let nothing = try await host.guests.resize("web-1", ResizeRequest(vcpus: 3, memory: .mebibytes(768)))
        #expect(nothing.steps.isEmpty && nothing.before == nothing.after)

        await expectProvisionerError(.invalidState, containing: ["guest 'web-1' is shut off: a live resize needs a running guest"]) {
            _ = try await host.guests.resize("web-1", ResizeRequest(vcpus: 2, mode: .live))
        }
    }

    @Test("resize a running guest without agent: live and config, checked through libvirt, not in the guest")
    func resizeRunningLive() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1", running: true)
        let outcome = try await host.guests.resize(
            "web-1", ResizeRequest(vcpus: 2, memory: .mebibytes(384), timeout: .seconds(5)))
        #expect(
            outcome.steps == [
                "vCPUs 1 -> 2 live", "libvirt reports 2 vCPUs (not checked in the guest: no guest agent)",
                "memory 256MiB -> 384MiB live", "balloon at 384MiB (not checked in the guest: no guest agent)",
            ])
        #expect(!outcome.verifiedInGuest && !outcome.restarted && !outcome.pendingUntilRestart)
        #expect(outcome.after.vcpus == 2 && outcome.after.memoryBytes == 384 << 20)
        #expect(outcome.after.guestOnlineCPUs == nil)
        // Saved in the config too.
        #expect(try await domain.vcpuCount(flags: .config) == 2)
    }

    @Test("resize a running guest: refusals in auto mode, config mode pending until restart, foreign guests need force")
    func resizeRunningRefusals() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let domain = try await host.define("web-1", running: true)
        try await host.define("foreign", owned: false, running: true)

        await expectProvisionerError(.unsupported, containing: ["live vCPU removal is unreliable; use --restart or --config"]) {
            try await domain.setVCPUs(2, flags: .live)
            _ = try await host.guests.resize("web-1", ResizeRequest(vcpus: 1))
        }
        await expectProvisionerError(.unsupported, containing: ["its memory ceiling is 512MiB"]) {
            _ = try await host.guests.resize("web-1", ResizeRequest(memory: .gibibytes(1), mode: .live))
        }
        let config = try await host.guests.resize("web-1", ResizeRequest(vcpus: 1, memory: .gibibytes(1), mode: .config))
        #expect(config.pendingUntilRestart && !config.restarted)
        // The config already has 1 vCPU (the live change above was live only).
        #expect(config.steps == ["memory ceiling 512MiB -> 1GiB (config)", "memory 256MiB -> 1GiB (config)"])
        #expect(try await domain.vcpuCount(flags: .live) == 2)

        await expectProvisionerError(.notOwned, containing: ["will not resize it unless you pass --force"]) {
            _ = try await host.guests.resize("foreign", ResizeRequest(vcpus: 2))
        }
        #expect(try await host.guests.resize("foreign", ResizeRequest(vcpus: 2), force: true).after.vcpus == 2)
    }

    // MARK: exec, addresses, console

    @Test("exec needs a running guest and the agent; errors name the guest and the command")
    func exec() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1")
        await expectProvisionerError(.invalidState, containing: ["guest 'web-1' is shut off", "running guest"]) {
            _ = try await host.guests.exec("web-1", "/bin/true")
        }
        _ = try await host.guests.start("web-1")
        await expectProvisionerError(.guestAgent, containing: ["guest agent of 'web-1' failed 'guest-exec'"]) {
            _ = try await host.guests.exec("web-1", "/bin/true")
        }
    }

    @Test("addresses: what was tried is said, and user-mode NICs are explained")
    func addresses() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1", running: true, userNIC: true)
        await expectProvisionerError(
            .timeout,
            containing: [
                "no IP address for guest web-1; tried: guest agent (no answer: ",
                "DHCP leases of network 'default' (cannot read them: ",
                "; user-mode NICs get no lease, the guest agent is the only source for them",
            ]
        ) {
            _ = try await host.guests.addresses("web-1")
        }
        let clock = ContinuousClock()
        let started = clock.now
        await expectProvisionerError(.timeout, containing: ["no IP address for guest web-1 within 1.5 s; tried: "]) {
            _ = try await host.guests.addresses("web-1", timeout: .milliseconds(1500))
        }
        #expect(clock.now - started >= .milliseconds(1500))
        _ = try await host.guests.stop("web-1")
        await expectProvisionerError(.invalidState, containing: ["guest 'web-1' is shut off"]) {
            _ = try await host.guests.addresses("web-1")
        }
    }

    @Test("the agent's addresses without loopback and link-local")
    func usableAddresses() {
        typealias Interface = GuestAgent.Interface
        let interfaces = [
            Interface(name: "lo", hardwareAddress: "00:00:00:00:00:00", ipAddresses: [.init(type: "ipv4", address: "127.0.0.1", prefix: 8)]),
            Interface(
                name: "eth0", hardwareAddress: "52:54:00:AA:BB:CC",
                ipAddresses: [
                    .init(type: "ipv4", address: "10.0.2.15", prefix: 24), .init(type: "ipv6", address: "fe80::1", prefix: 64),
                    .init(type: "ipv4", address: "169.254.3.4", prefix: 16), .init(type: "ipv6", address: "fd00::15", prefix: 64),
                ]),
        ]
        #expect(
            GuestManager.usableAddresses(interfaces) == [
                GuestAddress(interface: "eth0", mac: "52:54:00:aa:bb:cc", family: "ipv4", address: "10.0.2.15", prefix: 24, source: .agent),
                GuestAddress(interface: "eth0", mac: "52:54:00:aa:bb:cc", family: "ipv6", address: "fd00::15", prefix: 64, source: .agent),
            ])
    }

    @Test("the console log: read when local, missing file and missing log named")
    func consoleLog() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.define("web-1")
        try await host.define("quiet", console: false)
        await expectProvisionerError(.notFound, containing: ["does not exist at \(host.consoleLog("web-1"))"]) {
            _ = try await host.guests.consoleLog("web-1")
        }
        try "KINVM-TEST-GUEST-READY\n".write(toFile: host.consoleLog("web-1"), atomically: true, encoding: .utf8)
        #expect(try await host.guests.consoleLog("web-1") == "KINVM-TEST-GUEST-READY\n")
        await expectProvisionerError(.notFound, containing: ["guest 'quiet' has no console log file"]) {
            _ = try await host.guests.consoleLog("quiet")
        }
    }

    @Test("a console log file that does not exist here is .notFound, naming the path")
    func consoleLogMissing() {
        do {
            _ = try GuestManager.readLocalConsoleLog(at: "/nonexistent/kinvm-web-1-console.log", guest: "web-1")
            Issue.record("a missing log should fail")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("does not exist at /nonexistent/kinvm-web-1-console.log"))
        }
    }

    @Test("cloud-init status --long is read: done, running, error and degraded with their reports", arguments: [
        ("status: done\ntime: Sat, 29 Nov 2025\ndetail:\nDataSourceNoCloud\n", 0, CloudInitStatus.done),
        ("status: running\ntime: …\n", 0, .running("running")),
        ("status: not run\n", 0, .running("not run")),
        ("status: error\ndetail:\n('scripts_user', RuntimeError())\n", 1,
         .failed(status: "error", report: "status: error\ndetail:\n('scripts_user', RuntimeError())")),
        ("status: done\nextended_status: degraded done\nerrors: []\nrecoverable_errors:\nWARNING:\n\t- no locale\n", 2,
         .failed(status: "degraded done", report: "status: done\nextended_status: degraded done\nerrors: []\nrecoverable_errors:\nWARNING:\n\t- no locale")),
        ("", 127, .unknown),
    ])
    func cloudInitStatus(output: String, exitCode: Int, expected: CloudInitStatus) {
        #expect(CloudInitStatus(output: output, exitCode: exitCode) == expected)
    }

    @Test("cloud-init's state files are read: not started, a stage, done, error, degraded", arguments: [
        (nil, nil, CloudInitProgress.running("not started")),
        (nil, #"{"v1": {"stage": "modules-config", "init": {"errors": []}}}"#, .running("stage modules-config")),
        (nil, #"{"v1": {"stage": null}}"#, .running("between stages")),
        (#"{"v1": {"datasource": "DataSourceNoCloud", "errors": []}}"#, nil, .done),
        (#"{"v1": {"errors": ["('scripts_user', RuntimeError())"]}}"#, nil,
         .failed(status: "error", report: "errors:\n  - ('scripts_user', RuntimeError())")),
        (#"{"v1": {"errors": [], "recoverable_errors": {"WARNING": ["no locale"], "DEPRECATED": []}}}"#, nil,
         .failed(status: "degraded done", report: "recoverable errors:\n  - WARNING: no locale")),
        ("{\"v1\": {\"err", nil, .running("writing its result")),
    ] as [(String?, String?, CloudInitProgress)])
    func cloudInitProgress(result: String?, status: String?, expected: CloudInitProgress) {
        #expect(CloudInitProgress(result: result.map { Array($0.utf8) }, status: status.map { Array($0.utf8) }) == expected)
    }
}

/// Collects progress steps from a `@Sendable` callback.
private final class Steps: @unchecked Sendable {
    // @unchecked Sendable: every access holds the lock.
    private let lock = NSLock()
    private var steps: [String] = []

    func append(_ step: String) { lock.withLock { steps.append(step) } }
    var all: [String] { lock.withLock { steps } }
}
