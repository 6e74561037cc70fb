import DomainTemplates
import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// kinvm's concurrent paths run many times over: every `FanOut` site of cluster create, apply and
/// delete, on test-driver hosts with the in-process stand-in API server.
///
/// What it is for: a release build of kinvm crashed in `cluster create` (issue 15; the cause, a
/// Swift 6.3.1 miscompile, is in Repro/task-tuple-return). That defect corrupts every result of
/// the miscompiled shape, so one pass over a path finds it; the repetitions are for what depends
/// on timing (which child finishes first, races between hosts), which AddressSanitizer and
/// ThreadSanitizer see only when the interleavings happen. `scripts/stress.sh` runs this suite in
/// release builds (plain, `-sanitize=address`, `-sanitize=thread`) with
/// `KINVM_STRESS_ITERATIONS` (default here 3, so the normal test run keeps it short).
@Suite("Stress: concurrent paths, many times")
struct StressTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["KINVM_STRESS_ITERATIONS"].flatMap(Int.init).map { max(1, $0) } ?? 3
    }

    /// The shape that crashed: per host, a `DirectBoot?` or a `ProvisionerError` carrying a
    /// `LibvirtError`, some children suspending and some not, under every limit.
    @Test("FanOut.map: every outcome arrives intact and in order, under every limit")
    func fanOutOutcomes() async throws {
        let hosts = (0..<7).map { "host-\($0)-in-the-lab" }
        for iteration in 0..<Self.iterations * 50 {
            let limit = iteration % 9
            let results = await FanOut.map(hosts, limit: limit) { (host) async throws(ProvisionerError) -> DirectBoot? in
                let index = Int(host.split(separator: "-")[1])!
                if (index + iteration) % 2 == 0 { await Task.yield() }
                if index % 3 == 2 {
                    let cause = LibvirtError(
                        code: .noDomain, domain: .qemu, message: "no domain named \(host)", level: .error,
                        operation: "virDomainLookupByName", object: host)
                    throw ProvisionerError.libvirt("preparing \(host)", cause)
                }
                return index % 3 == 0 ? nil : DirectBoot(kernel: "/boot/vmlinuz-\(host)", initrd: "/boot/initrd-\(host)", cmdline: "root=/dev/vda")
            }
            try #require(results.count == hosts.count)
            for (index, (host, result)) in zip(hosts, results).enumerated() {
                switch result {
                case .success(let boot):
                    #expect(index % 3 != 2)
                    #expect(boot == (index % 3 == 0 ? nil : DirectBoot(kernel: "/boot/vmlinuz-\(host)", initrd: "/boot/initrd-\(host)", cmdline: "root=/dev/vda")))
                case .failure(let error):
                    #expect(index % 3 == 2)
                    #expect(error.message == "preparing \(host)" && error.underlying?.object == host)
                }
            }
        }
    }

    @Test("FanOut.map never runs more than the limit at once")
    func fanOutLimit() async {
        let running = Locked(0)
        let peak = Locked(0)
        let values = await FanOut.map(Array(0..<40), limit: 3) { (value) async -> Int in
            let now = running.withLock { count in
                count += 1
                return count
            }
            peak.withLock { $0 = max($0, now) }
            try? await Task.sleep(for: .milliseconds(2))
            running.withLock { $0 -= 1 }
            return value * 2
        }
        #expect(values == (0..<40).map { $0 * 2 })
        #expect(peak.withLock { $0 } <= 3 && peak.withLock { $0 } >= 2)
    }

    /// Cluster paths over three test-driver hosts: connect all (FanOut), the network record on
    /// each (FanOut), every host's figures (forEach), guests made on each and deleted together
    /// (FanOut, at most 2 at a time); then everything kinvm made is gone.
    @Test("cluster network, guests and delete over three hosts, many times")
    func clusterPaths() async throws {
        let hosts = try ["s1", "s2", "s3"].map(TestHost.make)
        defer { hosts.forEach { $0.remove() } }
        let spec = try MultiHostClusterTests.spec(hosts: hosts, workers: 4, memoryLimit: "4GiB")
        for _ in 0..<Self.iterations {
            let manager = try await MultiHostClusterTests.manager(spec)
            let state = try await manager.ensureNetwork(spec) { _ in }
            #expect(state.reservations.count == 5)
            let figures = await manager.fleet.forEach { (member) async throws(ProvisionerError) in
                do throws(LibvirtError) {
                    return try await member.connection.hostname()
                } catch {
                    throw ProvisionerError.libvirt("hostname", error)
                }
            }
            #expect(figures.map(\.host) == ["s1", "s2", "s3"] && figures.allSatisfy { (try? $0.result.get()) != nil })
            let placements = try #require(state.metadata?.placements)
            for node in spec.desiredNodes {
                let host = try #require(placements[node.name])
                let member = try #require(manager.fleet.member(named: host))
                try await MultiHostClusterTests.makeGuest(node.name, of: spec, on: member, network: state)
            }
            let result = try await manager.delete("lab", options: .init(parallelism: 2, retryInterval: .milliseconds(10))) { _ in }
            #expect(result.guests.map(\.name).sorted() == spec.desiredNodes.map(\.name).sorted())
            for member in manager.fleet.members {
                #expect(try await member.connection.allDomains().isEmpty)
                #expect(try await member.connection.allNetworks().isEmpty)
            }
            await manager.fleet.close()
        }
    }

    /// Node add on one host with the stand-in: guests created together (FanOut), each waited for
    /// until Ready (FanOut), then removed.
    @Test("node add and remove with the stand-in API server, many times")
    func nodePaths() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        for iteration in 0..<Self.iterations {
            let names = (1...4).map { "stress-\(iteration)-\($0)" }
            let result = try await lab.manager().add(
                try lab.request(names, readyTimeout: .seconds(1)), progress: { _ in }, using: lab.environment(never: [names[3]]))
            #expect(result.nodes.map(\.name) == Array(names.prefix(3)))
            #expect(result.failures.map(\.name) == [names[3]])
            #expect(Set(result.timings.readySeconds.keys) == Set(names.prefix(3)))
            let removed = try await lab.manager().remove(Array(names.prefix(3)))
            #expect(removed.map(\.name) == Array(names.prefix(3)))
            #expect(try await lab.host.connection.allDomains().isEmpty)
        }
    }
}
