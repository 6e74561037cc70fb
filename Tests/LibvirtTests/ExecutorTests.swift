import Foundation
import Synchronization
import Testing

@testable import Libvirt

private final class Recorder: Sendable {
    private let storage = Mutex<[Int]>([])
    func append(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}

@Suite("LibvirtExecutor")
struct ExecutorTests {
    @Test("blocking work runs on the pool's threads, never on the caller's")
    func runsOnPool() async throws {
        let executor = LibvirtExecutor(maxThreads: 2)
        #expect(!executor.isCurrent)
        let onPool = try await executor.run { .success(executor.isCurrent) }
        #expect(onPool)
    }

    @Test("inside a task-executor preference, calls run in place")
    func preference() async throws {
        let executor = LibvirtExecutor(maxThreads: 2)
        let inPlace = await withTaskExecutorPreference(executor) {
            executor.isCurrent
        }
        #expect(inPlace)
    }

    @Test("a pool with one thread still runs every queued job")
    func ordering() async throws {
        let executor = LibvirtExecutor(maxThreads: 1)
        let seen = Recorder()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try? await executor.run { seen.append(index); return .success(()) }
                }
            }
        }
        #expect(seen.values.count == 200)
        #expect(Set(seen.values) == Set(0..<200))
    }

    @Test("blocking work does not starve the cooperative pool")
    func noStarvation() async throws {
        let executor = LibvirtExecutor(maxThreads: 16)
        // Sixteen calls that each block their thread for 500 ms. Run on the cooperative pool (one
        // thread per core, 2 here), they would hold it for 4 s; on the executor, ordinary tasks
        // keep running meanwhile. The bounds leave room for other tests running in parallel.
        let clock = ContinuousClock()
        let start = clock.now
        async let blocked: Void = withTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask { _ = try? await executor.run { usleep(500_000); return .success(()) } }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let quick = await Task.detached { clock.now - start }.value
        await blocked
        #expect(quick < .milliseconds(1500))
        #expect(clock.now - start < .seconds(3))
    }

    @Test("errors come back typed")
    func typedErrors() async throws {
        let executor = LibvirtExecutor(maxThreads: 1)
        do {
            let _: Int = try await executor.run {
                .failure(LibvirtError(code: .operationTimeout, message: "slow", operation: "op"))
            }
            Issue.record("should have thrown")
        } catch {
            #expect(error.code == .operationTimeout)
            #expect(error.description == "op: slow [code operationTimeout, from binding]")
        }
    }
}
