import Testing

@testable import Provisioner

/// `KINVM_KILL_AT`: which kill points a value arms, for which subjects, and the refusal of unknown names.
@Suite("KillPoint")
struct KillPointTests {
    @Test("a point alone arms it for every subject; POINT:SUBJECT for that subject only")
    func targets() throws {
        let targets = try KillPoint.parse("guest.defined:lab-workers-2, cluster.network")
        #expect(targets == [.init(point: .guestDefined, subject: "lab-workers-2"), .init(point: .clusterNetwork, subject: nil)])
        #expect(KillPoint.guestDefined.isArmed(for: "lab-workers-2", in: targets))
        #expect(!KillPoint.guestDefined.isArmed(for: "lab-workers-1", in: targets))
        #expect(!KillPoint.guestStarted.isArmed(for: "lab-workers-2", in: targets))
        #expect(KillPoint.clusterNetwork.isArmed(for: "lab", in: targets) && KillPoint.clusterNetwork.isArmed(for: "other", in: targets))
        #expect(try KillPoint.parse("node.drained:").first?.subject == nil)
    }

    @Test("an unknown point is refused with the known ones")
    func unknown() async {
        await expectProvisionerError(.invalidArgument, containing: ["KINVM_KILL_AT", "'guest.defind:x'", "guest.defined", "cluster.guests-deleted"]) {
            _ = try KillPoint.parse("cluster.network,guest.defind:x")
        }
    }

    @Test("every point has a distinct name in the dotted form the documentation lists")
    func names() {
        let names = KillPoint.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.wholeMatch(of: /[a-z]+\.[a-z-]+/) != nil })
    }
}
