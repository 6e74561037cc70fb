/// Why nodes could not be given hosts: the node, and a message for the user.
///
/// When a node fits no host, the message names the node and what it needs, then gives one line
/// per host of the spec (in spec order, unreachable hosts included) with every reason the node does
/// not fit there, joined by `; `:
/// ```
/// cannot place node demo-workers-3 (2 vCPUs, 2 GiB of memory) on any host:
///   h1: 1.5 GiB of memory available (limit 4 GiB, 2.5 GiB reserved by 3 kinvm guests, 20 GiB free)
///   h2: the node needs 2 vCPUs and the host has 1 CPU
///   h3: 0 vCPUs left of its limit of 4 (4 reserved)
///   h4: unreachable: connection refused
/// ```
/// A control-plane node is named `control-plane node …`. Memory reserved by nodes placed earlier
/// in the same plan is shown as such (`3 GiB reserved by 1 kinvm guest and 2 nodes placed by this
/// plan`); without a memory limit the host's total is shown (`total 16 GiB`). With no hosts at all:
/// `cannot place node demo-workers-1 (2 vCPUs, 2 GiB of memory): the cluster has no hosts`.
public struct PlacementError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The node that could not be placed.
    public var node: String
    public var message: String
    public var description: String { message }

    public init(node: String, message: String) {
        self.node = node
        self.message = message
    }

    /// `demand` fits none of `hosts`.
    static func noHost(for demand: NodeDemand, hosts: [HostSlot]) -> PlacementError {
        let role = demand.isControlPlane ? "control-plane node" : "node"
        let needs = "\(Wording.count(demand.vcpus, "vCPU")), \(ByteFormat.binary(demand.memoryBytes)) of memory"
        let head = "cannot place \(role) \(demand.name) (\(needs))"
        guard !hosts.isEmpty else { return PlacementError(node: demand.name, message: head + ": the cluster has no hosts") }
        let lines = hosts.map { "  \($0.name): " + $0.reasons(against: demand).joined(separator: "; ") }
        return PlacementError(node: demand.name, message: ([head + " on any host:"] + lines).joined(separator: "\n"))
    }
}

/// Counted nouns and lists for placement messages.
enum Wording {
    /// `1 vCPU`, `2 vCPUs`, `0 vCPUs`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
