import DomainTemplates
import Foundation
import Libvirt
import Logging

extension GuestManager {
    /// Creates one guest: overlay, seed, domain, start, wait; rolls back what it made on failure.
    ///
    /// Everything checkable is checked before anything is made (see ``CreatePlan`` and
    /// `lookUpAndCheck`): the name is free (no domain, no `NAME-root.qcow2` / `NAME-seed.iso`),
    /// the template renders and passes libvirt's schema, the pools and base image are usable, the
    /// host has the CPUs, memory and pool space. Then each step is recorded; when a later step
    /// fails or the task is cancelled, what this call made is undone newest first (destroy,
    /// undefine, delete the seed volume, delete the overlay) and the original error is thrown,
    /// saying which step failed (and what could not be undone, if anything).
    public func create(
        _ request: GuestCreateRequest, progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> GuestInfo {
        try await create(request, progress: progress, using: CreateEnvironment.standard(for: self))
    }

    /// Creates several guests, at most `parallelism` at a time; results in the order of `requests`.
    public func createMany(
        _ requests: [GuestCreateRequest], parallelism: Int = 4,
        progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async -> [Result<GuestInfo, ProvisionerError>] {
        await createMany(requests, parallelism: parallelism, progress: progress, using: CreateEnvironment.standard(for: self))
    }

    /// What `create` does that tests replace: where templates come from, how the seed reaches its
    /// volume (the test driver has no streams), and how the wait is done.
    struct CreateEnvironment: Sendable {
        var templates: TemplateLibrary
        var writeSeed: @Sendable (_ bytes: [UInt8], _ volume: StorageVolume) async throws(ProvisionerError) -> Void
        /// Uploads a local file into a data volume.
        var writeFile: @Sendable (_ path: String, _ volume: StorageVolume) async throws(ProvisionerError) -> Void = {
            (path, volume) throws(ProvisionerError) in
            do throws(LibvirtError) {
                try await volume.upload(from: .file(path: path))
            } catch {
                throw .libvirt("cannot upload \(path) into volume '\(volume.name)'", error)
            }
        }
        var wait: @Sendable (
            _ domain: Domain, _ condition: GuestWaitCondition, _ timeout: Duration,
            _ progress: @escaping @Sendable (GuestProgress) -> Void
        ) async throws(ProvisionerError) -> Void

        /// The template search path (user directory, then the shipped templates), a stream
        /// upload, and ``GuestManager/wait(for:until:timeout:progress:)``.
        static func standard(for manager: GuestManager) -> CreateEnvironment {
            CreateEnvironment(
                templates: TemplateLibrary.standard(shipped: TemplateLibrary.shippedDirectory(executable: TemplateLibrary.currentExecutable)),
                writeSeed: { (bytes, volume) throws(ProvisionerError) in
                    do throws(LibvirtError) {
                        try await volume.upload(from: .bytes(bytes), length: UInt64(bytes.count))
                    } catch {
                        throw .libvirt("cannot upload the seed into volume '\(volume.name)'", error)
                    }
                },
                wait: { (domain, condition, timeout, progress) throws(ProvisionerError) in
                    try await manager.wait(for: domain, until: condition, timeout: timeout, progress: progress)
                })
        }
    }

    func createMany(
        _ requests: [GuestCreateRequest], parallelism: Int, progress: @escaping @Sendable (GuestProgress) -> Void,
        using environment: CreateEnvironment
    ) async -> [Result<GuestInfo, ProvisionerError>] {
        await FanOut.map(requests, limit: parallelism) { (request) async throws(ProvisionerError) in
            try await create(request, progress: progress, using: environment)
        }
    }

    func create(
        _ request: GuestCreateRequest, progress: @escaping @Sendable (GuestProgress) -> Void,
        using environment: CreateEnvironment
    ) async throws(ProvisionerError) -> GuestInfo {
        let clock = ContinuousClock()
        let start = clock.now
        let report = { @Sendable (step: String) in
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            progress(GuestProgress(guest: request.name, step: step, elapsedSeconds: seconds))
        }

        report("checking")
        let plan = try CreatePlan.make(request, uuid: UUID().uuidString.lowercased(), created: Self.rfc3339(Date()))
        let iso: [UInt8]
        do {
            iso = try plan.seed.isoImage()
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot build the cloud-init seed of guest '\(plan.name)': \(error)")
        }
        let facts = try await lookUpAndCheck(
            request, plan: plan, templates: environment.templates, seedSize: UInt64(iso.count))
        logger.info(
            "creating guest",
            metadata: [
                "guest": "\(plan.name)", "uuid": "\(plan.uuid)", "image": "\(facts.base.ref)", "pool": "\(facts.pool.name)",
                "seed": "\(plan.seed.redactedSummary)",
            ])

        var run = CreateRun(plan: plan, facts: facts, seedImage: iso, environment: environment, report: report)
        do {
            try await run.makeEverything(request, connection: connection)
        } catch {
            throw await run.rollBack(after: error, logger: logger)
        }
        report("done")
        logger.info("created guest", metadata: ["guest": "\(plan.name)", "uuid": "\(plan.uuid)"])
        return try await describe(try requireDomain(run.domain))
    }

    private func requireDomain(_ domain: Domain?) throws(ProvisionerError) -> Domain {
        guard let domain else { throw ProvisionerError(.libvirt, "the created domain is missing") }
        return domain
    }

    /// `2026-11-29T05:00:00Z`.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// The making part of one `create`: each step in order, recorded in a journal for rollback.
struct CreateRun: Sendable {
    let plan: CreatePlan
    let facts: CreateFacts
    /// The seed's ISO 9660 image.
    let seedImage: [UInt8]
    let environment: GuestManager.CreateEnvironment
    let report: @Sendable (String) -> Void
    private(set) var journal = RollbackJournal()
    private(set) var step = "checking"
    private(set) var domain: Domain?

    init(
        plan: CreatePlan, facts: CreateFacts, seedImage: [UInt8], environment: GuestManager.CreateEnvironment,
        report: @escaping @Sendable (String) -> Void
    ) {
        self.plan = plan
        self.facts = facts
        self.seedImage = seedImage
        self.environment = environment
        self.report = report
    }

    private mutating func begin(_ step: String) throws(ProvisionerError) {
        self.step = step
        if Task.isCancelled { throw ProvisionerError(.cancelled, "cancelled") }
        report(step)
    }

    mutating func makeEverything(_ request: GuestCreateRequest, connection: Connection) async throws(ProvisionerError) {
        let pool = facts.pool
        try begin("creating root disk \(plan.root)")
        let rootXML = try VolumeXML.overlay(name: plan.root.volume, capacity: facts.rootSize, base: facts.base)
        journal.record(.volume(try await createVolume(rootXML, plan.root, in: pool), plan.root))

        let iso = seedImage
        try begin("creating seed volume \(plan.seedVolume)")
        let seedXML = try VolumeXML.raw(name: plan.seedVolume.volume, capacity: UInt64(iso.count))
        let seedVolume = try await createVolume(seedXML, plan.seedVolume, in: pool)
        journal.record(.volume(seedVolume, plan.seedVolume))

        try begin("uploading seed")
        try await environment.writeSeed(iso, seedVolume)

        for (ref, file) in plan.dataVolumes {
            try begin("creating data volume \(ref)")
            let capacity = try GuestManager.dataDiskSize(file, for: ref)
            let volume = try await createVolume(try VolumeXML.raw(name: ref.volume, capacity: capacity), ref, in: pool)
            journal.record(.volume(volume, ref))
            try begin("uploading \(file) into \(ref)")
            try await environment.writeFile(file, volume)
        }

        KillPoint.guestVolumes.reach(plan.name)
        try begin("defining domain")
        let defined: Domain
        do {
            defined = try await connection.defineDomain(xml: facts.domainXML, flags: .validate)
        } catch where error.code == .domainExists || error.code == .operationFailed && error.message.contains("already exists") {
            throw ProvisionerError(.alreadyExists, "a domain named '\(plan.name)' appeared meanwhile", underlying: error)
        } catch {
            throw .libvirt("cannot define domain '\(plan.name)'", error)
        }
        journal.record(.defined(defined))
        domain = defined
        KillPoint.guestDefined.reach(plan.name)

        guard request.wait != .none else { return }
        try begin("starting")
        do {
            try await defined.start()
        } catch {
            throw .libvirt("cannot start guest '\(plan.name)'", error)
        }
        journal.record(.started(defined))
        KillPoint.guestStarted.reach(plan.name)

        try begin("waiting until \(request.wait.rawValue)")
        let report = report
        try await environment.wait(defined, request.wait, request.waitTimeout) { report($0.step) }
    }

    private func createVolume(_ xml: String, _ ref: VolumeRef, in pool: StoragePool) async throws(ProvisionerError)
        -> StorageVolume
    {
        do {
            return try await pool.createVolume(xml: xml)
        } catch {
            // Drivers differ in the code they use for a taken name (the QEMU daemon's dir pools:
            // storageVolExist; the test driver: operationFailed), so look: a volume of that name
            // now is someone else's, as this call made none.
            var taken = error.code == .storageVolExist
            if !taken { taken = ((try? await pool.volumeIfPresent(named: ref.volume)) ?? nil) != nil }
            guard taken else { throw .libvirt("cannot create volume \(ref)", error) }
            throw ProvisionerError(
                .alreadyExists, "volume \(ref) already exists (made meanwhile by someone else); kinvm did not touch it",
                underlying: error)
        }
    }

    /// Undoes what was made and returns the error to throw: the original code (``cancelled``
    /// when the task was cancelled), the step, the cause, and what was left behind, if anything.
    func rollBack(after error: ProvisionerError, logger: Logger) async -> ProvisionerError {
        let outcome = await journal.undo(logger: logger)
        let cancelled = Task.isCancelled || error.code == .cancelled
        var message =
            cancelled
            ? "creating guest '\(plan.name)' was cancelled while \(step)"
            : "creating guest '\(plan.name)' failed while \(step): \(error.message)"
        if outcome.left.isEmpty {
            message += outcome.undone.isEmpty ? "; nothing had been made" : "; everything it made was removed"
        } else {
            message += "; rollback failed, left behind: \(outcome.left.joined(separator: "; "))"
        }
        return ProvisionerError(cancelled ? .cancelled : error.code, message, underlying: error.underlying)
    }
}
