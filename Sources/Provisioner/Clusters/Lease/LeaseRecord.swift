import DomainTemplates
import Foundation
import LibXML2

/// Who holds a cluster's lease and until when, as kinvm writes it into the lease object's
/// `<metadata>` (see ``ClusterLease``):
///
///     <kinvm:lease xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab"
///                  holder="3f2a…" machine="ci-runner-7" boot-id="…" pid="4242" start="123456"
///                  command="cluster apply" acquired="2026-12-07T23:00:00Z" expires="2026-12-07T23:01:00Z"/>
///
/// Pure: rendering, reading and the staleness rule are tested on values.
public struct LeaseRecord: Sendable, Hashable {
    public static let elementName = "lease"

    public var cluster: String
    /// A random token, one per acquisition: two runs in one process are different holders.
    public var holder: String
    public var process: LeaseProcess
    /// What the holder is doing (`cluster apply`), for the message a waiting run prints.
    public var command: String
    public var acquired: Date
    /// The holder renews this while it works; past it, anyone may take the lease over.
    public var expires: Date

    public init(cluster: String, holder: String, process: LeaseProcess, command: String, acquired: Date, expires: Date) {
        self.cluster = cluster
        self.holder = holder
        self.process = process
        self.command = command
        self.acquired = acquired
        self.expires = expires
    }

    /// The lease object's name for `cluster`.
    public static func objectName(cluster: String) -> String { "kinvm-lease-\(cluster)" }

    /// Whether another run may take the lease over at `now`: it expired (its holder stopped
    /// renewing), or its holder ran on this machine (same boot) and that process is gone —
    /// killed, so there is no need to wait for the expiry.
    public func isStale(at now: Date, local: LeaseProcess, alive: (LeaseProcess) -> Bool) -> Bool {
        if expires <= now { return true }
        return process.isOnSameMachine(as: local) && !alive(process)
    }

    /// "kinvm pid 4242 on ci-runner-7 (`cluster apply`, since 23:00:00Z)" for messages. The
    /// values come from a libvirt host: printed escaped and short.
    public var holderDescription: String {
        let machine = LeaseRecord.printable(process.machine)
        let command = LeaseRecord.printable(command)
        return "kinvm pid \(process.pid) on \(machine) (`\(command)`, since \(LeaseRecord.timestamp(acquired)))"
    }

    // MARK: XML

    /// The network XML of the lease object: no forward, no addresses, never started.
    public func networkXML(uuid: String) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "network")
        do {
            try document.root.appendChild("name", text: Self.objectName(cluster: cluster))
            try document.root.appendChild("uuid", text: uuid)
            let metadata = try document.root.appendChild("metadata")
            let attributes: [(String, String)] = [
                ("owner", KinvmMetadata.owner), ("cluster", cluster), ("holder", holder), ("machine", process.machine),
                ("boot-id", process.bootID), ("pid", String(process.pid)), ("start", String(process.startTicks)), ("command", command),
                ("acquired", Self.timestamp(acquired)), ("expires", Self.timestamp(expires)),
            ]
            try metadata.appendChild(Self.elementName, attributes: attributes, namespaceURI: KinvmMetadata.namespace, prefix: KinvmMetadata.prefix)
        } catch {
            throw ProvisionerError(.xml, "cannot write the lease of cluster '\(cluster)': \(error)")
        }
        return document.serialized()
    }

    /// The lease in a network's XML; nil when the network holds no kinvm lease (then it is not
    /// kinvm's, and kinvm leaves it alone). Every field is checked: it was read back from a host.
    public static func read(_ xml: String) -> LeaseRecord? {
        guard let document = try? XMLDocument(parsing: xml, source: "lease network XML"),
            let element = document.root.firstChild(named: "metadata")?
                .firstChild(named: elementName, namespaceURI: KinvmMetadata.namespace),
            element.attribute("owner") == KinvmMetadata.owner,
            let cluster = element.attribute("cluster"), let holder = element.attribute("holder"),
            let pid = element.attribute("pid").flatMap({ Int32($0) }), pid > 0,
            let start = element.attribute("start").flatMap({ UInt64($0) }),
            let acquired = element.attribute("acquired").flatMap(date), let expires = element.attribute("expires").flatMap(date)
        else { return nil }
        let process = LeaseProcess(
            machine: element.attribute("machine") ?? "", bootID: element.attribute("boot-id") ?? "", pid: pid, startTicks: start)
        return LeaseRecord(
            cluster: cluster, holder: holder, process: process, command: element.attribute("command") ?? "", acquired: acquired,
            expires: expires)
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    /// At most 64 characters, control characters as `?`.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }
}

/// A process as a lease names it: the machine (host name and boot), its pid and its start time
/// (so that a pid reused after the holder died is not mistaken for it).
public struct LeaseProcess: Sendable, Hashable {
    public var machine: String
    public var bootID: String
    public var pid: Int32
    /// Field 22 of `/proc/PID/stat`: clock ticks after boot when the process started.
    public var startTicks: UInt64

    public init(machine: String, bootID: String, pid: Int32, startTicks: UInt64) {
        self.machine = machine
        self.bootID = bootID
        self.pid = pid
        self.startTicks = startTicks
    }

    func isOnSameMachine(as other: LeaseProcess) -> Bool {
        !machine.isEmpty && machine == other.machine && !bootID.isEmpty && bootID == other.bootID
    }
}
