import DomainTemplates
import Foundation
import KubeClient
import Testing

@testable import Provisioner

/// `cluster apply`'s planner: pure decisions from the spec's nodes and what libvirt and the API hold.
@Suite("ClusterPlan")
struct ClusterPlanTests {
    static let small = NodeSizes(vcpus: 1, maxVCPUs: 4, memory: .mebibytes(1024), maxMemory: .gibibytes(4))
    static let cpSizes = NodeSizes(vcpus: 2, memory: .gibibytes(2))

    static func desired(_ pool: String, _ ordinal: Int, sizes: NodeSizes = small, labels: [NodeLabel] = [], taints: [NodeTaint] = [])
        -> DesiredNode
    {
        DesiredNode(name: "lab-\(pool)-\(ordinal)", group: pool, ordinal: ordinal, sizes: sizes, labels: labels, taints: taints)
    }

    static let controlPlane = DesiredNode(name: "lab-cp-1", group: "control-plane", ordinal: 1, controlPlane: true, sizes: cpSizes)

    static func observed(
        _ desired: DesiredNode, sizes: NodeSizes? = nil, running: Bool = true, tcg: Bool = false, node: ObservedNode.NodeObject? = .init(ready: true)
    ) -> ObservedNode {
        ObservedNode(
            name: desired.name, group: desired.group, controlPlane: desired.controlPlane, running: running, sizes: sizes ?? desired.sizes,
            tcg: tcg, template: desired.template, node: node)
    }

    static func workers(_ count: Int) -> [DesiredNode] { (1...max(count, 1)).prefix(count).map { desired("workers", $0) } }

    @Test("a cluster that matches the spec: no changes, and applying twice changes nothing")
    func noChanges() throws {
        let want = [Self.controlPlane] + Self.workers(2)
        let plan = try ClusterPlan.make(desired: want, observed: want.map { Self.observed($0) })
        #expect(plan.isEmpty && plan.notes.isEmpty)
        #expect(plan.rendered() == "No changes: the cluster matches the spec.")
    }

    @Test("scale up adds the missing ordinals; scale down removes the highest first")
    func scale() throws {
        let have = [Self.controlPlane] + Self.workers(2)
        let up = try ClusterPlan.make(desired: [Self.controlPlane] + Self.workers(4), observed: have.map { Self.observed($0) })
        #expect(up.actions == [.add(Self.desired("workers", 3)), .add(Self.desired("workers", 4))])
        #expect(up.summary == "Plan: 2 to add.")

        let many = [Self.controlPlane] + (1...11).map { Self.desired("workers", $0) }
        let down = try ClusterPlan.make(desired: [Self.controlPlane] + Self.workers(1), observed: many.map { Self.observed($0) })
        #expect(down.actions.map(\.nodeName) == (2...11).reversed().map { "lab-workers-\($0)" })
        #expect(down.actions.allSatisfy { if case .remove(_, "workers") = $0 { true } else { false } })

        // A gap (node 2 was removed by hand) is filled.
        let gap = try ClusterPlan.make(
            desired: Self.workers(3), observed: [Self.observed(Self.desired("workers", 1)), Self.observed(Self.desired("workers", 3))])
        #expect(gap.actions == [.add(Self.desired("workers", 2))])
    }

    @Test("a whole pool that left the spec is removed")
    func poolRemoved() throws {
        let gpu = [Self.desired("gpu", 1), Self.desired("gpu", 2)]
        let plan = try ClusterPlan.make(desired: Self.workers(1), observed: (Self.workers(1) + gpu).map { Self.observed($0) })
        #expect(plan.actions == [.remove(name: "lab-gpu-2", group: "gpu"), .remove(name: "lab-gpu-1", group: "gpu")])
    }

    @Test("resize: live within the ceilings, by restart otherwise; TCG adds vCPUs by restart; shut off: offline, then started", arguments: [
        // (have vcpus, have memory MiB, want vcpus, want memory MiB, tcg, running, method)
        (1, 1024, 2, 2048, false, true, ClusterPlan.ResizeMethod.live),
        (1, 1024, 1, 3072, true, true, .live),
        (1, 1024, 2, 1024, true, true, .restart),
        (2, 1024, 1, 1024, false, true, .restart),
        (1, 1024, 6, 1024, false, true, .restart),
        (1, 1024, 1, 8192, false, true, .restart),
        (1, 1024, 2, 1024, false, false, .offline),
    ])
    func resize(have: Int, haveMiB: UInt64, want: Int, wantMiB: UInt64, tcg: Bool, running: Bool, method: ClusterPlan.ResizeMethod) throws {
        let haveSizes = NodeSizes(vcpus: have, maxVCPUs: 4, memory: .mebibytes(haveMiB), maxMemory: .gibibytes(4))
        let wantSizes = NodeSizes(vcpus: want, maxVCPUs: 4, memory: .mebibytes(wantMiB), maxMemory: .gibibytes(4))
        let node = Self.desired("workers", 1, sizes: wantSizes)
        let plan = try ClusterPlan.make(desired: [node], observed: [Self.observed(node, sizes: haveSizes, running: running, tcg: tcg)])
        var target = haveSizes
        target.vcpus = want
        target.memory = .mebibytes(wantMiB)
        target.maxVCPUs = max(4, want)
        target.maxMemory = max(.gibibytes(4), .mebibytes(wantMiB))
        let start: [ClusterPlan.Action] = running ? [] : [.start(name: "lab-workers-1")]
        #expect(plan.actions == [.resize(name: "lab-workers-1", from: haveSizes, to: target, method: method)] + start)
    }

    @Test("the control plane is resized like a node but never added, replaced or removed")
    func controlPlane() throws {
        var bigger = Self.controlPlane
        bigger.sizes = NodeSizes(vcpus: 2, memory: .gibibytes(3))
        let plan = try ClusterPlan.make(desired: [bigger], observed: [Self.observed(Self.controlPlane)])
        guard case .resize("lab-cp-1", _, _, .restart)? = plan.actions.first else {
            Issue.record("expected a restart resize, got \(plan.actions)")
            return
        }
        #expect(throws: ClusterPlan.Refusal.self) { try ClusterPlan.make(desired: [Self.controlPlane], observed: []) }
        #expect(throws: ClusterPlan.Refusal.self) {
            try ClusterPlan.make(desired: [Self.controlPlane], observed: [Self.observed(Self.controlPlane, node: nil)])
        }
        #expect(throws: ClusterPlan.Refusal.self) { try ClusterPlan.make(desired: [], observed: [Self.observed(Self.controlPlane)]) }
    }

    @Test("a guest that never joined is replaced; a NotReady node is only noted")
    func replaceAndNotReady() throws {
        let one = Self.desired("workers", 1)
        let two = Self.desired("workers", 2)
        let plan = try ClusterPlan.make(
            desired: [one, two], observed: [Self.observed(one, node: nil), Self.observed(two, node: .init(ready: false))])
        #expect(plan.actions == [.replace(one, reason: "its guest exists but never joined the cluster")])
        #expect(plan.notes == ["lab-workers-2 is NotReady; it is left as it is"])
    }

    @Test("a shut-off node is started after its config change; a node kinvm left cordoned is uncordoned, one a person cordoned is not")
    func startAndUncordon() throws {
        let one = Self.desired("workers", 1)
        var bigger = Self.desired("workers", 2)
        bigger.sizes.memory = .gibibytes(2)
        let three = Self.desired("workers", 3)
        let plan = try ClusterPlan.make(
            desired: [one, bigger, three],
            observed: [
                Self.observed(one, running: false, node: .init(ready: false, cordonedByKinvm: true)),
                Self.observed(Self.desired("workers", 2), running: false, node: .init(ready: false)),
                Self.observed(three, node: .init(ready: true)),
            ])
        #expect(
            plan.actions == [
                .resize(name: "lab-workers-2", from: Self.small, to: bigger.sizes, method: .offline),
                .start(name: "lab-workers-1"), .start(name: "lab-workers-2"), .uncordon(name: "lab-workers-1"),
            ])
        #expect(plan.notes.isEmpty, "a shut-off node's NotReady is not a note: it is started")
        #expect(plan.summary == "Plan: 1 to resize, 2 to start, 1 to uncordon.")
        let rendered = plan.rendered()
        #expect(rendered.contains("~ lab-workers-1  start: the guest is shut off: start it and wait until the Node is Ready"))
        #expect(rendered.contains("~ lab-workers-1  uncordon: kinvm cordoned it and was interrupted before uncordoning"))
        // The observation: only kinvm's annotation on a cordoned Node counts.
        func node(unschedulable: Bool, annotated: Bool) throws -> Node {
            let annotations = annotated ? #", "annotations": {"kinvm.dev/cordoned": "resize"}"# : ""
            let json = #"{"metadata": {"name": "n"\#(annotations)}, "spec": {"unschedulable": \#(unschedulable)}}"#
            return try JSONDecoder().decode(Node.self, from: Data(json.utf8))
        }
        #expect(ClusterObservation.object(try node(unschedulable: true, annotated: true)).cordonedByKinvm)
        #expect(!ClusterObservation.object(try node(unschedulable: true, annotated: false)).cordonedByKinvm)
        #expect(!ClusterObservation.object(try node(unschedulable: false, annotated: true)).cordonedByKinvm)
    }

    @Test("missing or changed labels and taints are set; labels the node has beyond the spec stay")
    func relabel() throws {
        let tier = try NodeLabel(key: "tier", value: "web")
        let zone = try NodeLabel(key: "zone", value: "a")
        let taint = try NodeTaint(key: "dedicated", value: "web", effect: .noSchedule)
        let node = Self.desired("workers", 1, labels: [tier, zone], taints: [taint])
        let object = ObservedNode.NodeObject(ready: true, labels: ["tier": "db", "zone": "a", "extra": "kept"], taints: [])
        let plan = try ClusterPlan.make(desired: [node], observed: [Self.observed(node, node: object)])
        #expect(plan.actions == [.relabel(name: "lab-workers-1", labels: [tier], taints: [taint])])
        #expect(plan.entries.first?.detail == "label tier=web, taint dedicated=web:NoSchedule")
    }

    @Test("ceiling and template differences are noted, not acted on")
    func notes() throws {
        var node = Self.desired("workers", 1)
        node.sizes.maxVCPUs = 8
        node.template = "big-node"
        var seen = Self.observed(Self.desired("workers", 1))
        seen.template = "k8s-node"
        let plan = try ClusterPlan.make(desired: [node], observed: [seen])
        #expect(plan.isEmpty)
        #expect(plan.notes.count == 2)
        #expect(plan.notes[0].contains("ceilings of 4 vCPUs"))
        #expect(plan.notes[1].contains("template k8s-node, the spec says big-node"))
    }

    @Test("rendered like a diff, in the order it is carried out")
    func rendering() throws {
        let have = [Self.controlPlane, Self.desired("workers", 1), Self.desired("workers", 2), Self.desired("workers", 3)]
        var grown = Self.desired("workers", 1)
        grown.sizes.vcpus = 2
        let want = [Self.controlPlane, grown, Self.desired("workers", 2), Self.desired("db", 1)]
        let plan = try ClusterPlan.make(desired: want, observed: have.map { Self.observed($0) })
        #expect(
            plan.rendered() == """
                + lab-db-1       add: db: 1 vCPU (max 4), 1GiB (max 4GiB)
                ~ lab-workers-1  resize: vCPUs 1 -> 2 (live)
                - lab-workers-3  remove: workers: drain, delete the Node and the guest
                Plan: 1 to add, 1 to resize, 1 to remove.
                """)
    }
}
