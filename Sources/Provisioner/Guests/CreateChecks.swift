import Foundation
import DomainTemplates
import LibXML2
import Libvirt

/// What `create` looked up and prepared before making anything: the pool for the new volumes,
/// the base image, the root disk's size, and the domain XML (rendered and schema-checked).
struct CreateFacts: Sendable {
    var pool: StoragePool
    var base: BaseImage
    /// The root disk's size in bytes (the request's, or the base image's).
    var rootSize: UInt64
    var domainXML: String
}

/// A base image volume as the overlay needs it.
struct BaseImage: Sendable, Hashable {
    var ref: VolumeRef
    var path: String
    /// `qcow2` or `raw`.
    var format: String
    var capacity: UInt64
}

extension GuestManager {
    /// The checks against the host, in the order the errors are most useful: the name is free,
    /// the template loads, the pools and base image are usable, the host is big enough.
    func lookUpAndCheck(_ request: GuestCreateRequest, plan: CreatePlan, templates: TemplateLibrary, seedSize: UInt64)
        async throws(ProvisionerError) -> CreateFacts
    {
        try await checkNameIsFree(plan)
        let domainXML = try renderDomain(plan.spec, template: request.template, from: templates)
        let pool = try await connection.activePool(request.pool)
        try await checkVolumesAreFree(plan, in: pool)
        let base = try await baseImage(request.image)
        let rootSize = request.diskSize?.bytes ?? base.capacity
        guard rootSize >= base.capacity else {
            throw ProvisionerError(
                .invalidArgument,
                "the disk size \(ByteSize(bytes: rootSize)) is smaller than the base image \(base.ref) "
                    + "(\(ByteSize(bytes: base.capacity))); give at least \(base.capacity) bytes, or leave the size out")
        }
        try await checkHost(plan.spec)
        var dataSize: UInt64 = 0
        for (ref, file) in plan.dataVolumes {
            dataSize += try Self.dataDiskSize(file, for: ref)
        }
        try await checkRoom(in: pool, for: seedSize + dataSize, what: "the seed and data disks of guest '\(plan.name)'")
        return CreateFacts(pool: pool, base: base, rootSize: rootSize, domainXML: domainXML)
    }

    /// The volume size for a data disk made from `file`: its size rounded up to 512 bytes.
    static func dataDiskSize(_ file: String, for ref: VolumeRef) throws(ProvisionerError) -> UInt64 {
        guard FileManager.default.isReadableFile(atPath: file),
            let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            let size = (attributes[.size] as? NSNumber)?.uint64Value
        else {
            throw ProvisionerError(.fileUnreadable, "cannot read \(file) (for volume \(ref))")
        }
        return max(512, (size + 511) / 512 * 512)
    }

    /// No domain has the name (whether kinvm's or not).
    func checkNameIsFree(_ plan: CreatePlan) async throws(ProvisionerError) {
        let existing: Domain?
        do {
            existing = try await connection.domainIfPresent(named: plan.name)
        } catch {
            throw .libvirt("cannot look up guest '\(plan.name)'", error)
        }
        guard let existing else { return }
        let owned = (try? await readSpec(of: existing))?.metadata != nil
        throw ProvisionerError(
            .alreadyExists,
            "a domain named '\(plan.name)' already exists on \(connection.uri) "
                + (owned ? "(a kinvm guest: delete it first, or choose another name)"
                    : "(not created by kinvm: choose another name)"))
    }

    /// Neither `NAME-root.qcow2` nor `NAME-seed.iso` is in the pool (they are left alone if so).
    func checkVolumesAreFree(_ plan: CreatePlan, in pool: StoragePool) async throws(ProvisionerError) {
        for ref in [plan.root, plan.seedVolume] + plan.dataVolumes.map(\.ref) {
            let found: StorageVolume?
            do {
                found = try await pool.volumeIfPresent(named: ref.volume)
            } catch {
                throw .libvirt("cannot look up volume '\(ref.volume)' in pool '\(pool.name)'", error)
            }
            if found != nil {
                throw ProvisionerError(
                    .alreadyExists,
                    "volume '\(ref.volume)' already exists in pool '\(pool.name)' (left from an earlier guest?); "
                        + "kinvm will not touch it: delete it or choose another name")
            }
        }
    }

    /// The domain XML: the template (by name from the library, or a file when `template` has a '/'
    /// or ends in `.xml`) with the spec applied, checked against libvirt's schema.
    func renderDomain(_ spec: DomainSpec, template: String, from library: TemplateLibrary) throws(ProvisionerError)
        -> String
    {
        let isPath = template.contains("/") || template.hasSuffix(".xml")
        let origin = isPath ? "a file" : "search path: \(library.searchPath.joined(separator: ", "))"
        let document: XMLDocument
        let source: String
        do throws(TemplateError) {
            if isPath {
                do {
                    document = try XMLDocument(contentsOfFile: template)
                } catch {
                    throw TemplateError.malformed(error)
                }
                source = template
                guard document.root.name == "domain" else {
                    throw TemplateError.wrongRoot(source: template, expected: "domain", found: document.root.name)
                }
            } else {
                let entry = try library.find(template, kind: .domain)
                document = try library.load(entry)
                source = entry.path
            }
            try DomainRenderer.apply(spec, to: document, source: source)
            try TemplateValidator.validate(document, as: .domain, source: source)
        } catch {
            throw ProvisionerError(.template, "cannot use domain template '\(template)' (\(origin)): \(error)")
        }
        return document.serialized()
    }

    /// The base image: its pool active, the volume present (else the error lists some that
    /// are), qcow2 or raw.
    func baseImage(_ ref: VolumeRef) async throws(ProvisionerError) -> BaseImage {
        let pool = try await connection.activePool(ref.pool)
        do {
            guard let volume = try await pool.volumeIfPresent(named: ref.volume) else {
                let names = try await pool.allVolumes().map(\.name).sorted()
                let shown = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", … (\(names.count) in all)" : "")
                throw ProvisionerError(
                    .notFound, "no image named '\(ref.volume)' in pool '\(ref.pool)' (images: \(names.isEmpty ? "none" : shown))")
            }
            let facts = try StorageXML.volumeFacts(try await volume.xml(), volume: ref.volume)
            guard ["qcow2", "raw"].contains(facts.format) else {
                throw ProvisionerError(
                    .unsupportedFormat,
                    "the base image \(ref) is in format '\(facts.format)'; kinvm makes overlays on qcow2 or raw images only")
            }
            let capacity = try await volume.info().capacity
            return BaseImage(ref: ref, path: facts.path, format: facts.format, capacity: capacity)
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot read the base image \(ref)", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot read the base image \(ref): \(error)")
        }
    }

    /// vCPUs and memory (and their ceilings) within the host's.
    func checkHost(_ spec: DomainSpec) async throws(ProvisionerError) {
        let node: NodeInfo
        do {
            node = try await connection.nodeInfo()
        } catch {
            throw .libvirt("cannot read the host's CPUs and memory", error)
        }
        for (what, count) in [("vCPUs", spec.vcpus), ("maximum vCPUs", spec.effectiveMaxVCPUs)] where count > node.cpus {
            throw ProvisionerError(
                .insufficientResources, "guest '\(spec.name)' asks for \(count) \(what), but the host has \(node.cpus) CPUs")
        }
        let hostMemory = ByteSize(bytes: node.memoryKiB * 1024)
        for (what, size) in [("memory", spec.memory), ("maximum memory", spec.effectiveMaxMemory)] where size > hostMemory {
            throw ProvisionerError(
                .insufficientResources, "guest '\(spec.name)' asks for \(size) of \(what), but the host has \(hostMemory)")
        }
    }

    func checkRoom(in pool: StoragePool, for bytes: UInt64, what: String) async throws(ProvisionerError) {
        let available: UInt64
        do {
            available = try await pool.info().available
        } catch {
            throw .libvirt("cannot read the free space of pool '\(pool.name)'", error)
        }
        guard available >= bytes else {
            throw ProvisionerError(
                .insufficientSpace, "pool '\(pool.name)' has \(available) bytes free, but \(what) needs \(bytes) bytes")
        }
    }
}
