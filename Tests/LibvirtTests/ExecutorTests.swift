import Foundation
import Synchronization
import Testing

@testable import Libvirt

private final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}

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
        let gate = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let entered = Counter()
        let watchdogFired = Counter()
        // A plain thread, independent of Swift's pool, opens the gate after 90 s if the test has
        // not finished by then: should the calls below block the cooperative pool, the test then
        // fails instead of hanging.
        Thread.detachNewThread {
            if finished.wait(timeout: .now() + 90) == .timedOut {  // generous: a full run boots TCG guests meanwhile
                watchdogFired.increment()
                for _ in 0..<16 { gate.signal() }
            }
        }
        // Sixteen calls that block their thread until the gate opens: far more than the
        // cooperative pool has threads (one per core).
        let blocked = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        _ = try? await executor.run {
                            entered.increment()
                            gate.wait()
                            return .success(())
                        }
                    }
                }
            }
        }
        while entered.value < 16, watchdogFired.value == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        // All sixteen are blocked inside "libvirt calls"; an ordinary task must still run.
        let ran = await Task.detached { true }.value
        let starved = watchdogFired.value > 0
        finished.signal()
        if !starved { for _ in 0..<16 { gate.signal() } }
        await blocked.value
        #expect(ran && !starved, "cooperative tasks could not run while libvirt calls were blocked")
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
