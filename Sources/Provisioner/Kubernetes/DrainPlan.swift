/// What draining a node will do with each of its pods, decided the way `kubectl drain` decides
/// (k8s.io/kubectl/pkg/drain, filters in its order): pure, tested without an API server.
///
/// - DaemonSet pods are skipped (their controller would put them straight back);
/// - mirror pods (static pods the kubelet mirrors into the API) are skipped;
/// - pods with `emptyDir` volumes are evicted only with `deleteEmptyDirData` (their data is lost);
/// - pods without a controller are evicted only with `force` (nothing recreates them);
/// - finished pods (Succeeded or Failed) are always evicted.
public struct DrainPlan: Sendable, Hashable {
    public struct Options: Sendable, Hashable {
        /// Also evict pods that no controller manages (kubectl's `--force`).
        public var force: Bool
        /// Also evict pods with `emptyDir` volumes (kubectl's `--delete-emptydir-data`).
        public var deleteEmptyDirData: Bool

        public init(force: Bool = false, deleteEmptyDirData: Bool = false) {
            self.force = force
            self.deleteEmptyDirData = deleteEmptyDirData
        }
    }

    /// The facts about one pod that the decision needs.
    public struct Pod: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var name: String
        public var uid: String
        /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
        public var phase: String
        /// The kind of the controlling owner (`ReplicaSet`, `DaemonSet`, …); nil without one.
        public var controllerKind: String?
        /// Has the `kubernetes.io/config.mirror` annotation.
        public var isMirror: Bool
        public var usesEmptyDir: Bool

        public init(
            namespace: String, name: String, uid: String = "", phase: String = "Running", controllerKind: String? = nil,
            isMirror: Bool = false, usesEmptyDir: Bool = false
        ) {
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.phase = phase
            self.controllerKind = controllerKind
            self.isMirror = isMirror
            self.usesEmptyDir = usesEmptyDir
        }

        var isFinished: Bool { phase == "Succeeded" || phase == "Failed" }
        public var description: String { "\(namespace)/\(name)" }
    }

    /// A pod and why it is treated the way it is.
    public struct Entry: Sendable, Hashable {
        public var pod: Pod
        public var reason: String

        init(_ pod: Pod, _ reason: String) {
            self.pod = pod
            self.reason = reason
        }
    }

    /// Pods to evict, in the order given.
    public var evict: [Pod]
    /// Pods left alone, with why (DaemonSet-managed, mirror pod).
    public var skipped: [Entry]
    /// Pods evicted although they lose something (kubectl prints these as warnings).
    public var warnings: [Entry]
    /// Pods that stop the drain, with the flag that would allow them (kubectl's errors).
    public var blockers: [Entry]

    static let daemonSetReason = "ignoring DaemonSet-managed Pods"
    static let mirrorReason = "ignoring mirror Pods"
    static let emptyDirBlocker = "cannot delete Pods with local storage (use --delete-emptydir-data to override)"
    static let emptyDirWarning = "deleting Pods with local storage"
    static let unmanagedBlocker = "cannot delete Pods that declare no controller (use --force to override)"
    static let unmanagedWarning = "deleting Pods that declare no controller"

    public static func make(pods: [Pod], options: Options) -> DrainPlan {
        var plan = DrainPlan(evict: [], skipped: [], warnings: [], blockers: [])
        for pod in pods {
            if pod.controllerKind == "DaemonSet" && !pod.isFinished {
                plan.skipped.append(Entry(pod, daemonSetReason))
                continue
            }
            if pod.isMirror {
                plan.skipped.append(Entry(pod, mirrorReason))
                continue
            }
            var blocked = false
            if pod.usesEmptyDir && !pod.isFinished {
                if options.deleteEmptyDirData {
                    plan.warnings.append(Entry(pod, emptyDirWarning))
                } else {
                    plan.blockers.append(Entry(pod, emptyDirBlocker))
                    blocked = true
                }
            }
            if pod.controllerKind == nil && !pod.isFinished {
                if options.force {
                    plan.warnings.append(Entry(pod, unmanagedWarning))
                } else {
                    plan.blockers.append(Entry(pod, unmanagedBlocker))
                    blocked = true
                }
            }
            if !blocked { plan.evict.append(pod) }
        }
        return plan
    }

    /// kubectl's error text for the blockers, one line per reason:
    /// `cannot delete Pods that declare no controller (use --force to override): default/a, default/b`.
    public var blockerSummary: String? {
        guard !blockers.isEmpty else { return nil }
        return Self.grouped(blockers).joined(separator: "; ")
    }

    /// `reason: pod, pod` lines for skipped pods and warnings, as kubectl prints them.
    public var notes: [String] { Self.grouped(skipped) + Self.grouped(warnings) }

    static func grouped(_ items: [Entry]) -> [String] {
        var order: [String] = []
        var pods: [String: [String]] = [:]
        for item in items {
            if pods[item.reason] == nil { order.append(item.reason) }
            pods[item.reason, default: []].append(item.pod.description)
        }
        return order.map { "\($0): \(pods[$0]!.joined(separator: ", "))" }
    }
}
