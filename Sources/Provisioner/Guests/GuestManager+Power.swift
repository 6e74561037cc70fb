import Libvirt

extension GuestManager {
    /// Starts a stopped guest (a running one is fine) and waits as asked. Domains kinvm did not
    /// create may be started too.
    public func start(
        _ name: String, wait: GuestWaitCondition = .running, timeout: Duration = .seconds(600),
        progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> GuestInfo {
        let found = try await find(name, requireOwned: false, action: "start")
        let deadline = WaitDeadline(timeout)
        if try await !state(of: found.domain).isActive {
            progress(GuestProgress(guest: name, step: "starting", elapsedSeconds: deadline.elapsedSeconds))
            do {
                try await found.domain.start()
            } catch where error.code == .operationInvalid && error.message.contains("already running") {
                // Started by someone else meanwhile: fine.
            } catch {
                throw .libvirt("cannot start guest '\(name)'", error)
            }
            logger.info("started guest", metadata: ["guest": "\(name)"])
        }
        try await self.wait(for: found.domain, until: wait, timeout: deadline.remaining, progress: progress)
        return try await describe(found.domain, spec: found.spec)
    }

    /// Presses the ACPI power button (and asks the guest agent, when it answers), waits up to
    /// `timeout` for the guest to shut off, then destroys it (`graceful` false).
    /// - Parameter force: also stop domains kinvm did not create.
    public func stop(_ name: String, timeout: Duration = .seconds(60), force: Bool = false) async throws(ProvisionerError)
        -> GuestStop
    {
        let found = try await find(name, requireOwned: !force, action: "stop")
        return try await stopDomain(found.domain, timeout: timeout)
    }

    /// Waits until `domain` reaches `condition`: `.none` returns at once; `.running`, `.agent`
    /// and `.cloudInit` poll (cancellably) and fail at once when the guest shuts off or crashes.
    public func wait(
        for domain: Domain, until condition: GuestWaitCondition, timeout: Duration,
        progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) {
        guard condition != .none else { return }
        let deadline = WaitDeadline(timeout)
        var context = WaitContext(
            domain: domain, condition: condition, deadline: deadline,
            reporter: ProgressReporter(guest: domain.name, deadline: deadline, callback: progress))
        try await runWait(&context)
    }

    /// The stop itself, shared with resize's restart.
    func stopDomain(_ domain: Domain, timeout: Duration) async throws(ProvisionerError) -> GuestStop {
        let deadline = WaitDeadline(timeout)
        guard try await state(of: domain).isActive else {
            return GuestStop(name: domain.name, graceful: true, wasStopped: true, seconds: 0)
        }
        await requestShutdown(domain)
        var lastPress = ContinuousClock.now
        while true {
            let state = try await state(of: domain)
            if !state.isActive {
                logger.info("guest shut down", metadata: ["guest": "\(domain.name)", "seconds": "\(deadline.elapsedSeconds)"])
                return GuestStop(name: domain.name, graceful: true, wasStopped: false, seconds: deadline.elapsedSeconds)
            }
            if deadline.expired { break }
            // A guest still booting may have missed the first press.
            if ContinuousClock.now - lastPress >= .seconds(10) {
                try? await domain.shutdown(flags: .acpiPowerButton)
                lastPress = ContinuousClock.now
            }
            try await WaitDeadline.sleep(min(.milliseconds(250), max(deadline.remaining, .milliseconds(10))))
        }
        do {
            try await domain.destroy()
        } catch where error.code == .operationInvalid {
            // It shut off just now.
            return GuestStop(name: domain.name, graceful: true, wasStopped: false, seconds: deadline.elapsedSeconds)
        } catch {
            throw .libvirt("guest '\(domain.name)' did not shut down within \(deadline.timeoutText) and cannot be destroyed", error)
        }
        logger.info("guest destroyed after shutdown timeout", metadata: ["guest": "\(domain.name)"])
        return GuestStop(name: domain.name, graceful: false, wasStopped: false, seconds: deadline.elapsedSeconds)
    }

    /// ACPI power button, then the guest agent's `guest-shutdown` when the agent answers. Errors are
    /// ignored: the state poll decides.
    private func requestShutdown(_ domain: Domain) async {
        do {
            try await domain.shutdown(flags: .acpiPowerButton)
        } catch where error.code == .invalidArg || error.code == .argumentUnsupported {
            // A driver without the ACPI choice (e.g. the test driver): let it pick.
            try? await domain.shutdown()
        } catch {
            logger.info("ACPI shutdown refused", metadata: ["guest": "\(domain.name)", "error": "\(error)"])
        }
        if (try? await GuestAgent(domain).ping(timeout: .seconds(1))) != nil {
            try? await domain.shutdown(flags: .guestAgent)
        }
    }
}
