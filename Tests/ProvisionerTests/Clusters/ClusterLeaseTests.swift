import Foundation
import Libvirt
import Testing

@testable import Provisioner

@Suite("Cluster leases: the record (pure) and the libvirt object (test driver)")
struct ClusterLeaseTests {
    static let machine = LeaseProcess(machine: "ci-7", bootID: "boot-1", pid: 4242, startTicks: 99)

    static func record(_ cluster: String = "lab", process: LeaseProcess = machine, expires: Date = Date().addingTimeInterval(60)) -> LeaseRecord {
        LeaseRecord(
            cluster: cluster, holder: "h-1", process: process, command: "cluster apply", acquired: Date(timeIntervalSince1970: 1_800_000_000),
            expires: expires)
    }

    @Test("the record survives its XML; foreign or malformed metadata reads as no lease")
    func roundTrip() throws {
        let record = Self.record()
        let xml = try record.networkXML(uuid: "8b0e0f3a-1c1d-4a4e-9a1b-0c0d0e0f1a1b")
        let read = try #require(LeaseRecord.read(xml))
        #expect(read.cluster == "lab" && read.holder == "h-1" && read.process == Self.machine && read.command == "cluster apply")
        #expect(abs(read.expires.timeIntervalSince(record.expires)) < 1)
        #expect(LeaseRecord.read("<network><name>kinvm-lease-lab</name></network>") == nil)
        #expect(LeaseRecord.read(xml.replacingOccurrences(of: "owner=\"kinvm\"", with: "owner=\"someone\"")) == nil)
        #expect(LeaseRecord.read(xml.replacingOccurrences(of: "pid=\"4242\"", with: "pid=\"-1\"")) == nil)
        #expect(LeaseRecord.read("not xml <") == nil)
    }

    @Test("stale: expired, or its holder on this machine is gone; a live holder elsewhere is waited for")
    func staleness() {
        let now = Date()
        let local = LeaseProcess(machine: "ci-7", bootID: "boot-1", pid: 1, startTicks: 1)
        #expect(Self.record(expires: now.addingTimeInterval(-1)).isStale(at: now, local: local, alive: { _ in true }))
        #expect(Self.record().isStale(at: now, local: local, alive: { _ in false }))
        #expect(!Self.record().isStale(at: now, local: local, alive: { _ in true }))
        // Another machine, or this machine after a reboot: only the expiry counts.
        let elsewhere = LeaseProcess(machine: "laptop", bootID: "boot-1", pid: 1, startTicks: 1)
        #expect(!Self.record().isStale(at: now, local: elsewhere, alive: { _ in false }))
        let rebooted = LeaseProcess(machine: "ci-7", bootID: "boot-2", pid: 1, startTicks: 1)
        #expect(!Self.record().isStale(at: now, local: rebooted, alive: { _ in false }))
    }

    @Test("this process is alive; a finished one or a reused pid is not")
    func liveness() throws {
        #expect(LeaseProcess.isAlive(.current))
        var reused = LeaseProcess.current
        reused.startTicks += 1
        #expect(!LeaseProcess.isAlive(reused))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        #expect(!LeaseProcess.isAlive(LeaseProcess(machine: "", bootID: "", pid: process.processIdentifier, startTicks: 1)))
    }

    @Test("holder text from a host is escaped and short")
    func holderDescription() {
        var record = Self.record()
        record.process.machine = "evil\u{1B}[2J" + String(repeating: "m", count: 500)
        #expect(!record.holderDescription.contains("\u{1B}") && record.holderDescription.count < 200)
    }

    @Test("one holder at a time: a second run waits, then is refused; released, it is taken; a foreign object is left alone")
    func exclusive() async throws {
        // A host of its own (the shared test:///default is slow while other suites use it).
        let host = try TestHost.make("lease")
        defer { host.remove() }
        let connection = try await Connection.open(host.uri)
        let cluster = "lease-\(UUID().uuidString.prefix(6).lowercased())"
        let first = try await ClusterLease.acquire(cluster, on: connection, command: "cluster apply", wait: .zero, logger: .init(label: "t"))
        let told = Locked<[String]>([])
        let refused = try await #require(throws: ProvisionerError.self) {
            _ = try await ClusterLease.acquire(cluster, on: connection, command: "cluster delete", wait: .seconds(5), logger: .init(label: "t")) { message in
                told.withLock { $0.append(message) }
            }
        }
        #expect(refused.code == .inUse && refused.message.contains("is being changed by kinvm pid \(getpid())"), "\(refused.message)")
        #expect(refused.message.contains("`cluster apply`"))
        #expect(told.withLock { $0 }.count == 1)
        await first.release()
        #expect(try await connection.networkIfPresent(named: LeaseRecord.objectName(cluster: cluster)) == nil)
        let second = try await ClusterLease.acquire(cluster, on: connection, command: "cluster delete", wait: .zero, logger: .init(label: "t"))
        await second.release()
        await second.release()

        // Not kinvm's: refused, untouched.
        let foreign = "lease-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await connection.defineNetwork(xml: "<network><name>\(LeaseRecord.objectName(cluster: foreign))</name></network>")
        let notOwned = try await #require(throws: ProvisionerError.self) {
            _ = try await ClusterLease.acquire(foreign, on: connection, command: "cluster apply", wait: .zero, logger: .init(label: "t"))
        }
        #expect(notOwned.code == .notOwned)
        #expect(try await connection.networkIfPresent(named: LeaseRecord.objectName(cluster: foreign)) != nil)
        await connection.close()
    }

    @Test("a stale lease (expired, or its holder on this machine is dead) is taken over at once")
    func takeOver() async throws {
        let host = try TestHost.make("lease")
        defer { host.remove() }
        let connection = try await Connection.open(host.uri)
        // The dead holder's lease would hold for another hour: taken over, it was for the dead pid.
        let dead = LeaseProcess(machine: LeaseProcess.current.machine, bootID: LeaseProcess.current.bootID, pid: 999_999, startTicks: 1)
        for stale in [Self.record(expires: Date().addingTimeInterval(-5)), Self.record(process: dead, expires: Date().addingTimeInterval(3600))] {
            var stale = stale
            stale.cluster = "lease-\(UUID().uuidString.prefix(6).lowercased())"
            _ = try await connection.defineNetwork(xml: try stale.networkXML(uuid: UUID().uuidString.lowercased()))
            let lease = try await ClusterLease.acquire(stale.cluster, on: connection, command: "cluster apply", wait: .seconds(120), logger: .init(label: "t"))
            let now = try #require(LeaseRecord.read(try await connection.network(named: LeaseRecord.objectName(cluster: stale.cluster)).xml()))
            #expect(now.process.pid == getpid() && now.holder != stale.holder)
            await lease.release()
        }
        await connection.close()
    }

    @Test("many racing acquirers over separate connections: never two holders, none lost")
    func racing() async throws {
        let cluster = "lease-\(UUID().uuidString.prefix(6).lowercased())"
        let holders = Locked(0)
        let most = Locked(0)
        let taken = Locked(0)
        let uri = ProcessInfo.processInfo.environment["KINVM_TEST_NETNS_URI"] ?? "test:///default"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let connection = try await Connection.open(uri)
                    for _ in 0..<8 {
                        let lease = try await ClusterLease.acquire(cluster, on: connection, command: "race", wait: .seconds(60), logger: .init(label: "t"))
                        let now = holders.withLock { $0 += 1; return $0 }
                        most.withLock { $0 = max($0, now) }
                        try await Task.sleep(for: .milliseconds(5))
                        holders.withLock { $0 -= 1 }
                        taken.withLock { $0 += 1 }
                        await lease.release()
                    }
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(most.withLock { $0 } == 1 && taken.withLock { $0 } == 48)
        let connection = try await Connection.open(uri)
        #expect(try await connection.networkIfPresent(named: LeaseRecord.objectName(cluster: cluster)) == nil)
        await connection.close()
    }
}
