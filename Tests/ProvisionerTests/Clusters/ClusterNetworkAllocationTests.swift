import Testing

@testable import Provisioner

@Suite("Cluster network: address allocation and DHCP host changes (pure)")
struct ClusterNetworkAllocationTests {
    let network = try! IPv4Network(cidr: "192.168.150.0/24")

    func ip(_ last: Int) -> IPv4Address { IPv4Address("192.168.150.\(last)")! }

    @Test("new nodes take the lowest free addresses from .10 up, with MACs derived from their names")
    func fresh() throws {
        let allocation = try AddressAllocator.allocate(in: network, existing: [], wanted: ["lab-cp-1", "lab-w-1", "lab-w-2"])
        #expect(allocation.reservations.map(\.ip) == [ip(10), ip(11), ip(12)])
        #expect(allocation.reservations.map(\.node) == ["lab-cp-1", "lab-w-1", "lab-w-2"])
        #expect(allocation.reservations[1].mac == MACAddress.derived(guest: "lab-w-1", nicIndex: 0))
        #expect(allocation.added == allocation.reservations)
        #expect(allocation.unwanted.isEmpty)
    }

    @Test("an existing reservation is kept (a recreated node keeps its address); gaps are filled lowest first")
    func keepsAndFillsGaps() throws {
        let existing = [
            DHCPReservation.forNode("lab-cp-1", ip: ip(10)), DHCPReservation.forNode("lab-w-2", ip: ip(12)),
            DHCPReservation.forNode("lab-w-5", ip: ip(40)),
        ]
        let allocation = try AddressAllocator.allocate(
            in: network, existing: existing, wanted: ["lab-w-3", "lab-cp-1", "lab-w-1", "lab-w-2", "lab-w-4"])
        #expect(allocation.reservations.map(\.node) == ["lab-w-3", "lab-cp-1", "lab-w-1", "lab-w-2", "lab-w-4"])
        #expect(allocation.reservations.map(\.ip) == [ip(11), ip(10), ip(13), ip(12), ip(14)])
        #expect(allocation.added.map(\.node) == ["lab-w-3", "lab-w-1", "lab-w-4"])
        // lab-w-5 is not wanted: reported, and its address is not handed to anyone meanwhile.
        #expect(allocation.unwanted == [existing[2]])
        #expect(!allocation.reservations.contains { $0.ip == ip(40) })
        #expect(AddressAllocator.unwanted(existing, wanted: ["lab-cp-1"]).map(\.node) == ["lab-w-2", "lab-w-5"])
    }

    @Test("a kept reservation gets the derived MAC back if its MAC was changed")
    func keptMACIsDerived() throws {
        let existing = [DHCPReservation(node: "lab-cp-1", mac: "52:54:00:aa:bb:cc", ip: ip(33))]
        let allocation = try AddressAllocator.allocate(in: network, existing: existing, wanted: ["lab-cp-1"])
        #expect(allocation.reservations == [DHCPReservation.forNode("lab-cp-1", ip: ip(33))])
        #expect(allocation.added.isEmpty)
    }

    @Test("a reservation outside the node addresses (e.g. .5) is replaced by a node address")
    func outsideNodeRange() throws {
        let existing = [DHCPReservation.forNode("lab-cp-1", ip: ip(5))]
        let allocation = try AddressAllocator.allocate(in: network, existing: existing, wanted: ["lab-cp-1"])
        #expect(allocation.reservations.map(\.ip) == [ip(10)])
        #expect(allocation.added.map(\.node) == ["lab-cp-1"])
    }

    @Test("a /28 holds five nodes; the sixth is a clear error")
    func full() throws {
        let small = try IPv4Network(cidr: "192.168.150.16/28")
        let five = (1...5).map { "lab-w-\($0)" }
        let allocation = try AddressAllocator.allocate(in: small, existing: [], wanted: five)
        #expect(allocation.reservations.last?.ip == IPv4Address("192.168.150.30"))
        let existing = allocation.reservations
        do {
            _ = try AddressAllocator.allocate(in: small, existing: existing, wanted: five + ["lab-w-6"])
            Issue.record("a sixth node should not fit")
        } catch {
            #expect(error.code == .insufficientResources)
            #expect(error.message.contains("network 192.168.150.16/28 is full"))
            #expect(error.message.contains("room for 5 nodes (192.168.150.26–192.168.150.30)"))
            #expect(error.message.contains("6 are wanted and 5 addresses are reserved"))
        }
    }

    @Test("a node wanted twice is refused")
    func duplicate() {
        #expect(throws: ProvisionerError.self) {
            try AddressAllocator.allocate(in: network, existing: [], wanted: ["a", "b", "a"])
        }
    }

    // MARK: DHCP host changes

    func entry(_ node: String, _ last: Int, mac: String? = nil) -> DHCPHostEntry {
        DHCPHostEntry(mac: mac ?? MACAddress.derived(guest: node, nicIndex: 0), name: node, ip: "192.168.150.\(last)")
    }

    @Test("reserve: nothing for an exact entry, add for a new node, modify when the address or MAC differs")
    func reserveChanges() throws {
        let existing = [entry("a", 10), entry("b", 11), entry("c", 12, mac: "52:54:00:00:00:0c")]
        let wanted = [
            DHCPReservation.forNode("a", ip: ip(10)), DHCPReservation.forNode("b", ip: ip(20)),
            DHCPReservation.forNode("c", ip: ip(12)), DHCPReservation.forNode("d", ip: ip(13)),
        ]
        let changes = try DHCPHostChanges.reserve(wanted, existing: existing, network: "n")
        #expect(changes == [.modify(entry("b", 20)), .modify(entry("c", 12)), .add(entry("d", 13))])
        #expect(try DHCPHostChanges.reserve(wanted, existing: [entry("a", 10), entry("b", 20), entry("c", 12), entry("d", 13)], network: "n").isEmpty)
    }

    @Test("reserve: an address held by another host is refused, not taken over")
    func reserveConflict() {
        let existing = [DHCPHostEntry(mac: "52:54:00:00:00:99", name: "other", ip: "192.168.150.10")]
        do {
            _ = try DHCPHostChanges.reserve([DHCPReservation.forNode("a", ip: ip(10))], existing: existing, network: "n")
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .inUse)
            #expect(error.message.contains("it is reserved for other"))
        }
    }

    @Test("release: deletes exactly the entries named after the nodes, as written")
    func releaseChanges() {
        let foreign = DHCPHostEntry(mac: "52:54:00:00:00:01", name: nil, ip: "192.168.150.50")
        let existing = [entry("a", 10), foreign, entry("b", 11)]
        #expect(DHCPHostChanges.release(nodes: ["b", "zz"], existing: existing) == [.delete(entry("b", 11))])
        #expect(DHCPHostChanges.release(nodes: [], existing: existing).isEmpty)
    }
}
