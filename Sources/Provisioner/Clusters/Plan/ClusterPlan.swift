import DomainTemplates

/// What `cluster apply` changes, computed from the spec's nodes and what libvirt and the API hold
/// (no I/O): add nodes, replace nodes whose guest never joined, resize (live or by restart),
/// start nodes whose guest is shut off, uncordon nodes an interrupted kinvm left cordoned, set
/// missing labels and taints, remove nodes (drained first). Nothing else is changed; other
/// differences are reported as notes.
///
/// The control plane is never added, replaced or removed here (`cluster create` makes it); it is
/// resized like any node.
public struct ClusterPlan: Sendable, Hashable {
    public enum ResizeMethod: String, Sendable, Hashable, Codable {
        /// vCPU hot-plug and balloon within the ceilings; the kubelet is restarted to report it.
        case live
        /// Cordon, drain, graceful stop, change, start, uncordon.
        case restart
        /// The guest is shut off: its config is changed and applies when it starts.
        case offline
    }

    public enum Action: Sendable, Hashable {
        case add(DesiredNode)
        /// Delete the guest and add the node again (its guest exists but no Node joined, e.g. after
        /// an interrupted create).
        case replace(DesiredNode, reason: String)
        case resize(name: String, from: NodeSizes, to: NodeSizes, method: ResizeMethod)
        /// Start the shut-off guest and wait until its Node is Ready (after any config change).
        case start(name: String)
        /// Uncordon a Node kinvm cordoned (``ObservedNode/NodeObject/cordonedByKinvm``) and left so.
        case uncordon(name: String)
        /// Labels and taints the spec asks for that the Node lacks (added or changed, never removed).
        case relabel(name: String, labels: [NodeLabel], taints: [NodeTaint])
        /// Drain, delete the Node, delete the guest.
        case remove(name: String, group: String)

        public var nodeName: String {
            switch self {
            case .add(let node), .replace(let node, _): node.name
            case .resize(let name, _, _, _), .start(let name), .uncordon(let name), .relabel(let name, _, _), .remove(let name, _): name
            }
        }
    }

    /// In the order they are carried out: adds and replacements, resizes, starts, uncordons,
    /// relabels, removals (highest ordinal first).
    public var actions: [Action]
    /// Differences the plan does not act on, and why.
    public var notes: [String]

    public var isEmpty: Bool { actions.isEmpty }

    /// Why a plan cannot be made.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func make(desired: [DesiredNode], observed: [ObservedNode]) throws(Refusal) -> ClusterPlan {
        let observedByName = Dictionary(observed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let desiredNames = Set(desired.map(\.name))
        var adds: [Action] = []
        var resizes: [Action] = []
        var relabels: [Action] = []
        var starts: [Action] = []
        var uncordons: [Action] = []
        var notes: [String] = []

        for node in desired {
            guard let seen = observedByName[node.name] else {
                guard !node.controlPlane else {
                    throw Refusal(message: "control-plane node \(node.name) does not exist; `kinvm cluster create` makes it")
                }
                adds.append(.add(node))
                continue
            }
            guard let object = seen.node else {
                guard !node.controlPlane else {
                    throw Refusal(message: "control-plane node \(node.name) has no Node object; `kinvm cluster create` repairs it")
                }
                adds.append(.replace(node, reason: "its guest exists but never joined the cluster"))
                continue
            }
            if !seen.running {
                starts.append(.start(name: node.name))
            } else if !object.ready {
                notes.append("\(node.name) is NotReady; it is left as it is")
            }
            if object.cordonedByKinvm { uncordons.append(.uncordon(name: node.name)) }
            if let resize = resize(node, seen, notes: &notes) { resizes.append(resize) }
            let labels = node.labels.filter { object.labels[$0.key] != $0.value }
            let taints = node.taints.filter { !object.taints.contains($0) }
            if !labels.isEmpty || !taints.isEmpty { relabels.append(.relabel(name: node.name, labels: labels, taints: taints)) }
            if let template = seen.template, template != node.template {
                notes.append("\(node.name) was made from template \(template), the spec says \(node.template): only new nodes use it")
            }
        }

        let removals = observed.filter { !desiredNames.contains($0.name) }
        for node in removals where node.controlPlane {
            throw Refusal(message: "control-plane node \(node.name) is not in the spec; kinvm does not remove control-plane nodes")
        }
        let removes = removals.sorted { (ordinal($0.name), $0.name) > (ordinal($1.name), $1.name) }
            .map { Action.remove(name: $0.name, group: $0.group) }
        return ClusterPlan(actions: adds + resizes + starts + uncordons + relabels + removes, notes: notes)
    }

    /// The resize `node` needs, if any, and how it can be done.
    static func resize(_ node: DesiredNode, _ seen: ObservedNode, notes: inout [String]) -> Action? {
        let (want, have) = (node.sizes, seen.sizes)
        if want.maxVCPUs != have.maxVCPUs || want.maxMemory != have.maxMemory {
            notes.append(
                "\(node.name) has ceilings of \(have.maxVCPUs) vCPUs and \(have.maxMemory), the spec says \(want.maxVCPUs) and "
                    + "\(want.maxMemory): ceilings change only when a node is made (or raised as far as a resize by restart needs)")
        }
        guard want.vcpus != have.vcpus || want.memory != have.memory else { return nil }
        var target = have
        target.vcpus = want.vcpus
        target.memory = want.memory
        target.maxVCPUs = max(have.maxVCPUs, want.vcpus)
        target.maxMemory = max(have.maxMemory, want.memory)
        let method: ResizeMethod
        if !seen.running {
            method = .offline
        } else if want.vcpus >= have.vcpus, want.vcpus <= have.maxVCPUs, want.memory <= have.maxMemory,
            !(seen.tcg && want.vcpus > have.vcpus)
        {
            method = .live
        } else {
            method = .restart
        }
        return .resize(name: node.name, from: have, to: target, method: method)
    }

    /// N of `…-N`, for ordering removals (0 when the name has no number).
    static func ordinal(_ name: String) -> Int {
        Int(name.split(separator: "-").last ?? "") ?? 0
    }
}
