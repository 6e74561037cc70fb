import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Named points in kinvm's long operations where the tests kill it with SIGKILL, to prove that
/// running the same command again converges (etcd's failpoints are the model).
///
/// `KINVM_KILL_AT=POINT[:SUBJECT][,…]` makes kinvm send itself SIGKILL when it reaches POINT,
/// for SUBJECT only when one is given (a guest's or cluster's name). Nothing runs after it: no
/// rollback, no `defer`, no flushing; exactly what `kill -9` from outside does at that moment.
/// Unset, each point costs one dictionary lookup.
public enum KillPoint: String, CaseIterable, Sendable {
    /// `cluster create`/`apply`: the network is defined with every reservation and the spec; no guest yet.
    case clusterNetwork = "cluster.network"
    /// A guest's root, seed and data volumes exist; its domain is not defined.
    case guestVolumes = "guest.volumes"
    /// A guest's domain is defined and not started.
    case guestDefined = "guest.defined"
    /// A guest was started; kinvm has not waited for anything yet.
    case guestStarted = "guest.started"
    /// Node removal: the Node is cordoned and drained; the Node object and the guest still exist.
    case nodeDrained = "node.drained"
    /// `cluster delete`: every guest and leftover volume is gone; the network is not.
    case clusterGuestsDeleted = "cluster.guests-deleted"
    /// `cluster apply`: the hosts are connected and the record written; no node changed yet.
    case clusterApplyPlanned = "cluster.apply-planned"
    /// `cluster create`/`apply`/`delete`: the cluster's lease is taken; nothing else done yet.
    case clusterLeaseTaken = "cluster.lease-taken"

    /// The environment variable that arms kill points.
    public static let environmentVariable = "KINVM_KILL_AT"

    /// One armed point: where, and for which subject (nil: any).
    public struct Target: Sendable, Hashable {
        public var point: KillPoint
        public var subject: String?
    }

    /// The targets in a `KINVM_KILL_AT` value; unknown point names are an error naming the known ones.
    public static func parse(_ value: String) throws(ProvisionerError) -> [Target] {
        try value.split(separator: ",").map { item throws(ProvisionerError) -> Target in
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = parts.first, let point = KillPoint(rawValue: name) else {
                throw ProvisionerError(
                    .invalidArgument,
                    "\(environmentVariable): unknown kill point '\(item)'; known: " + allCases.map(\.rawValue).joined(separator: ", "))
            }
            return Target(point: point, subject: parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil)
        }
    }

    /// The targets armed in this process's environment (read once).
    static let armed: [Target] = {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else { return [] }
        do throws(ProvisionerError) {
            return try parse(value)
        } catch {
            FileHandle.standardError.write(Data("kinvm: \(error.message)\n".utf8))
            exit(64)
        }
    }()

    /// Whether `targets` arm this point for `subject`.
    public func isArmed(for subject: String, in targets: [Target]) -> Bool {
        targets.contains { $0.point == self && ($0.subject == nil || $0.subject == subject) }
    }

    /// The environment variables that make kinvm pause at a point instead of dying:
    /// `KINVM_PAUSE_AT=POINT[:SUBJECT]` and `KINVM_PAUSE_FILE=PATH`. At the point kinvm creates
    /// PATH (with the point's name in it) and waits until PATH is removed: a test can then change
    /// the world (take a host down) at exactly that moment.
    public static let pauseVariable = "KINVM_PAUSE_AT"
    public static let pauseFileVariable = "KINVM_PAUSE_FILE"

    static let pauses: (targets: [Target], file: String)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let value = environment[pauseVariable], !value.isEmpty, let file = environment[pauseFileVariable], !file.isEmpty else {
            return nil
        }
        do throws(ProvisionerError) {
            return (try parse(value), file)
        } catch {
            FileHandle.standardError.write(Data("kinvm: \(pauseVariable): \(error.message)\n".utf8))
            exit(64)
        }
    }()

    /// Kills this process at an armed point (``reach(_:)``), or pauses it at one armed through
    /// ``pauseVariable`` until the pause file is removed.
    public func reachOrPause(_ subject: String) async {
        reach(subject)
        guard let pauses = Self.pauses, isArmed(for: subject, in: pauses.targets) else { return }
        FileManager.default.createFile(atPath: pauses.file, contents: Data("\(rawValue) \(subject)\n".utf8))
        FileHandle.standardError.write(Data("kinvm: \(Self.pauseVariable): paused at \(rawValue) (\(subject)) until \(pauses.file) is removed\n".utf8))
        while FileManager.default.fileExists(atPath: pauses.file) {
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Kills this process with SIGKILL when ``armed`` arms this point for `subject`.
    public func reach(_ subject: String) {
        guard !Self.armed.isEmpty, isArmed(for: subject, in: Self.armed) else { return }
        FileHandle.standardError.write(Data("kinvm: \(Self.environmentVariable): killed at \(rawValue) (\(subject))\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
