import DomainTemplates

/// What `resize` will do, decided from observed sizes and the request alone (no I/O): an ordered
/// list of actions, or a refusal whose message says what is possible instead.
///
/// The rules:
/// - stopped guest: config changes (ceilings raised first when needed); they apply at start.
///   `.live` is refused (`.invalidState`).
/// - `.config`: config changes only; for a running guest they are pending until the next start.
/// - running guest, `.auto`/`.live`/`.restart`: vCPU increases up to the live ceiling and memory
///   changes up to the memory ceiling are made live and in the config, then verified (in the guest
///   when the agent answers). A vCPU decrease, or a size above a ceiling, is refused (`.unsupported`)
///   except in `.restart`, which stops the guest gracefully, changes the config (raising ceilings),
///   starts it, waits for the agent if it had one, and verifies.
/// - TCG guests (`type='qemu'`) get no live vCPU hot-plug unless the request takes the risk
///   (`tcgHotplug`): QEMU's multi-threaded TCG gives each vCPU thread a region of the translation
///   cache when the thread starts, and aborts the whole guest (`tcg_region_initial_alloc__locked:
///   assertion failed`) when the running vCPUs have taken every region since the last flush, which
///   a guest that has run for a while often has (QEMU 7.2 here; upstream's `tcg/region.c` still asserts so).
///   Memory (balloon) stays live.
struct ResizePlan: Sendable, Hashable {
    /// The sizes of one side (the running guest, or its persistent config); memory in KiB.
    struct Sizes: Sendable, Hashable {
        var vcpus: Int
        var maxVCPUs: Int
        var memoryKiB: UInt64
        var maxMemoryKiB: UInt64
    }

    /// What the planner knows of the guest.
    struct Observation: Sendable, Hashable {
        var guest: String
        /// The running guest's sizes; nil when it is shut off.
        var live: Sizes?
        /// The persistent definition's sizes.
        var config: Sizes
        /// The guest agent answered.
        var agent: Bool
        /// The guest runs under TCG (`type='qemu'`): vCPU hot-plug can abort it.
        var tcg: Bool = false

        var running: Bool { live != nil }
    }

    enum Action: Sendable, Hashable {
        /// Raise the vCPU ceiling in the config.
        case setMaxVCPUs(Int)
        case setVCPUs(Int, live: Bool, config: Bool)
        /// Raise the memory ceiling in the config.
        case setMaxMemory(kib: UInt64)
        case setMemory(kib: UInt64, live: Bool, config: Bool)
        /// Graceful stop (destroy after the request's timeout).
        case stop
        case start
        case waitForAgent
        /// libvirt's live count is `n`, and with `inGuest` the guest has `n` CPUs online.
        case verifyVCPUs(Int, inGuest: Bool)
        /// The balloon is at the size, and with `inGuest` the guest's MemTotal matches.
        case verifyMemory(kib: UInt64, inGuest: Bool)
    }

    var actions: [Action]
    var restart: Bool { actions.contains(.stop) }
    /// Config-only changes to a running guest.
    var pendingUntilRestart: Bool

    static let restartAdvice = "use --restart (stop, raise the ceiling, start) or --config (applies at the next start)"

    /// Plans `request` for the observed guest, or throws the refusal.
    static func make(_ observed: Observation, _ request: ResizeRequest) throws(ProvisionerError) -> ResizePlan {
        try validate(request)
        let vcpus = request.vcpus
        let memory = request.memory.map { $0.bytes / 1024 }
        guard let live = observed.live else {
            guard request.mode != .live else {
                throw ProvisionerError(
                    .invalidState,
                    "guest '\(observed.guest)' is shut off: a live resize needs a running guest; use --config (applies "
                        + "at the next start) or start it first")
            }
            return ResizePlan(actions: configActions(observed.config, vcpus: vcpus, memoryKiB: memory), pendingUntilRestart: false)
        }
        if request.mode == .config {
            let actions = configActions(observed.config, vcpus: vcpus, memoryKiB: memory)
            return ResizePlan(actions: actions, pendingUntilRestart: !actions.isEmpty)
        }
        let refusals = liveRefusals(
            observed.guest, live: live, vcpus: vcpus, memoryKiB: memory, tcg: observed.tcg && !request.tcgHotplug)
        if let refusal = refusals.first {
            guard request.mode == .restart else { throw ProvisionerError(.unsupported, refusal) }
            return restartPlan(observed, vcpus: vcpus, memoryKiB: memory)
        }
        return ResizePlan(actions: liveActions(observed, live: live, vcpus: vcpus, memoryKiB: memory), pendingUntilRestart: false)
    }

    static func validate(_ request: ResizeRequest) throws(ProvisionerError) {
        if let vcpus = request.vcpus, !(1...DomainSpec.vcpuLimit).contains(vcpus) {
            throw ProvisionerError(
                .invalidArgument, "--vcpus must be between 1 and \(DomainSpec.vcpuLimit) (got \(vcpus))")
        }
        if let memory = request.memory, memory.bytes < 1 << 20 || memory.bytes % 1024 != 0 {
            throw ProvisionerError(
                .invalidArgument, "--memory must be at least 1MiB and a whole number of KiB (got \(memory))")
        }
    }

    /// Why each requested change cannot be made live; empty when all can. With `tcg`, adding vCPUs
    /// is refused too (see the type's documentation).
    static func liveRefusals(_ guest: String, live: Sizes, vcpus: Int?, memoryKiB: UInt64?, tcg: Bool = false) -> [String] {
        var refusals: [String] = []
        if let vcpus, vcpus < live.vcpus {
            refusals.append(
                "cannot lower guest '\(guest)' from \(live.vcpus) to \(vcpus) vCPUs while it runs: live vCPU removal is "
                    + "unreliable; use --restart or --config")
        } else if let vcpus, vcpus > live.maxVCPUs {
            refusals.append(
                "cannot raise guest '\(guest)' to \(vcpus) vCPUs while it runs: its vCPU ceiling is \(live.maxVCPUs); "
                    + restartAdvice)
        } else if let vcpus, vcpus > live.vcpus, tcg {
            refusals.append(
                "cannot hot-plug vCPUs into guest '\(guest)': it runs under TCG (type 'qemu'), where QEMU can abort the "
                    + "whole guest when a vCPU is added (tcg_region_initial_alloc__locked); use --restart (stop, change, "
                    + "start), --config (applies at the next start), or --tcg-hotplug to take the risk")
        }
        if let memoryKiB, memoryKiB > live.maxMemoryKiB {
            refusals.append(
                "cannot give guest '\(guest)' \(size(memoryKiB)) of memory while it runs: its memory ceiling is "
                    + "\(size(live.maxMemoryKiB)); " + restartAdvice)
        }
        return refusals
    }

    /// Changes to the persistent definition, ceilings first.
    static func configActions(_ config: Sizes, vcpus: Int?, memoryKiB: UInt64?) -> [Action] {
        var actions: [Action] = []
        if let vcpus, vcpus != config.vcpus {
            if vcpus > config.maxVCPUs { actions.append(.setMaxVCPUs(vcpus)) }
            actions.append(.setVCPUs(vcpus, live: false, config: true))
        }
        if let memoryKiB, memoryKiB != config.memoryKiB {
            if memoryKiB > config.maxMemoryKiB { actions.append(.setMaxMemory(kib: memoryKiB)) }
            actions.append(.setMemory(kib: memoryKiB, live: false, config: true))
        }
        return actions
    }

    /// Live (and config) changes within the ceilings, each followed by its verification. A size the
    /// running guest already has is still written to the config when that differs.
    static func liveActions(_ observed: Observation, live: Sizes, vcpus: Int?, memoryKiB: UInt64?) -> [Action] {
        var actions: [Action] = []
        let config = observed.config
        if let vcpus, vcpus != live.vcpus {
            if vcpus > config.maxVCPUs { actions.append(.setMaxVCPUs(vcpus)) }
            actions += [.setVCPUs(vcpus, live: true, config: true), .verifyVCPUs(vcpus, inGuest: observed.agent)]
        } else if let vcpus, vcpus != config.vcpus {
            actions += configActions(config, vcpus: vcpus, memoryKiB: nil)
        }
        if let memoryKiB, memoryKiB != live.memoryKiB {
            if memoryKiB > config.maxMemoryKiB { actions.append(.setMaxMemory(kib: memoryKiB)) }
            actions += [
                .setMemory(kib: memoryKiB, live: true, config: true), .verifyMemory(kib: memoryKiB, inGuest: observed.agent),
            ]
        } else if let memoryKiB, memoryKiB != config.memoryKiB {
            actions += configActions(config, vcpus: nil, memoryKiB: memoryKiB)
        }
        return actions
    }

    /// Stop, change the config (ceilings raised), start, wait for the agent if the guest had one, verify.
    static func restartPlan(_ observed: Observation, vcpus: Int?, memoryKiB: UInt64?) -> ResizePlan {
        var actions: [Action] = [.stop]
        actions += configActions(observed.config, vcpus: vcpus, memoryKiB: memoryKiB)
        actions.append(.start)
        if observed.agent { actions.append(.waitForAgent) }
        if let vcpus { actions.append(.verifyVCPUs(vcpus, inGuest: observed.agent)) }
        if let memoryKiB { actions.append(.verifyMemory(kib: memoryKiB, inGuest: observed.agent)) }
        return ResizePlan(actions: actions, pendingUntilRestart: false)
    }

    static func size(_ kib: UInt64) -> String { ByteSize.kibibytes(kib).description }
}
