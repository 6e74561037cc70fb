import Provisioner
import Testing

@Suite("Drain plan (kubectl drain's filters)")
struct DrainPlanTests {
    typealias P = DrainPlan.Pod

    let managed = P(namespace: "default", name: "web-1", controllerKind: "ReplicaSet")
    let daemon = P(namespace: "kube-system", name: "proxy-x", controllerKind: "DaemonSet")
    let mirror = P(namespace: "kube-system", name: "etcd-w1", controllerKind: "Node", isMirror: true)
    let bare = P(namespace: "default", name: "bare")
    let scratch = P(namespace: "default", name: "cache-1", controllerKind: "StatefulSet", usesEmptyDir: true)
    let finishedBare = P(namespace: "default", name: "job-done", phase: "Succeeded")

    @Test func managedPodsAreEvictedDaemonSetAndMirrorPodsSkipped() {
        let plan = DrainPlan.make(pods: [managed, daemon, mirror], options: .init())
        #expect(plan.evict == [managed])
        #expect(plan.skipped.map(\.pod) == [daemon, mirror])
        #expect(plan.blockers.isEmpty)
        #expect(plan.blockerSummary == nil)
        #expect(plan.notes == ["ignoring DaemonSet-managed Pods: kube-system/proxy-x", "ignoring mirror Pods: kube-system/etcd-w1"])
    }

    @Test func podsWithoutControllerNeedForce() {
        let blocked = DrainPlan.make(pods: [managed, bare], options: .init())
        #expect(blocked.evict == [managed])
        #expect(
            blocked.blockerSummary
                == "cannot delete Pods that declare no controller (use --force to override): default/bare")
        let forced = DrainPlan.make(pods: [managed, bare], options: .init(force: true))
        #expect(forced.evict == [managed, bare])
        #expect(forced.blockers.isEmpty)
        #expect(forced.notes == ["deleting Pods that declare no controller: default/bare"])
    }

    @Test func emptyDirPodsNeedDeleteEmptyDirData() {
        let blocked = DrainPlan.make(pods: [scratch], options: .init(force: true))
        #expect(blocked.evict.isEmpty)
        #expect(
            blocked.blockerSummary
                == "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache-1")
        let allowed = DrainPlan.make(pods: [scratch], options: .init(deleteEmptyDirData: true))
        #expect(allowed.evict == [scratch])
    }

    @Test func aBarePodWithEmptyDirIsReportedForBothReasons() {
        let both = P(namespace: "default", name: "both", usesEmptyDir: true)
        let plan = DrainPlan.make(pods: [both, bare], options: .init())
        #expect(plan.evict.isEmpty)
        #expect(plan.blockers.map(\.pod) == [both, both, bare])
        #expect(
            plan.blockerSummary
                == "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/both; "
                + "cannot delete Pods that declare no controller (use --force to override): default/both, default/bare")
    }

    @Test func finishedPodsAreAlwaysEvicted() {
        let finishedScratch = P(namespace: "default", name: "done", phase: "Failed", usesEmptyDir: true)
        let plan = DrainPlan.make(pods: [finishedBare, finishedScratch], options: .init())
        #expect(plan.evict == [finishedBare, finishedScratch])
        #expect(plan.blockers.isEmpty)
    }

    @Test func evictionOrderFollowsTheList() {
        let a = P(namespace: "a", name: "1", controllerKind: "ReplicaSet")
        let b = P(namespace: "b", name: "2", controllerKind: "Job")
        #expect(DrainPlan.make(pods: [b, daemon, a], options: .init()).evict == [b, a])
    }
}
