import DomainTemplates
import LibXML2
import Libvirt

/// Carries out a ``ResizePlan``, one action at a time.
extension GuestManager {
    struct ResizeRun {
        let domain: Domain
        let request: ResizeRequest
        /// The running guest's sizes as the last action left them (nil while shut off).
        var live: ResizePlan.Sizes?
        /// The persistent definition's sizes as the last action left them.
        var config: ResizePlan.Sizes
        var reporter: ProgressReporter
        var steps: [String] = []
        var verifications = 0
        var verificationsInGuest = 0
        /// Stopped by this run and not started again yet.
        var stopped = false

        mutating func record(_ step: String) {
            steps.append(step)
            reporter.report(step)
        }
    }

    /// The sizes of the running guest and of its persistent definition, and whether the agent answers.
    func observeSizes(_ domain: Domain, spec: DomainSpec) async throws(ProvisionerError) -> ResizePlan.Observation {
        let config = ResizePlan.Sizes(
            vcpus: spec.vcpus, maxVCPUs: spec.effectiveMaxVCPUs, memoryKiB: spec.memory.kibibytes,
            maxMemoryKiB: spec.effectiveMaxMemory.kibibytes)
        guard try await state(of: domain).isActive else {
            return ResizePlan.Observation(guest: domain.name, live: nil, config: config, agent: false)
        }
        let balloon = try await balloonKiB(domain)
        let live: ResizePlan.Sizes
        do {
            live = ResizePlan.Sizes(
                vcpus: try await domain.vcpuCount(flags: .live),
                maxVCPUs: try await domain.vcpuCount(flags: [.live, .maximum]),
                memoryKiB: balloon, maxMemoryKiB: try await domain.info().maxMemoryKiB)
        } catch {
            throw .libvirt("cannot read the sizes of guest '\(domain.name)'", error)
        }
        let agent = (try? await GuestAgent(domain).ping(timeout: .seconds(2))) != nil
        return ResizePlan.Observation(guest: domain.name, live: live, config: config, agent: agent, tcg: spec.virtType == .qemu)
    }

    /// ``GuestSizes`` from an observation, with the guest's own figures when the agent answers.
    func guestSizes(_ domain: Domain, observed: ResizePlan.Observation) async throws(ProvisionerError) -> GuestSizes {
        let sizes = observed.live ?? observed.config
        var result = GuestSizes(
            vcpus: sizes.vcpus, maxVCPUs: sizes.maxVCPUs, memoryBytes: sizes.memoryKiB * 1024,
            maxMemoryBytes: sizes.maxMemoryKiB * 1024)
        if observed.agent {
            let agent = GuestAgent(domain)
            result.guestOnlineCPUs = try? await agent.onlineVCPUCount()
            result.guestMemTotalBytes = try? await agent.memTotalBytes()
        }
        return result
    }

    func perform(_ action: ResizePlan.Action, _ run: inout ResizeRun) async throws(ProvisionerError) {
        do {
            try await performUnchecked(action, &run)
        } catch {
            var message = error.message
            if !run.steps.isEmpty { message += " (done before: \(run.steps.joined(separator: "; ")))" }
            if run.stopped {
                // Never leave the guest stopped because a step after the stop failed.
                do {
                    try await run.domain.start()
                    message += "; the guest was started again with its previous sizes"
                } catch {
                    message += "; the guest is stopped and could not be started again: \(error.message)"
                }
            }
            throw ProvisionerError(error.code, message, underlying: error.underlying)
        }
    }

    private func performUnchecked(_ action: ResizePlan.Action, _ run: inout ResizeRun) async throws(ProvisionerError) {
        let domain = run.domain
        let name = domain.name
        switch action {
        case .setMaxVCPUs(let count):
            try await libvirt("raise the vCPU ceiling of guest '\(name)' to \(count)") { () async throws(LibvirtError) in
                try await domain.setVCPUs(UInt32(count), flags: [.config, .maximum])
            }
            run.record("vCPU ceiling \(run.config.maxVCPUs) -> \(count) (config)")
            run.config.maxVCPUs = count
            try await updateAccelerator(domain)
        case .setVCPUs(let count, let live, let config):
            var flags: Domain.VCPUFlags = []
            if live { flags.insert(.live) }
            if config { flags.insert(.config) }
            try await libvirt("set guest '\(name)' to \(count) vCPUs") { () async throws(LibvirtError) in try await domain.setVCPUs(UInt32(count), flags: flags) }
            let from = live ? run.live?.vcpus ?? run.config.vcpus : run.config.vcpus
            run.record("vCPUs \(from) -> \(count) \(live ? "live" : "(config)")")
            if live { run.live?.vcpus = count }
            if config { run.config.vcpus = count }
        case .setMaxMemory(let kib):
            try await libvirt("raise the memory ceiling of guest '\(name)' to \(ResizePlan.size(kib))") { () async throws(LibvirtError) in
                try await domain.setMemory(kibibytes: kib, flags: [.config, .maximum])
            }
            run.record("memory ceiling \(ResizePlan.size(run.config.maxMemoryKiB)) -> \(ResizePlan.size(kib)) (config)")
            run.config.maxMemoryKiB = kib
        case .setMemory(let kib, let live, let config):
            // Live and config in two calls: some drivers (the test driver) refuse both at once.
            for flags in [live ? Domain.MemoryFlags.live : nil, config ? .config : nil].compactMap(\.self) {
                try await libvirt("set the memory of guest '\(name)' to \(ResizePlan.size(kib))") { () async throws(LibvirtError) in
                    try await domain.setMemory(kibibytes: kib, flags: flags)
                }
            }
            let from = live ? run.live?.memoryKiB ?? run.config.memoryKiB : run.config.memoryKiB
            run.record("memory \(ResizePlan.size(from)) -> \(ResizePlan.size(kib)) \(live ? "live" : "(config)")")
            if live { run.live?.memoryKiB = kib }
            if config { run.config.memoryKiB = kib }
        case .stop:
            run.reporter.report("stopping")
            let stop = try await stopDomain(domain, timeout: run.request.timeout)
            run.stopped = true
            run.live = nil
            let seconds = WaitDeadline.text(.milliseconds(Int(stop.seconds * 1000)))
            run.record(stop.graceful ? "stopped (ACPI, \(seconds))" : "stopped (destroyed after \(seconds): no graceful shutdown)")
        case .start:
            try await libvirt("start guest '\(name)'") { () async throws(LibvirtError) in try await domain.start() }
            run.stopped = false
            run.live = run.config
            try await wait(for: domain, until: .running, timeout: run.request.timeout)
            run.record("started")
        case .waitForAgent:
            let deadline = WaitDeadline(run.request.timeout)
            try await wait(for: domain, until: .agent, timeout: run.request.timeout)
            run.record("guest agent answered (\(WaitDeadline.text(deadline.elapsed)))")
        case .verifyVCPUs(let count, let inGuest):
            try await verifyVCPUs(count, inGuest: inGuest, &run)
        case .verifyMemory(let kib, let inGuest):
            try await verifyMemory(kib, inGuest: inGuest, &run)
        }
    }

    /// With room for vCPU hot-plug now, a `qemu` guest must lose kinvm's small TCG cache (QEMU 7.2
    /// aborts hot-plug when it is full; see `DomainRenderer.applyAccelerator`): the persistent
    /// definition is read, the rule applied again, and the domain defined anew when it changed.
    func updateAccelerator(_ domain: Domain) async throws(ProvisionerError) {
        let name = domain.name
        do {
            let document = try XMLDocument(parsing: try await domain.xml(flags: .inactive), source: "domain '\(name)'")
            guard try DomainRenderer.updateAccelerator(in: document, source: "domain '\(name)'") else { return }
            _ = try await connection.defineDomain(xml: document.serialized(), flags: .validate)
        } catch let error as LibvirtError {
            throw .libvirt("cannot update the TCG cache of guest '\(name)' after raising its vCPU ceiling", error)
        } catch {
            throw ProvisionerError(.xml, "cannot update the TCG cache of guest '\(name)': \(error)")
        }
    }

    /// Runs one libvirt call, turning its error into a `.libvirt` error that says what was tried.
    func libvirt(_ what: String, _ body: () async throws(LibvirtError) -> Void) async throws(ProvisionerError) {
        do {
            try await body()
        } catch {
            throw .libvirt("cannot \(what)", error)
        }
    }
}
