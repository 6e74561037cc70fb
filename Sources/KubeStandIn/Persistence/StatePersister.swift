import Dispatch
import Foundation
import Logging
import Synchronization

/// Keeps a ``StateFile`` in step with the object store: restores it at start, then follows every
/// change through one watch per resource type and rewrites the file (atomically, mode 0600: it
/// holds Secrets) at most every `delay`, on its own queue, never on an event loop.
///
/// A restore renumbers resourceVersions from 1 in the stored order (like a restore from an etcd
/// snapshot: a resourceVersion from before the restart no longer names anything).
final class StatePersister: Sendable {
    private struct Mirror {
        var objects: [ObjectKey: JSON] = [:]
        var dirty = false
        var scheduled = false
    }

    private let path: String
    private let store: ObjectStore
    private let logger: Logger
    private let delay: DispatchTimeInterval
    private let mirror = Mutex(Mirror())
    private let watches = Mutex<[Int]>([])
    private let queue = DispatchQueue(label: "kinvm.kube-standin.state-file")

    private init(path: String, store: ObjectStore, logger: Logger, delay: DispatchTimeInterval) {
        self.path = path
        self.store = store
        self.logger = logger
        self.delay = delay
    }

    /// Restores `path` into `core` when it exists, then starts following the store.
    static func start(core: APIServerCore, path: String, logger: Logger, delay: DispatchTimeInterval = .milliseconds(50)) throws
        -> StatePersister
    {
        if FileManager.default.fileExists(atPath: path) {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw PersistenceError(description: "cannot read the state file \(path): \(error)")
            }
            let restored = try restore(try StateFile.decode(data, path: path), into: core)
            logger.info("restored the object store", metadata: ["file": "\(path)", "objects": "\(restored)"])
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let persister = StatePersister(path: path, store: core.store, logger: logger, delay: delay)
        for type in ResourceType.all {
            let subscription = WatchSubscription(
                type: type, namespace: nil, labels: .everything, fields: nil,
                deliver: { kind, object in persister.record(type, kind, object) })
            let id: Int
            do {
                id = try core.store.watch(subscription, since: nil)
            } catch {
                throw PersistenceError(description: "cannot follow \(type.name) for the state file: \(error)")
            }
            persister.watches.withLock { $0.append(id) }
        }
        try persister.queue.sync { try persister.writeIfDirty() }
        return persister
    }

    /// Puts the stored objects into the store (replacing the seeded namespaces, keeping the fresh
    /// `kube-public/cluster-info`, whose signatures are then recomputed for the restored tokens).
    static func restore(_ entries: [(type: ResourceType, object: JSON)], into core: APIServerCore) throws -> Int {
        let ordered = entries.enumerated().sorted { lhs, rhs in
            let (left, right) = (StateFile.resourceVersion(lhs.element.object), StateFile.resourceVersion(rhs.element.object))
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
        var count = 0
        for (type, object) in ordered {
            let name = object[path: ["metadata", "name"]]?.string ?? ""
            let key = ObjectKey(type, namespace: object[path: ["metadata", "namespace"]]?.string, name: name)
            if key == core.clusterInfo.key { continue }
            let renumbered = { (version: Int) -> JSON in
                var copy = object
                copy[path: ["metadata", "resourceVersion"]] = .string(String(version))
                return copy
            }
            do throws(APIError) {
                if core.store.get(key) != nil {
                    _ = try core.store.update(key, subject: type.subject(name)) { _, version in renumbered(version) }
                } else {
                    _ = try core.store.create(key, subject: type.subject(name)) { version in renumbered(version) }
                }
            } catch {
                throw PersistenceError(description: "cannot restore \(type.name) \(key.namespace)/\(name): \(error)")
            }
            count += 1
        }
        core.clusterInfo.refresh()
        return count
    }

    /// Called by the store under its lock: only records and schedules.
    private func record(_ type: ResourceType, _ kind: StoreEvent.Kind, _ object: JSON) {
        let key = ObjectKey(type, namespace: object[path: ["metadata", "namespace"]]?.string, name: object[path: ["metadata", "name"]]?.string ?? "")
        let schedule = mirror.withLock { mirror -> Bool in
            // Not `kind == .deleted ? nil : object`: JSON is ExpressibleByNilLiteral, that would store `null`.
            if kind == .deleted {
                mirror.objects.removeValue(forKey: key)
            } else {
                mirror.objects[key] = object
            }
            mirror.dirty = true
            guard !mirror.scheduled else { return false }
            mirror.scheduled = true
            return true
        }
        if schedule {
            queue.asyncAfter(deadline: .now() + delay) { [self] in
                do {
                    try writeIfDirty()
                } catch {
                    logger.info("cannot write the state file", metadata: ["file": "\(path)", "error": "\(error)"])
                }
            }
        }
    }

    /// Runs on `queue`.
    private func writeIfDirty() throws {
        let objects = mirror.withLock { mirror -> [ObjectKey: JSON]? in
            mirror.scheduled = false
            guard mirror.dirty || !FileManager.default.fileExists(atPath: path) else { return nil }
            mirror.dirty = false
            return mirror.objects
        }
        guard let objects else { return }
        do {
            try AtomicFile.write(StateFile.encode(objects), to: path, mode: 0o600)
        } catch {
            mirror.withLock { $0.dirty = true }
            throw error
        }
    }

    /// Stops following the store and writes what is pending.
    func stop() throws {
        for id in watches.withLock({ $0 }) { store.stopWatch(id) }
        try queue.sync { try writeIfDirty() }
    }
}
