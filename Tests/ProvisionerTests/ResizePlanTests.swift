import DomainTemplates
import Testing

@testable import Provisioner

/// The resize planner: pure decisions from observed sizes and a request, no libvirt.
@Suite("ResizePlan")
struct ResizePlanTests {
    typealias Sizes = ResizePlan.Sizes
    typealias Action = ResizePlan.Action

    static let mib: UInt64 = 1024

    /// A guest with 2 of max 4 vCPUs and 2 of max 4 GiB.
    static let standard = Sizes(vcpus: 2, maxVCPUs: 4, memoryKiB: 2048 * mib, maxMemoryKiB: 4096 * mib)

    static func running(agent: Bool = true, live: Sizes = standard, config: Sizes = standard) -> ResizePlan.Observation {
        ResizePlan.Observation(guest: "web-1", live: live, config: config, agent: agent)
    }

    static func stopped(config: Sizes = standard) -> ResizePlan.Observation {
        ResizePlan.Observation(guest: "web-1", live: nil, config: config, agent: false)
    }

    static func request(_ vcpus: Int? = nil, _ memoryMiB: UInt64? = nil, _ mode: ResizeMode) -> ResizeRequest {
        ResizeRequest(vcpus: vcpus, memory: memoryMiB.map { .mebibytes($0) }, mode: mode)
    }

    static func expectRefusal(
        _ observed: ResizePlan.Observation, _ request: ResizeRequest, _ code: ProvisionerError.Code, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let plan = try ResizePlan.make(observed, request)
            Issue.record("expected a refusal, got \(plan.actions)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        }
    }

    // MARK: Stopped guests

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var observed: ResizePlan.Observation
        var request: ResizeRequest
        var actions: [Action]
        var pending: Bool = false
        var testDescription: String { label }
    }

    static let stoppedCases: [Case] = [
        Case(label: "vCPUs within the ceiling", observed: stopped(), request: request(3, nil, .auto),
             actions: [.setVCPUs(3, live: false, config: true)]),
        Case(label: "vCPU decrease is just config", observed: stopped(), request: request(1, nil, .auto),
             actions: [.setVCPUs(1, live: false, config: true)]),
        Case(label: "vCPUs above the ceiling raise it first", observed: stopped(), request: request(8, nil, .restart),
             actions: [.setMaxVCPUs(8), .setVCPUs(8, live: false, config: true)]),
        Case(label: "memory above the ceiling raises it first", observed: stopped(), request: request(nil, 8192, .config),
             actions: [.setMaxMemory(kib: 8192 * mib), .setMemory(kib: 8192 * mib, live: false, config: true)]),
        Case(label: "both, memory down", observed: stopped(), request: request(6, 1024, .auto),
             actions: [.setMaxVCPUs(6), .setVCPUs(6, live: false, config: true), .setMemory(kib: 1024 * mib, live: false, config: true)]),
        Case(label: "nothing to change", observed: stopped(), request: request(2, 2048, .auto), actions: []),
        Case(label: "nothing asked", observed: stopped(), request: request(nil, nil, .restart), actions: []),
    ]

    @Test("a stopped guest: config changes, ceilings raised, nothing pending", arguments: stoppedCases)
    func stoppedGuest(_ testCase: Case) throws {
        let plan = try ResizePlan.make(testCase.observed, testCase.request)
        #expect(plan.actions == testCase.actions)
        #expect(plan.pendingUntilRestart == false)
        #expect(plan.restart == false)
    }

    @Test("live on a stopped guest is refused")
    func liveOnStopped() {
        Self.expectRefusal(
            Self.stopped(), Self.request(3, nil, .live), .invalidState,
            "guest 'web-1' is shut off: a live resize needs a running guest; use --config (applies at the next start) "
                + "or start it first")
    }

    // MARK: Running guests, live

    static let liveCases: [Case] = [
        Case(label: "vCPU increase, verified in the guest", observed: running(), request: request(4, nil, .auto),
             actions: [.setVCPUs(4, live: true, config: true), .verifyVCPUs(4, inGuest: true)]),
        Case(label: "vCPU increase without agent: verified by libvirt only", observed: running(agent: false),
             request: request(3, nil, .live),
             actions: [.setVCPUs(3, live: true, config: true), .verifyVCPUs(3, inGuest: false)]),
        Case(label: "memory up to the ceiling", observed: running(), request: request(nil, 4096, .live),
             actions: [.setMemory(kib: 4096 * mib, live: true, config: true), .verifyMemory(kib: 4096 * mib, inGuest: true)]),
        Case(label: "memory down through the balloon", observed: running(), request: request(nil, 1024, .auto),
             actions: [.setMemory(kib: 1024 * mib, live: true, config: true), .verifyMemory(kib: 1024 * mib, inGuest: true)]),
        Case(label: "both live in restart mode: no restart needed", observed: running(), request: request(3, 3072, .restart),
             actions: [
                .setVCPUs(3, live: true, config: true), .verifyVCPUs(3, inGuest: true),
                .setMemory(kib: 3072 * mib, live: true, config: true), .verifyMemory(kib: 3072 * mib, inGuest: true),
             ]),
        Case(label: "the config ceiling is raised before a live+config change above it",
             observed: running(config: Sizes(vcpus: 2, maxVCPUs: 2, memoryKiB: 2048 * mib, maxMemoryKiB: 2048 * mib)),
             request: request(3, 3072, .auto),
             actions: [
                .setMaxVCPUs(3), .setVCPUs(3, live: true, config: true), .verifyVCPUs(3, inGuest: true),
                .setMaxMemory(kib: 3072 * mib), .setMemory(kib: 3072 * mib, live: true, config: true),
                .verifyMemory(kib: 3072 * mib, inGuest: true),
             ]),
        Case(label: "live already right, config brought in line",
             observed: running(config: Sizes(vcpus: 1, maxVCPUs: 4, memoryKiB: 1024 * mib, maxMemoryKiB: 4096 * mib)),
             request: request(2, 2048, .auto),
             actions: [.setVCPUs(2, live: false, config: true), .setMemory(kib: 2048 * mib, live: false, config: true)]),
        Case(label: "nothing to change", observed: running(), request: request(2, 2048, .live), actions: []),
    ]

    @Test("a running guest: live and config within the ceilings, then verified", arguments: liveCases)
    func runningLive(_ testCase: Case) throws {
        let plan = try ResizePlan.make(testCase.observed, testCase.request)
        #expect(plan.actions == testCase.actions)
        #expect(plan.pendingUntilRestart == false)
        #expect(plan.restart == false)
    }

    // MARK: Refusals

    struct Refusal: Sendable, CustomTestStringConvertible {
        var request: ResizeRequest
        var message: String
        var testDescription: String { "\(request.mode): \(message.prefix(40))" }
    }

    static let decrease =
        "cannot lower guest 'web-1' from 2 to 1 vCPUs while it runs: live vCPU removal is unreliable; use --restart or --config"
    static let vcpuCeiling =
        "cannot raise guest 'web-1' to 6 vCPUs while it runs: its vCPU ceiling is 4; use --restart (stop, raise the "
        + "ceiling, start) or --config (applies at the next start)"
    static let memoryCeiling =
        "cannot give guest 'web-1' 8GiB of memory while it runs: its memory ceiling is 4GiB; use --restart (stop, raise "
        + "the ceiling, start) or --config (applies at the next start)"

    static let refusals: [Refusal] = [
        Refusal(request: request(1, nil, .auto), message: decrease),
        Refusal(request: request(1, nil, .live), message: decrease),
        Refusal(request: request(6, nil, .auto), message: vcpuCeiling),
        Refusal(request: request(6, nil, .live), message: vcpuCeiling),
        Refusal(request: request(nil, 8192, .auto), message: memoryCeiling),
        Refusal(request: request(nil, 8192, .live), message: memoryCeiling),
        // The vCPU refusal is reported first; nothing is done for the memory either.
        Refusal(request: request(1, 3072, .auto), message: decrease),
        Refusal(request: request(3, 8192, .auto), message: memoryCeiling),
    ]

    @Test("what cannot be done live is refused in auto and live mode, saying what is possible", arguments: refusals)
    func refusedLive(_ refusal: Refusal) {
        Self.expectRefusal(Self.running(), refusal.request, .unsupported, refusal.message)
    }

    // MARK: Restart and config

    static let restartCases: [Case] = [
        Case(label: "vCPU decrease", observed: running(), request: request(1, nil, .restart),
             actions: [.stop, .setVCPUs(1, live: false, config: true), .start, .waitForAgent, .verifyVCPUs(1, inGuest: true)]),
        Case(label: "vCPUs above the ceiling", observed: running(), request: request(6, nil, .restart),
             actions: [.stop, .setMaxVCPUs(6), .setVCPUs(6, live: false, config: true), .start, .waitForAgent,
                       .verifyVCPUs(6, inGuest: true)]),
        Case(label: "memory above the ceiling, with a vCPU change done in the same restart", observed: running(),
             request: request(3, 8192, .restart),
             actions: [.stop, .setVCPUs(3, live: false, config: true), .setMaxMemory(kib: 8192 * mib),
                       .setMemory(kib: 8192 * mib, live: false, config: true), .start, .waitForAgent,
                       .verifyVCPUs(3, inGuest: true), .verifyMemory(kib: 8192 * mib, inGuest: true)]),
        Case(label: "no agent: no agent wait, libvirt-only checks", observed: running(agent: false),
             request: request(1, nil, .restart),
             actions: [.stop, .setVCPUs(1, live: false, config: true), .start, .verifyVCPUs(1, inGuest: false)]),
        Case(label: "config already at the target: restart only",
             observed: running(live: Sizes(vcpus: 3, maxVCPUs: 4, memoryKiB: 2048 * mib, maxMemoryKiB: 4096 * mib)),
             request: request(2, nil, .restart),
             actions: [.stop, .start, .waitForAgent, .verifyVCPUs(2, inGuest: true)]),
    ]

    @Test("restart mode: graceful stop, config with ceilings, start, agent, verify", arguments: restartCases)
    func restart(_ testCase: Case) throws {
        let plan = try ResizePlan.make(testCase.observed, testCase.request)
        #expect(plan.actions == testCase.actions)
        #expect(plan.restart)
        #expect(plan.pendingUntilRestart == false)
    }

    static let configCases: [Case] = [
        Case(label: "decrease", observed: running(), request: request(1, nil, .config),
             actions: [.setVCPUs(1, live: false, config: true)], pending: true),
        Case(label: "above both ceilings", observed: running(), request: request(6, 8192, .config),
             actions: [.setMaxVCPUs(6), .setVCPUs(6, live: false, config: true), .setMaxMemory(kib: 8192 * mib),
                       .setMemory(kib: 8192 * mib, live: false, config: true)], pending: true),
        Case(label: "config already there", observed: running(), request: request(2, 2048, .config), actions: []),
    ]

    @Test("config mode on a running guest: config only, pending until restart", arguments: configCases)
    func configOnRunning(_ testCase: Case) throws {
        let plan = try ResizePlan.make(testCase.observed, testCase.request)
        #expect(plan.actions == testCase.actions)
        #expect(plan.pendingUntilRestart == testCase.pending)
        #expect(plan.restart == false)
    }

    @Test("bad sizes are refused before anything else", arguments: [
        (request(0, nil, .auto), "--vcpus must be between 1 and 4096 (got 0)"),
        (request(5000, nil, .config), "--vcpus must be between 1 and 4096 (got 5000)"),
        (ResizeRequest(memory: ByteSize(bytes: 1000), mode: .auto), "--memory must be at least 1MiB and a whole number of KiB (got 1000B)"),
        (ResizeRequest(memory: ByteSize(bytes: (2 << 20) + 5), mode: .auto),
         "--memory must be at least 1MiB and a whole number of KiB (got 2097157B)"),
    ])
    func invalidSizes(_ request: ResizeRequest, _ message: String) {
        Self.expectRefusal(Self.stopped(), request, .invalidArgument, message)
        Self.expectRefusal(Self.running(), request, .invalidArgument, message)
    }

    @Test("the guest MemTotal window: at most the balloon, at least the balloon minus the kernel's share")
    func memTotalWindow() {
        #expect(GuestManager.memTotalWindow(kib: 400 * Self.mib) == (272 * Self.mib)...(400 * Self.mib))
        #expect(GuestManager.memTotalWindow(kib: 8192 * Self.mib) == (7168 * Self.mib)...(8192 * Self.mib))
        // 256 MiB booted guests show ~225 MiB: outside the window of 400 MiB, so growth is detected.
        #expect(!GuestManager.memTotalWindow(kib: 400 * Self.mib).contains(230 * Self.mib))
    }

    @Test("TCG guests: adding vCPUs needs a restart unless the request takes the risk; memory stays live")
    func tcgHotplug() throws {
        var tcg = Self.running()
        tcg.tcg = true
        Self.expectRefusal(
            tcg, Self.request(3, nil, .auto), .unsupported,
            "cannot hot-plug vCPUs into guest 'web-1': it runs under TCG (type 'qemu'), where QEMU can abort the whole "
                + "guest when a vCPU is added (tcg_region_initial_alloc__locked); use --restart (stop, change, start), "
                + "--config (applies at the next start), or --tcg-hotplug to take the risk")
        Self.expectRefusal(tcg, Self.request(3, 3072, .live), .unsupported, "cannot hot-plug vCPUs into guest 'web-1': it runs under TCG (type 'qemu'), where QEMU can abort the whole "
                + "guest when a vCPU is added (tcg_region_initial_alloc__locked); use --restart (stop, change, start), "
                + "--config (applies at the next start), or --tcg-hotplug to take the risk")

        let restart = try ResizePlan.make(tcg, Self.request(3, nil, .restart))
        #expect(restart.actions == [.stop, .setVCPUs(3, live: false, config: true), .start, .waitForAgent, .verifyVCPUs(3, inGuest: true)])

        let memory = try ResizePlan.make(tcg, Self.request(nil, 3072, .auto))
        #expect(!memory.restart)
        #expect(memory.actions == [.setMemory(kib: 3072 * Self.mib, live: true, config: true), .verifyMemory(kib: 3072 * Self.mib, inGuest: true)])

        var risky = Self.request(3, nil, .auto)
        risky.tcgHotplug = true
        let live = try ResizePlan.make(tcg, risky)
        #expect(live.actions == [.setVCPUs(3, live: true, config: true), .verifyVCPUs(3, inGuest: true)])

        // KVM guests hot-plug as before.
        #expect(try ResizePlan.make(Self.running(), Self.request(3, nil, .auto)).actions == live.actions)
        // A stopped TCG guest's config is changed as any other.
        var stopped = Self.stopped()
        stopped.tcg = true
        #expect(try ResizePlan.make(stopped, Self.request(3, nil, .auto)).actions == [.setVCPUs(3, live: false, config: true)])
    }
}
