/// Runs one piece of work per element concurrently and gives back every outcome, in input order.
///
/// Every task group in kinvm that collects values goes through here, for two reasons: the limit,
/// the ordering and the capture of typed errors are written once; and the shape of the child
/// closures is fixed to one that Swift compiles correctly.
///
/// ## The rule: a task's closure never returns a tuple
///
/// Swift 6.3.1's optimizer (`-c release`, `-O` and `-Osize`; debug builds are fine) miscompiles a
/// closure that runs as a task (`group.addTask { … }`, `Task { … }`) when it returns a tuple built
/// around a `try await` inside `do`/`catch`, as in
/// `do { return (name, .success(try await work())) } catch { return (name, .failure(error)) }`.
/// The task's result is corrupted: the program crashes when the group or the task releases it
/// (`swift_taskGroup_wait_next_throwing → destroyTask → tuple_destroy → swift_release`, or a jump
/// to a bad address from `completeTaskWithClosure`), or the value comes back wrong (a success
/// read as empty). `kinvm cluster create` crashed this way after the control plane was Ready,
/// and `cluster delete` once reported no guests deleted. Typed throws are not needed to trigger
/// it, a plain closure called without a task is not affected, and the same work awaited into a
/// local first, or returned as a struct, is compiled correctly. `Repro/task-tuple-return` holds a
/// 15-line reproduction and the variants that do and do not crash.
///
/// So: a child awaits into a local and returns a named struct (``Slot`` here); a task group
/// elsewhere returns a named type too (`EvictionOutcome`, `VirtTypeResult`). The source rules test
/// (`SourceRulesTests`) fails on a tuple returned by a task closure, and on a task group that
/// collects results outside this file.
public enum FanOut {
    /// One child's outcome and where it goes (a struct, never a tuple: see the rule above).
    struct Slot<Value: Sendable, Failure: Error>: Sendable {
        var index: Int
        var result: Result<Value, Failure>
    }

    /// `body` for every element, at most `limit` at a time; each outcome at its element's index.
    ///
    /// A `limit` below 1 counts as 1. Cancellation reaches the running children; elements not
    /// started yet when the group is cancelled are still started (each `body` checks for
    /// cancellation itself, as the libvirt and Kubernetes calls below it do).
    public static func map<Element: Sendable, Value: Sendable, Failure: Error>(
        _ elements: [Element], limit: Int = .max,
        _ body: @escaping @Sendable (Element) async throws(Failure) -> Value
    ) async -> [Result<Value, Failure>] {
        guard !elements.isEmpty else { return [] }
        return await withTaskGroup(of: Slot<Value, Failure>.self) { group in
            var results = [Result<Value, Failure>?](repeating: nil, count: elements.count)
            var next = 0
            func startNext() {
                let index = next
                let element = elements[index]
                next += 1
                group.addTask {
                    let result: Result<Value, Failure>
                    do throws(Failure) {
                        result = .success(try await body(element))
                    } catch {
                        result = .failure(error)
                    }
                    return Slot(index: index, result: result)
                }
            }
            while next < min(max(limit, 1), elements.count) { startNext() }
            while let slot = await group.next() {
                results[slot.index] = slot.result
                if next < elements.count { startNext() }
            }
            return results.map { $0! }
        }
    }

    /// ``map(_:limit:_:)`` for work that cannot fail.
    public static func map<Element: Sendable, Value: Sendable>(
        _ elements: [Element], limit: Int = .max, _ body: @escaping @Sendable (Element) async -> Value
    ) async -> [Value] {
        let failable: @Sendable (Element) async throws(Never) -> Value = { element in await body(element) }
        let results: [Result<Value, Never>] = await map(elements, limit: limit, failable)
        return results.map { result in
            switch result {
            case .success(let value): value
            }
        }
    }
}
