import Foundation
import Libvirt

/// Reads and deletes a file on the hypervisor host through libvirt alone (no SSH, no shared file
/// system), for the serial console logs of guests whose libvirtd is remote or runs in another
/// mount namespace: the file's directory becomes a `dir` storage pool (the active pool that
/// already has it as its target, since libvirt refuses two; otherwise a transient pool, destroyed
/// after), and the file is one of its volumes: downloaded over a stream (`virStorageVolDownload`)
/// or deleted (`virStorageVolDelete`).
struct HostFiles: Sendable {
    let connection: Connection

    /// The last `limit` bytes of the file at `path` on the host; nil when there is no such file.
    func tail(of path: String, limit: UInt64) async throws(ProvisionerError) -> [UInt8]? {
        try await withVolume(path, action: "read") { volume throws(LibvirtError) in
            guard let volume else { return nil }
            let size = try await volume.info().capacity
            let offset = size > limit ? size - limit : 0
            return size == offset ? [] : try await volume.download(offset: offset, length: size - offset)
        }
    }

    /// Deletes the file at `path` on the host; false when there is no such file.
    func remove(_ path: String) async throws(ProvisionerError) -> Bool {
        try await withVolume(path, action: "delete") { volume throws(LibvirtError) in
            // Only a regular file: never a directory or device the pool happens to list.
            guard let volume, try await volume.info().kind == .file else { return false }
            try await volume.delete()
            return true
        }
    }

    /// Runs `body` with the volume of the file at `path` (nil when there is none) in a pool on its directory.
    private func withVolume<T>(_ path: String, action: String, _ body: (StorageVolume?) async throws(LibvirtError) -> T)
        async throws(ProvisionerError) -> T
    {
        let directory = (path as NSString).deletingLastPathComponent
        let file = (path as NSString).lastPathComponent
        guard path.hasPrefix("/"), !directory.isEmpty, !file.isEmpty else {
            throw ProvisionerError(.invalidArgument, "'\(path)' is not an absolute file path")
        }
        // Two transient pools on one directory conflict: one operation at a time in this process.
        await HostFilesLock.shared.acquire()
        defer { Task { await HostFilesLock.shared.release() } }
        let (pool, transient) = try await pool(for: directory)
        do {
            let result = try await body(try await pool.volumeIfPresent(named: file))
            if transient { try? await pool.destroy() }
            return result
        } catch {
            if transient { try? await pool.destroy() }
            throw .libvirt("cannot \(action) \(path) on \(connection.uri) through a storage pool on \(directory)", error)
        }
    }

    /// An active pool whose target is `directory` (refreshed, so the file's current size shows),
    /// else a new transient `dir` pool on it (`true`: the caller destroys it).
    private func pool(for directory: String) async throws(ProvisionerError) -> (StoragePool, Bool) {
        let name = "kinvm-read-" + UUID().uuidString.lowercased().prefix(8)
        let xml = try StorageXML.directoryPool(name: name, path: directory)
        // Another kinvm may hold a transient pool on the directory for a moment: then libvirt
        // refuses ours, and the next round finds theirs or makes ours.
        var attempt = 0
        while true {
            attempt += 1
            do throws(LibvirtError) {
                for pool in try await connection.allStoragePools([.active]) {
                    guard let existing = try? await pool.xml(), (try? StorageXML.poolTargetPath(existing, pool: pool.name)) == directory
                    else { continue }
                    try await pool.refresh()
                    return (pool, false)
                }
                let made = try await connection.createTransientStoragePool(xml: xml)
                return (made, true)
            } catch {
                guard attempt < 5 else { throw .libvirt("cannot open \(directory) on \(connection.uri) as a storage pool", error) }
            }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
    }
}

/// Serializes ``HostFiles`` operations in this process (FIFO).
actor HostFilesLock {
    static let shared = HostFilesLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
