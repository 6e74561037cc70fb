import Foundation
import Testing

@testable import Provisioner

/// The placement planner: which host each new node of a multi-host cluster goes to (no I/O).
@Suite("Placement")
struct PlacementTests {
    static let gib: UInt64 = 1 << 30
    static let mib: UInt64 = 1 << 20

    static func bytes(_ gib: Double) -> UInt64 { UInt64(gib * Double(Self.gib)) }

    /// A reachable host; memory in GiB, free memory all of it unless given.
    static func host(
        _ name: String, cpus: Int = 8, gib: Double = 16, free: Double? = nil, limitVCPUs: Int? = nil, limitGiB: Double? = nil,
        reservedVCPUs: Int = 0, reservedGiB: Double = 0, guests: Int = 0
    ) -> HostReading {
        .reachable(
            HostCapacity(
                name: name, cpus: cpus, memoryBytes: bytes(gib), freeMemoryBytes: bytes(free ?? gib), limitVCPUs: limitVCPUs,
                limitMemoryBytes: limitGiB.map(bytes), reservedVCPUs: reservedVCPUs, reservedMemoryBytes: bytes(reservedGiB),
                kinvmGuests: guests))
    }

    static func down(_ name: String, _ reason: String = "connection refused") -> HostReading { .unreachable(name: name, reason: reason) }
    static func worker(_ name: String, vcpus: Int = 2, gib: Double = 2) -> NodeDemand {
        NodeDemand(name: name, vcpus: vcpus, memoryBytes: bytes(gib))
    }
    static func cp(_ name: String, vcpus: Int = 2, gib: Double = 2) -> NodeDemand {
        NodeDemand(name: name, isControlPlane: true, vcpus: vcpus, memoryBytes: bytes(gib))
    }
    static func at(_ node: String, _ host: String) -> PlacementPlan.Assignment { .init(node: node, host: host) }

    // MARK: - The table

    struct Case: Sendable, CustomTestStringConvertible {
        enum Expected: Sendable {
            case placed([PlacementPlan.Assignment], notes: [String] = [])
            case refused(node: String, message: String)
        }

        var name: String
        var hosts: [HostReading]
        var demands: [NodeDemand]
        var existing: [PlacedNode] = []
        var strategy: PlacementStrategy = .spread
        var expected: Expected
        var testDescription: String { name }
    }

    static let workers4 = (1...4).map { worker("c-w-\($0)") }

    static let cases: [Case] = [
        Case(
            name: "spread 1+4 over 2 equal hosts: cp on h1, workers alternate, 3/2", hosts: [host("h1"), host("h2")],
            demands: [cp("c-cp-1")] + workers4,
            expected: .placed([at("c-cp-1", "h1"), at("c-w-1", "h2"), at("c-w-2", "h1"), at("c-w-3", "h2"), at("c-w-4", "h1")])),
        Case(
            name: "spread over 3 hosts: fewest nodes first, then most memory left",
            hosts: [host("h1"), host("h2", gib: 32), host("h3", gib: 8)],
            demands: [cp("c-cp-1")] + (1...5).map { worker("c-w-\($0)") },
            expected: .placed([
                at("c-cp-1", "h2"), at("c-w-1", "h1"), at("c-w-2", "h3"), at("c-w-3", "h2"), at("c-w-4", "h1"), at("c-w-5", "h3"),
            ])),
        Case(
            name: "binpack 1+4: largest first, h1 until its memory runs out, then h2", hosts: [host("h1", gib: 8), host("h2", gib: 8)],
            demands: [cp("c-cp-1"), worker("c-w-1"), worker("c-w-2", gib: 3), worker("c-w-3"), worker("c-w-4", vcpus: 4)],
            strategy: .binpack,
            expected: .placed([at("c-cp-1", "h1"), at("c-w-2", "h1"), at("c-w-4", "h1"), at("c-w-1", "h2"), at("c-w-3", "h2")])),
        Case(
            name: "3 control-plane nodes over 3 hosts: all apart, even with binpack", hosts: [host("h1"), host("h2"), host("h3")],
            demands: [cp("c-cp-1"), cp("c-cp-2"), cp("c-cp-3")], strategy: .binpack,
            expected: .placed([at("c-cp-1", "h1"), at("c-cp-2", "h2"), at("c-cp-3", "h3")])),
        Case(
            name: "3 control-plane nodes over 2 hosts: the third shares, with a note", hosts: [host("h1"), host("h2")],
            demands: [cp("c-cp-1"), cp("c-cp-2"), cp("c-cp-3")],
            expected: .placed(
                [at("c-cp-1", "h1"), at("c-cp-2", "h2"), at("c-cp-3", "h1")],
                notes: [
                    "control-plane node c-cp-3 shares host h1 with c-cp-1: every host with room for it already holds a control-plane node"
                ])),
        Case(
            name: "a new control-plane node goes to a host without one, though spread's tie-break says h1",
            hosts: [host("h1"), host("h2"), host("h3", gib: 1)], demands: [cp("c-cp-2")],
            existing: [PlacedNode(node: "c-cp-1", host: "h1", isControlPlane: true), PlacedNode(node: "c-w-1", host: "h2")],
            expected: .placed([at("c-cp-2", "h2")])),
        Case(
            name: "a control-plane node shares when the only host without one has no room", hosts: [host("h1"), host("h2", gib: 1)],
            demands: [cp("c-cp-2")], existing: [PlacedNode(node: "c-cp-1", host: "h1", isControlPlane: true)],
            expected: .placed(
                [at("c-cp-2", "h1")],
                notes: [
                    "control-plane node c-cp-2 shares host h1 with c-cp-1: every host with room for it already holds a control-plane node"
                ])),
        Case(
            name: "sharing names every control-plane node already there", hosts: [host("h1", gib: 32), host("h2", gib: 1)],
            demands: [cp("c-cp-3")],
            existing: [
                PlacedNode(node: "c-cp-1", host: "h1", isControlPlane: true), PlacedNode(node: "c-cp-2", host: "h1", isControlPlane: true),
            ],
            expected: .placed(
                [at("c-cp-3", "h1")],
                notes: [
                    "control-plane node c-cp-3 shares host h1 with c-cp-1 and c-cp-2: every host with room for it already holds a "
                        + "control-plane node"
                ])),
        Case(
            name: "binpack: a new control-plane node avoids the host of an existing one, though that host is tighter",
            hosts: [host("h1", gib: 8, reservedGiB: 2, guests: 1), host("h2", gib: 32)], demands: [cp("c-cp-2"), worker("c-w-1")],
            existing: [PlacedNode(node: "c-cp-1", host: "h1", isControlPlane: true)], strategy: .binpack,
            expected: .placed([at("c-cp-2", "h2"), at("c-w-1", "h1")])),
        Case(
            name: "existing nodes count for spread",
            hosts: [
                host("h1", free: 12, reservedVCPUs: 4, reservedGiB: 4, guests: 2),
                host("h2", free: 14, reservedVCPUs: 2, reservedGiB: 2, guests: 1),
            ],
            demands: [worker("c-w-3"), worker("c-w-4"), worker("c-w-5")],
            existing: [
                PlacedNode(node: "c-cp-1", host: "h1", isControlPlane: true), PlacedNode(node: "c-w-1", host: "h1"),
                PlacedNode(node: "c-w-2", host: "h2"),
            ],
            expected: .placed([at("c-w-3", "h2"), at("c-w-4", "h1"), at("c-w-5", "h2")])),
        Case(
            name: "a memory limit binds though the host has plenty free",
            hosts: [host("h1", gib: 64, free: 60, limitGiB: 4, reservedGiB: 2.5, guests: 3), host("h2", gib: 8)],
            demands: [worker("c-w-1")],
            expected: .placed([at("c-w-1", "h2")])),
        Case(
            name: "a vCPU limit binds: reaching it exactly fits, passing it does not",
            hosts: [host("h1", gib: 8, limitVCPUs: 4, reservedVCPUs: 2, guests: 1), host("h2", gib: 16)],
            demands: [worker("c-w-1"), worker("c-w-2")], strategy: .binpack,
            expected: .placed([at("c-w-1", "h1"), at("c-w-2", "h2")])),
        Case(
            name: "free memory below the limit binds", hosts: [host("h1", gib: 64, free: 1, limitGiB: 8), host("h2", gib: 8)],
            demands: [worker("c-w-1")], expected: .placed([at("c-w-1", "h2")])),
        Case(
            name: "a node with more vCPUs than the host has CPUs goes elsewhere",
            hosts: [host("h1", cpus: 2, gib: 64), host("h2", cpus: 8)],
            demands: [worker("c-w-1", vcpus: 4), worker("c-w-2", vcpus: 2)], strategy: .binpack,
            expected: .placed([at("c-w-1", "h2"), at("c-w-2", "h2")])),
        Case(
            name: "without a vCPU limit, vCPUs are overcommitted", hosts: [host("h1", cpus: 4, gib: 64)],
            demands: (1...5).map { worker("c-w-\($0)", vcpus: 4) },
            expected: .placed((1...5).map { at("c-w-\($0)", "h1") })),
        Case(
            name: "unreachable hosts are skipped", hosts: [down("h1"), host("h2", gib: 8), down("h3")],
            demands: [cp("c-cp-1"), worker("c-w-1")],
            expected: .placed([at("c-cp-1", "h2"), at("c-w-1", "h2")])),
        Case(
            name: "ties go to the host first in the spec, not first by name", hosts: [host("zeta"), host("alpha")],
            demands: [worker("c-w-1")], expected: .placed([at("c-w-1", "zeta")])),
        Case(
            name: "binpack ties go to the host first in the spec", hosts: [host("zeta"), host("alpha")], demands: [worker("c-w-1")],
            strategy: .binpack, expected: .placed([at("c-w-1", "zeta")])),
        Case(name: "no demands: an empty plan", hosts: [host("h1")], demands: [], expected: .placed([])),
        Case(name: "no demands and no hosts: an empty plan", hosts: [], demands: [], expected: .placed([])),
        Case(
            name: "an existing node on a host the spec no longer lists is noted", hosts: [host("h1")], demands: [worker("c-w-2")],
            existing: [PlacedNode(node: "c-w-1", host: "old")],
            expected: .placed(
                [at("c-w-2", "h1")], notes: ["existing node c-w-1 is on host old, which is not among the spec's hosts"])),

        // Refusals: exact messages.
        Case(
            name: "no hosts", hosts: [], demands: [worker("c-w-1")],
            expected: .refused(node: "c-w-1", message: "cannot place node c-w-1 (2 vCPUs, 2 GiB of memory): the cluster has no hosts")),
        Case(
            name: "no hosts, control-plane node first", hosts: [], demands: [worker("c-w-1"), cp("c-cp-1", vcpus: 1, gib: 1.5)],
            expected: .refused(
                node: "c-cp-1", message: "cannot place control-plane node c-cp-1 (1 vCPU, 1.5 GiB of memory): the cluster has no hosts")),
        Case(
            name: "all hosts unreachable", hosts: [down("h1"), down("h2", "authentication failed")], demands: [worker("c-w-1")],
            expected: .refused(
                node: "c-w-1",
                message: """
                    cannot place node c-w-1 (2 vCPUs, 2 GiB of memory) on any host:
                      h1: unreachable: connection refused
                      h2: unreachable: authentication failed
                    """)),
        Case(
            name: "one reason per host, unreachable included, in spec order",
            hosts: [
                host("h1", gib: 32, free: 20, limitGiB: 4, reservedGiB: 2.5, guests: 3), host("h2", cpus: 1, gib: 64),
                host("h3", limitVCPUs: 4, reservedVCPUs: 4, guests: 2), down("h4"),
            ],
            demands: [worker("demo-workers-3")],
            expected: .refused(
                node: "demo-workers-3",
                message: """
                    cannot place node demo-workers-3 (2 vCPUs, 2 GiB of memory) on any host:
                      h1: 1.5 GiB of memory available (limit 4 GiB, 2.5 GiB reserved by 3 kinvm guests, 20 GiB free)
                      h2: the node needs 2 vCPUs and the host has 1 CPU
                      h3: 0 vCPUs left of its limit of 4 (4 reserved)
                      h4: unreachable: connection refused
                    """)),
        Case(
            name: "several reasons on one host are joined with '; '",
            hosts: [host("h1", cpus: 1, gib: 32, free: 10, limitVCPUs: 4, limitGiB: 4, reservedVCPUs: 3, reservedGiB: 3, guests: 2)],
            demands: [worker("c-w-1")],
            expected: .refused(
                node: "c-w-1",
                message: """
                    cannot place node c-w-1 (2 vCPUs, 2 GiB of memory) on any host:
                      h1: the node needs 2 vCPUs and the host has 1 CPU; 1 vCPU left of its limit of 4 (3 reserved); \
                    1 GiB of memory available (limit 4 GiB, 3 GiB reserved by 2 kinvm guests, 10 GiB free)
                    """)),
        Case(
            name: "nodes placed earlier in the plan are named in the reservation",
            hosts: [host("h1", gib: 8, free: 6, reservedGiB: 4, guests: 2)], demands: (1...3).map { worker("c-w-\($0)") },
            expected: .refused(
                node: "c-w-3",
                message: """
                    cannot place node c-w-3 (2 vCPUs, 2 GiB of memory) on any host:
                      h1: 0 B of memory available (total 8 GiB, 8 GiB reserved by 2 kinvm guests and 2 nodes placed by this plan, \
                    2 GiB free)
                    """)),
        Case(
            name: "a host filled by the plan itself", hosts: [host("h1", gib: 4)], demands: (1...3).map { worker("c-w-\($0)") },
            expected: .refused(
                node: "c-w-3",
                message: """
                    cannot place node c-w-3 (2 vCPUs, 2 GiB of memory) on any host:
                      h1: 0 B of memory available (total 4 GiB, 4 GiB reserved by 2 nodes placed by this plan, 0 B free)
                    """)),
        Case(
            name: "free memory binds with nothing reserved; a control-plane node is named so",
            hosts: [host("h1", gib: 16, free: 1.5), host("h2", cpus: 2, limitVCPUs: 1, reservedVCPUs: 1, guests: 1)],
            demands: [cp("c-cp-1", vcpus: 1, gib: 2)],
            expected: .refused(
                node: "c-cp-1",
                message: """
                    cannot place control-plane node c-cp-1 (1 vCPU, 2 GiB of memory) on any host:
                      h1: 1.5 GiB of memory available (total 16 GiB, nothing reserved, 1.5 GiB free)
                      h2: 0 vCPUs left of its limit of 1 (1 reserved)
                    """)),
        Case(
            name: "a node listed twice", hosts: [host("h1")], demands: [worker("c-w-1"), worker("c-w-1")],
            expected: .refused(node: "c-w-1", message: "node c-w-1 is listed twice among the nodes to place")),
        Case(
            name: "a node that already exists", hosts: [host("h1")], demands: [worker("c-w-1")],
            existing: [PlacedNode(node: "c-w-1", host: "h1")],
            expected: .refused(node: "c-w-1", message: "node c-w-1 already exists, on host h1")),
    ]

    @Test("placement cases", arguments: cases)
    func placement(_ test: Case) {
        let outcome = Result { () throws(PlacementError) in
            try Placement.plan(test.demands, hosts: test.hosts, existing: test.existing, strategy: test.strategy)
        }
        switch (test.expected, outcome) {
        case (.placed(let assignments, let notes), .success(let plan)):
            #expect(plan.assignments == assignments)
            #expect(plan.notes == notes)
        case (.refused(let node, let message), .failure(let error)):
            #expect(error.node == node)
            #expect(error.message == message)
            #expect(error.description == message)
        case (_, .success(let plan)):
            Issue.record("expected a refusal, got \(plan)")
        case (_, .failure(let error)):
            Issue.record("expected a plan, got:\n\(error)")
        }
    }

    @Test("the overload with a separate unreachable list lists those hosts last")
    func unreachableList() throws {
        let error = #expect(throws: PlacementError.self) {
            try Placement.plan(
                [Self.worker("c-w-1", vcpus: 4)], hosts: [Self.host("h2", cpus: 2).capacity!],
                unreachable: [(host: "h1", reason: "timed out")])
        }
        #expect(
            error?.message == """
                cannot place node c-w-1 (4 vCPUs, 2 GiB of memory) on any host:
                  h2: the node needs 4 vCPUs and the host has 2 CPUs
                  h1: unreachable: timed out
                """)
        let plan = try Placement.plan(
            [Self.worker("c-w-1")], hosts: [Self.host("h2").capacity!], unreachable: [(host: "h1", reason: "timed out")])
        #expect(plan.assignments == [Self.at("c-w-1", "h2")])
        #expect(plan.host(for: "c-w-1") == "h2" && plan.host(for: "c-w-9") == nil)
    }

    // MARK: - Figures

    @Test(
        "available memory is min(limit or total − reserved, free), at least 0; available vCPUs only with a limit",
        arguments: [
            // (total, free, limit, reserved, available) in GiB
            (16.0, 16.0, nil, 0.0, 16.0),
            (16, 10, nil, 4, 10),
            (16, 16, nil, 4, 12),
            (64, 60, 4, 2.5, 1.5),
            (64, 1, 8, 0, 1),
            (8, 8, nil, 12, 0),
            (8, 8, 4, 6, 0),
        ] as [(Double, Double, Double?, Double, Double)])
    func availableMemory(total: Double, free: Double, limit: Double?, reserved: Double, available: Double) throws {
        let host = try #require(Self.host("h", gib: total, free: free, limitGiB: limit, reservedGiB: reserved).capacity)
        #expect(host.availableMemoryBytes == Self.bytes(available))
    }

    @Test("available vCPUs", arguments: [(nil, 5, nil), (8, 5, 3), (4, 4, 0), (4, 6, 0)] as [(Int?, Int, Int?)])
    func availableVCPUs(limit: Int?, reserved: Int, available: Int?) throws {
        let host = try #require(Self.host("h", limitVCPUs: limit, reservedVCPUs: reserved).capacity)
        #expect(host.availableVCPUs == available)
    }

    @Test("capacitiesAfter reserves each placed node's ceilings on its host and takes its memory from the free memory")
    func capacitiesAfter() throws {
        let hosts = [Self.host("h1", gib: 16, free: 3, limitVCPUs: 8, reservedVCPUs: 2, reservedGiB: 1, guests: 1), Self.host("h2")]
            .compactMap(\.capacity)
        let demands = [Self.cp("c-cp-1", gib: 2), Self.worker("c-w-1", vcpus: 4, gib: 1)]
        let plan = PlacementPlan(
            assignments: [Self.at("c-cp-1", "h1"), Self.at("c-w-1", "h1"), Self.at("c-w-9", "h1"), Self.at("c-w-1", "gone")])
        let after = Placement.capacitiesAfter(plan, demands: demands, hosts: hosts)
        #expect(
            after[0]
                == HostCapacity(
                    name: "h1", cpus: 8, memoryBytes: Self.bytes(16), freeMemoryBytes: 0, limitVCPUs: 8, reservedVCPUs: 8,
                    reservedMemoryBytes: Self.bytes(4), kinvmGuests: 3))
        #expect(after[0].availableMemoryBytes == 0 && after[0].availableVCPUs == 0)
        #expect(after[1] == hosts[1])
    }

    // MARK: - Byte formatting

    @Test(
        "bytes in binary units, at most one decimal, no trailing .0",
        arguments: [
            (0, "0 B"), (1, "1 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (100 * 1024, "100 KiB"),
            (512 * mib, "512 MiB"), (gib + gib / 2, "1.5 GiB"), (20 * gib, "20 GiB"), (gib + gib / 4, "1.3 GiB"),
            (gib + 40 * mib, "1 GiB"), (gib + 1, "1 GiB"), (1024 * gib - 103 * mib, "1023.9 GiB"), (1024 * gib - 40 * mib, "1 TiB"),
            (1024 * gib, "1 TiB"), (UInt64.max, "16 EiB"),
        ] as [(UInt64, String)])
    func byteFormat(bytes: UInt64, text: String) {
        #expect(ByteFormat.binary(bytes) == text)
    }

    // MARK: - Random shapes against a model

    /// A deterministic linear congruential generator (no Foundation randomness: runs repeat).
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { next(100) < percent }
    }

    struct Shape {
        var hosts: [HostReading]
        var demands: [NodeDemand]
        var existing: [PlacedNode]
        var strategy: PlacementStrategy
    }

    static func randomShape(_ rng: inout LCG) -> Shape {
        let hosts = (0..<(rng.chance(5) ? 0 : 1 + rng.next(4))).map { index -> HostReading in
            if rng.chance(15) { return down("h\(index + 1)") }
            let gib = Double(rng.pick([2, 4, 8, 16]))
            return host(
                "h\(index + 1)", cpus: rng.pick([1, 4, 8, 16]), gib: gib, free: gib * Double(1 + rng.next(4)) / 4,
                limitVCPUs: rng.chance(30) ? 2 + rng.next(15) : nil, limitGiB: rng.chance(30) ? Double(1 + rng.next(16)) / 2 : nil,
                reservedVCPUs: rng.next(5), reservedGiB: Double(rng.next(5)) / 2, guests: rng.next(4))
        }
        var demands = (0..<rng.next(4)).map { cp("r-cp-\($0 + 1)", vcpus: 1 + rng.next(3), gib: rng.pick([0.5, 1, 1.5, 2])) }
        for index in 0..<rng.next(6) {
            let node = worker("r-w-\(index + 1)", vcpus: 1 + rng.next(3), gib: rng.pick([0.5, 1, 1.5, 2, 4]))
            demands.insert(node, at: rng.next(demands.count + 1))
        }
        let names = hosts.map(\.name) + ["gone"]
        let existing = (0..<rng.next(3)).map { PlacedNode(node: "r-old-\($0 + 1)", host: rng.pick(names), isControlPlane: rng.chance(40)) }
        return Shape(hosts: hosts, demands: demands, existing: existing, strategy: rng.pick(PlacementStrategy.allCases))
    }

    /// The planner's rules, written out again plainly: the assignments and notes, or the node that fits nowhere.
    static func model(_ shape: Shape) -> (assignments: [PlacementPlan.Assignment], notes: [String], failed: String?) {
        var figures = shape.hosts.compactMap(\.capacity)
        var counts = figures.map { host in shape.existing.filter { $0.host == host.name }.count }
        var controlPlanes = figures.map { host in shape.existing.filter { $0.host == host.name && $0.isControlPlane }.map(\.node) }
        var notes = shape.existing.filter { node in !shape.hosts.contains { $0.name == node.host } }
            .map { "existing node \($0.node) is on host \($0.host), which is not among the spec's hosts" }
        var assignments: [PlacementPlan.Assignment] = []
        var order = shape.demands.filter { !$0.isControlPlane }
        if shape.strategy == .binpack { order.sort { ($1.memoryBytes, $1.vcpus, $0.name) < ($0.memoryBytes, $0.vcpus, $1.name) } }
        for demand in shape.demands.filter(\.isControlPlane) + order {
            func available(_ host: HostCapacity) -> UInt64 {
                let ceiling = host.limitMemoryBytes ?? host.memoryBytes
                return min(ceiling > host.reservedMemoryBytes ? ceiling - host.reservedMemoryBytes : 0, host.freeMemoryBytes)
            }
            let fitting = figures.indices.filter { i in
                demand.vcpus <= figures[i].cpus && demand.memoryBytes <= available(figures[i])
                    && figures[i].limitVCPUs.map { figures[i].reservedVCPUs + demand.vcpus <= $0 } ?? true
            }
            let apart = demand.isControlPlane ? fitting.filter { controlPlanes[$0].isEmpty } : []
            let ranked = (apart.isEmpty ? fitting : apart).sorted { a, b in
                let (leftA, leftB) = (available(figures[a]) - demand.memoryBytes, available(figures[b]) - demand.memoryBytes)
                switch shape.strategy {
                case .spread: return (counts[a], UInt64.max - leftA, a) < (counts[b], UInt64.max - leftB, b)
                case .binpack: return (leftA, a) < (leftB, b)
                }
            }
            guard let chosen = ranked.first else { return (assignments, notes, demand.name) }
            if demand.isControlPlane, !controlPlanes[chosen].isEmpty {
                notes.append(
                    "control-plane node \(demand.name) shares host \(figures[chosen].name) with "
                        + "\(Wording.list(controlPlanes[chosen])): every host with room for it already holds a control-plane node")
            }
            figures[chosen].reservedVCPUs += demand.vcpus
            figures[chosen].reservedMemoryBytes += demand.memoryBytes
            figures[chosen].freeMemoryBytes -= min(figures[chosen].freeMemoryBytes, demand.memoryBytes)
            figures[chosen].kinvmGuests += 1
            counts[chosen] += 1
            if demand.isControlPlane { controlPlanes[chosen].append(demand.name) }
            assignments.append(.init(node: demand.name, host: figures[chosen].name))
        }
        return (assignments, notes, nil)
    }

    @Test("200 random shapes: the plan matches the model, keeps every limit, places each node once, keeps control planes apart when it can")
    func randomShapes() throws {
        var rng = LCG(state: 20_251_129)
        var (placed, refused, shared) = (0, 0, 0)
        for round in 0..<200 {
            let shape = Self.randomShape(&rng)
            let model = Self.model(shape)
            let outcome = Result { () throws(PlacementError) in
                try Placement.plan(shape.demands, hosts: shape.hosts, existing: shape.existing, strategy: shape.strategy)
            }
            switch outcome {
            case .success(let plan):
                placed += 1
                #expect(model.failed == nil, "round \(round): the model refuses \(model.failed ?? "")")
                #expect(plan.assignments == model.assignments, "round \(round)")
                #expect(plan.notes == model.notes, "round \(round)")
                #expect(plan.assignments.map(\.node).sorted() == shape.demands.map(\.name).sorted(), "round \(round)")
                shared += plan.notes.filter { $0.hasPrefix("control-plane") }.count
                let before = shape.hosts.compactMap(\.capacity)
                let after = Placement.capacitiesAfter(plan, demands: shape.demands, hosts: before)
                for (old, new) in zip(before, after) where new != old {
                    let added = new.reservedMemoryBytes - old.reservedMemoryBytes
                    #expect(added <= old.availableMemoryBytes, "round \(round): \(new.name)'s memory is overcommitted")
                    if let limit = new.limitVCPUs {
                        #expect(new.reservedVCPUs <= limit, "round \(round): \(new.name)'s vCPU limit is passed")
                    }
                }
                // A new control-plane node joins another only with a note that says so.
                var hostsWithControlPlane = Set(shape.existing.filter(\.isControlPlane).map(\.host))
                let newControlPlane = Set(shape.demands.filter(\.isControlPlane).map(\.name))
                for assignment in plan.assignments where newControlPlane.contains(assignment.node) {
                    let shares = !hostsWithControlPlane.insert(assignment.host).inserted
                    let note = "control-plane node \(assignment.node) shares host \(assignment.host) with "
                    let noted = plan.notes.contains { $0.hasPrefix(note) }
                    #expect(shares == noted, "round \(round): \(assignment.node) on \(assignment.host)")
                }
            case .failure(let error):
                refused += 1
                #expect(error.node == model.failed, "round \(round)")
                #expect(error.message.hasPrefix("cannot place "), "round \(round)")
                #expect(error.message.contains(" \(error.node) ("), "round \(round)")
                let lines = error.message.split(separator: "\n")
                #expect(lines.count == (shape.hosts.isEmpty ? 1 : shape.hosts.count + 1), "round \(round)")
                #expect(zip(lines.dropFirst(), shape.hosts).allSatisfy { $0.hasPrefix("  \($1.name): ") }, "round \(round)")
            }
        }
        // The shapes cover both outcomes and shared control-plane hosts.
        #expect(placed >= 60 && refused >= 60 && shared >= 5, "placed \(placed), refused \(refused), shared \(shared)")
    }
}
