import Synchronization

extension KubeClient {
    /// Waits until the Node `name` exists and `until` accepts it, and returns it. `until` sees every
    /// observed state (nil while the Node does not exist). Uses list + watch from the list's
    /// resourceVersion, relisting when a watch ends or is too old (410) and reconnecting with backoff;
    /// after three failed watches in a row it polls every 2 s instead. Errors that waiting cannot fix
    /// (401, 403, TLS, 404 of the API itself) end the wait at once. Cancellable (``KubeError/Code/cancelled``);
    /// on timeout the error says what was seen last.
    public func waitForNode(
        _ name: String, timeout: Duration, until: @escaping @Sendable (Node?) -> Bool
    ) async throws(KubeError) -> Node {
        let observation = NodeObservation(name: name)
        let result = try await withDeadline(timeout, observation: observation, what: "node \"\(name)\"") { () async throws(KubeError) -> Node? in
            try await self.observe(name, observation: observation) { node in
                if let node, until(node) { return true }
                return false
            }
        }
        guard let result else { preconditionFailure("a satisfied wait always has a node") }
        return result
    }

    /// Waits until the Node `name` no longer exists (same mechanics and errors as ``waitForNode(_:timeout:until:)``).
    public func waitForNodeDeletion(_ name: String, timeout: Duration) async throws(KubeError) {
        let observation = NodeObservation(name: name)
        _ = try await withDeadline(timeout, observation: observation, what: "node \"\(name)\" to be deleted") { () async throws(KubeError) -> Node? in
            try await self.observe(name, observation: observation) { $0 == nil }
        }
    }

    /// Runs `body` until it returns or `timeout` passes, then throws a timeout error with what `observation` saw.
    private func withDeadline(
        _ timeout: Duration, observation: NodeObservation, what: String,
        _ body: @escaping @Sendable () async throws(KubeError) -> Node?
    ) async throws(KubeError) -> Node? {
        enum Outcome: Sendable {
            case done(Node?)
            case timedOut
        }
        do {
            return try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask { .done(try await body()) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                defer { group.cancelAll() }
                switch try await group.next()! {
                case .done(let node):
                    return node
                case .timedOut:
                    throw KubeError(
                        code: .timeout, message: "timed out after \(timeout) waiting for \(what); \(observation.summary())",
                        context: "watching nodes on \(access.server)")
                }
            }
        } catch let error as KubeError {
            throw error
        } catch {
            throw KubeError(code: .cancelled, message: "cancelled while waiting for \(what); \(observation.summary())", context: access.server)
        }
    }

    /// Lists and watches (or polls) until `satisfied` holds for the observed state; returns that node.
    private func observe(_ name: String, observation: NodeObservation, satisfied: (Node?) -> Bool) async throws(KubeError) -> Node? {
        var backoff = Backoff()
        var failedWatches = 0
        let field = "metadata.name=\(name)"
        while true {
            try checkCancellation()
            do {
                let list = try await nodes(fieldSelector: field)
                let node = list.items.first { $0.metadata.name == name }
                observation.saw(node)
                if satisfied(node) { return node }
                if failedWatches >= 3 {
                    try await sleep(.seconds(2))  // polling mode
                    continue
                }
                var current = node
                for try await event in watchNodes(resourceVersion: list.metadata?.resourceVersion, fieldSelector: field, timeoutSeconds: 300) {
                    guard event.object.metadata.name == name else { continue }
                    switch event.type {
                    case .added, .modified: current = event.object
                    case .deleted: current = nil
                    case .bookmark: continue
                    }
                    observation.saw(current)
                    if satisfied(current) { return current }
                }
                failedWatches = 0
                backoff.reset()  // the server closed the watch: list and watch again
            } catch let error as KubeError where error.code == .gone {
                observation.failed(error)  // too old: list again at once
            } catch let error as KubeError where !error.isTransient {
                throw error  // cancelled, rejected credentials, untrusted server…: waiting longer will not help
            } catch {
                let error = error as? KubeError ?? KubeError(code: .transport, message: "\(error)", context: access.server)
                observation.failed(error)
                failedWatches += 1
                logger.debug("node wait: retrying", metadata: ["node": "\(name)", "error": "\(error)"])
                try await sleep(backoff.next())
            }
        }
    }

    private func checkCancellation() throws(KubeError) {
        if Task.isCancelled { throw KubeError(code: .cancelled, message: "cancelled", context: access.server) }
    }

    private func sleep(_ duration: Duration) async throws(KubeError) {
        do { try await Task.sleep(for: duration) } catch {
            throw KubeError(code: .cancelled, message: "cancelled", context: access.server)
        }
    }
}

extension KubeError {
    /// Worth retrying: the server was unreachable, slow, overloaded or the watch too old.
    var isTransient: Bool {
        [.transport, .timeout, .server, .gone, .tooManyRequests, .decoding].contains(code)
    }
}

/// Exponential backoff: 0.5 s, 1 s, 2 s, 4 s, then 5 s.
struct Backoff {
    private var attempt = 0

    mutating func next() -> Duration {
        defer { attempt += 1 }
        return min(.milliseconds(500) * (1 << min(attempt, 4)), .seconds(5))
    }

    mutating func reset() { attempt = 0 }
}

/// What a wait saw last, shared between the wait and its timer.
final class NodeObservation: Sendable {
    private struct State {
        var everSeen = false
        var last: Node?
        var lastError: KubeError?
    }

    let name: String
    private let state = Mutex(State())

    init(name: String) { self.name = name }

    func saw(_ node: Node?) {
        state.withLock {
            $0.last = node
            $0.everSeen = $0.everSeen || node != nil
            $0.lastError = nil
        }
    }

    func failed(_ error: KubeError) {
        state.withLock { $0.lastError = error }
    }

    /// "last seen: Ready=False (KubeletNotReady: ...), resourceVersion 42" or "it was never seen".
    func summary() -> String {
        let state = state.withLock { $0 }
        var text: String
        if let node = state.last {
            text = "last seen: " + Self.describe(node)
        } else if state.everSeen {
            text = "it was seen, then deleted"
        } else {
            text = "node \"\(name)\" was never seen"
        }
        if let error = state.lastError {
            text += "; last error: \(error)"
        }
        return text
    }

    static func describe(_ node: Node) -> String {
        var parts: [String] = []
        if let ready = node.condition("Ready") {
            var text = "Ready=\(ready.status)"
            let detail = [ready.reason, ready.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            if !detail.isEmpty { text += " (\(detail))" }
            parts.append(text)
        } else {
            parts.append("no Ready condition")
        }
        if node.isUnschedulable { parts.append("unschedulable") }
        if let cpu = node.status?.capacity?["cpu"] { parts.append("cpu \(cpu)") }
        if let memory = node.status?.capacity?["memory"] { parts.append("memory \(memory)") }
        if let version = node.metadata.resourceVersion { parts.append("resourceVersion \(version)") }
        return parts.joined(separator: ", ")
    }
}
