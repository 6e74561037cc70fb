import DomainTemplates
import Foundation
import Libvirt

extension GuestManager {
    /// Destroys and undefines the guest and deletes the volumes kinvm created for it.
    ///
    /// Refused (`.notOwned`) for a domain without kinvm's metadata unless `force`. The volumes in
    /// the metadata are deleted (ones already gone are fine); every other volume or file the
    /// domain used is kept and reported. The console log file is deleted too (through libvirt when it
    /// is not visible here); when that fails on a remote host, its path is reported.
    public func delete(_ name: String, force: Bool = false) async throws(ProvisionerError) -> GuestDeletion {
        let found = try await find(name, requireOwned: !force, action: "delete")
        let plan = try await deletionPlan(of: found, name: name)
        let domain = found.domain
        do {
            if plan.result.wasRunning { try await domain.destroy() }
        } catch {
            throw .libvirt("cannot stop guest '\(name)' before deleting it", error)
        }
        do {
            try await DomainRemoval.undefine(domain)
        } catch {
            throw .libvirt("cannot undefine guest '\(name)'", error)
        }
        logger.info("deleted domain", metadata: ["guest": "\(name)", "uuid": "\(domain.uuid)", "was-running": "\(plan.result.wasRunning)"])
        var result = plan.result
        result.deletedVolumes = []
        for ref in plan.volumes {
            if try await deleteVolume(ref, of: name) { result.deletedVolumes.append(ref.description) }
        }
        if let owned = plan.consoleLog {
            (result.consoleLog, result.consoleLogDeleted) = await removeConsoleLog(owned, of: name)
        }
        return result
    }

    /// What ``delete(_:force:)`` would do, done nothing: the volumes it would delete (in
    /// `deletedVolumes`), those it would keep, the console log it would delete (`consoleLog`,
    /// `consoleLogDeleted` false). For dry runs that list exactly what a real run deletes.
    public func deletionPlan(_ name: String, force: Bool = false) async throws(ProvisionerError) -> GuestDeletion {
        try await deletionPlan(of: try await find(name, requireOwned: !force, action: "delete"), name: name).result
    }

    /// The plan for a found guest: the result to report, the volumes to delete and the console
    /// log kinvm made (nil: none to delete).
    private func deletionPlan(of found: Found, name: String) async throws(ProvisionerError)
        -> (result: GuestDeletion, volumes: [VolumeRef], consoleLog: String?)
    {
        let disks: [ImageUsage.Disk]
        let wasRunning: Bool
        do {
            disks = try StorageXML.domainDisks(try await found.domain.xml(flags: .inactive), domain: name)
            wasRunning = try await found.domain.isActive()
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot read guest '\(name)' before deleting it", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot read guest '\(name)' before deleting it: \(error)")
        }
        // A volume the metadata lists is deleted only when the domain really uses it: metadata is
        // stored on the host, and anyone who can edit a domain could list someone else's disk.
        let attached = await attachedVolumes(disks)
        let managed = (found.spec.metadata?.volumes ?? []).filter { attached.contains($0) }
        let kept = await keptVolumes(disks, managed: Set(managed))
        let owned = OwnedConsoleLog.path(of: found.spec, guest: name)
        let result = GuestDeletion(
            name: name, uuid: found.domain.uuid, wasRunning: wasRunning, deletedVolumes: managed.map(\.description), keptVolumes: kept,
            consoleLog: owned ?? found.spec.consoleLog, consoleLogDeleted: false)
        return (result, managed, owned)
    }

    /// Deletes a volume kinvm made for the guest; false when it (or its pool) is already gone.
    private func deleteVolume(_ ref: VolumeRef, of guest: String) async throws(ProvisionerError) -> Bool {
        do {
            guard let pool = try await connection.storagePoolIfPresent(named: ref.pool),
                let volume = try await pool.volumeIfPresent(named: ref.volume)
            else { return false }
            try await volume.delete()
            logger.info("deleted volume", metadata: ["guest": "\(guest)", "volume": "\(ref)"])
            return true
        } catch where error.code == .noStorageVol {
            return false
        } catch {
            throw .libvirt("guest '\(guest)' was undefined, but its volume \(ref) cannot be deleted", error)
        }
    }

    /// The volumes the domain's disks are, as `pool/volume` (a disk given by path, when a pool holds it).
    private func attachedVolumes(_ disks: [ImageUsage.Disk]) async -> Set<VolumeRef> {
        var attached: Set<VolumeRef> = []
        for disk in disks {
            if case .volume(let ref) = await resolve(disk) { attached.insert(ref) }
        }
        return attached
    }

    /// The disks the domain used that kinvm did not make: `pool/volume`, or the file's path (as
    /// `pool/volume` when a pool holds it).
    private func keptVolumes(_ disks: [ImageUsage.Disk], managed: Set<VolumeRef>) async -> [String] {
        var kept: [String] = []
        for disk in disks {
            switch await resolve(disk) {
            case .volume(let ref) where !managed.contains(ref): kept.append(ref.description)
            case .file(let path): kept.append(path)
            case .volume, .none: break
            }
        }
        return kept
    }

    /// What a disk is: a pool's volume (a file a pool holds counts as its volume), or a file no pool holds.
    private enum ResolvedDisk { case volume(VolumeRef), file(String), none }

    private func resolve(_ disk: ImageUsage.Disk) async -> ResolvedDisk {
        if let pool = disk.pool, let volume = disk.volume { return .volume(VolumeRef(pool: pool, volume: volume)) }
        guard let file = disk.file else { return .none }
        if let volume = try? await connection.volume(path: file), let pool = try? await volume.pool() {
            return .volume(VolumeRef(pool: pool.name, volume: volume.name))
        }
        return .file(file)
    }

    /// Deletes the console log: from this machine's file system when the connection is local and
    /// the file is there; otherwise through libvirt (``HostFiles``: a remote host, or a libvirtd in
    /// another mount namespace).
    /// - Returns: the path to report (nil when there is none), and whether it was deleted.
    private func removeConsoleLog(_ path: String, of guest: String) async -> (String?, Bool) {
        let local = Self.isLocal(uri: connection.uri)
        if local, FileManager.default.fileExists(atPath: path) {
            guard OwnedConsoleLog.removeRegularFile(path) else { return (path, false) }
            logger.info("deleted console log", metadata: ["guest": "\(guest)", "path": "\(path)"])
            return (path, true)
        }
        do {
            guard try await HostFiles(connection: connection).remove(path) else { return (nil, false) }
            logger.info("deleted console log through libvirt", metadata: ["guest": "\(guest)", "path": "\(path)"])
            return (path, true)
        } catch {
            logger.info("console log not deleted", metadata: ["guest": "\(guest)", "path": "\(path)", "error": "\(error)"])
            return (local ? nil : path, false)
        }
    }

    /// Whether the console log and other files the domain names are on this machine.
    static func isLocal(uri: String) -> Bool { Connection.isLocal(uri: uri) }
}
