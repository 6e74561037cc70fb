import DomainTemplates
import Foundation
import KubeClient

extension NodeManager {
    /// Polls node `name` every ``pollInterval`` (2 s) until it is Ready (with a heartbeat at or after `since`, when
    /// given) and `accept` holds. Meanwhile, every 10 s, asks the guest agent whether cloud-init
    /// finished with errors, and fails at once if so. The error of a timeout says what was seen
    /// last and carries the guest's console, cloud-init output and kubelet log tails.
    func waitUntilReady(
        _ name: String, timeout: Duration, since: Date? = nil, accept: @Sendable (Node) -> Bool = { _ in true },
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> Node {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var seen = "no Node object yet"
        var lastReported = ""
        var round = 0
        while true {
            if Task.isCancelled { throw ProvisionerError(.cancelled, "waiting for node \(name) was cancelled") }
            do {
                let node = try await client.node(name)
                let heartbeat = node.condition("Ready")?.lastHeartbeatTime.flatMap(Self.parseTime)
                let fresh: Bool =
                    if let since { heartbeat.map { $0 >= since.addingTimeInterval(-1) } ?? false } else { true }
                if node.isReady, fresh, accept(node) {
                    return node
                }
                seen = describe(node, since: since)
            } catch where error.code == .notFound {
                seen = "no Node object yet"
            } catch where [.unauthorized, .forbidden, .tls, .config].contains(error.code) {
                throw .kube("cannot read node \(name)", error)
            } catch {
                seen = "the API did not answer: \(error)"
            }
            if seen != lastReported {
                progress("node \(name): \(seen)")
                lastReported = seen
            }
            if round % 5 == 4, pollInterval >= .seconds(1), let failure = await cloudInitFailure(name) {
                throw ProvisionerError(
                    .cloudInit, "node \(name) cannot join: cloud-init failed: \(failure)\n\(await guestLogs(name))")
            }
            round += 1
            guard clock.now < deadline else {
                throw ProvisionerError(
                    .nodeNotReady,
                    "node \(name) did not become Ready within \(timeout) (last seen: \(seen))\n\(await guestLogs(name))")
            }
            do { try await Task.sleep(for: pollInterval) } catch {
                throw ProvisionerError(.cancelled, "waiting for node \(name) was cancelled")
            }
        }
    }

    func describe(_ node: Node, since: Date?) -> String {
        guard let ready = node.condition("Ready") else { return "registered, no Ready condition yet" }
        if ready.status != "True" {
            return "Ready=\(ready.status)" + (ready.reason.map { " (\($0)\(ready.message.map { ": \($0)" } ?? ""))" } ?? "")
        }
        if let since, let heartbeat = ready.lastHeartbeatTime, let time = Self.parseTime(heartbeat), time < since {
            return "Ready, but the last heartbeat (\(heartbeat)) is from before the restart"
        }
        let cpu = node.status?.capacity?["cpu"].map { "\($0)" } ?? "?"
        let memory = node.memoryCapacityBytes.map { ByteSize(bytes: UInt64($0)).description } ?? "?"
        return "Ready, capacity cpu \(cpu), memory \(memory)"
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// cloud-init's errors when it finished with some (`/run/cloud-init/result.json`, read through
    /// the agent); nil while it runs, when it succeeded, or when the agent does not answer.
    func cloudInitFailure(_ name: String) async -> String? {
        guard let found = try? await guests.find(name, requireOwned: false, action: "read"),
            let bytes = try? await GuestAgent(found.domain).readFile("/run/cloud-init/result.json", limit: 1 << 20),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let v1 = object["v1"] as? [String: Any]
        else { return nil }
        let errors = (v1["errors"] as? [Any] ?? []).map { "\($0)" }
        return errors.isEmpty ? nil : errors.joined(separator: "; ")
    }

    /// The last lines of the guest's serial console, cloud-init output and kubelet (or k3s) log.
    func guestLogs(_ name: String, lines: Int = 25) async -> String {
        await Self.guestLogs(name, guests: guests, unit: nil, lines: lines)
    }

    /// The Kubernetes service of a node guest: `k3s` on a k3s server, `k3s-agent` on a k3s agent,
    /// `kubelet` otherwise.
    static func serviceUnit(_ metadata: KinvmMetadata?) -> String {
        guard metadata?.join == "k3s" else { return "kubelet" }
        return metadata?.role == Self.controlPlaneRole ? "k3s" : "k3s-agent"
    }

    /// The last lines of the guest's serial console, cloud-init output and `unit`'s journal (nil:
    /// the node's Kubernetes service, from its metadata).
    static func guestLogs(_ name: String, guests: GuestManager, unit: String?, lines: Int = 25) async -> String {
        var parts: [String] = []
        if let console = try? await guests.consoleLog(name) {
            parts.append("--- serial console of \(name) (last \(lines) lines) ---\n" + Self.tail(console, lines))
        }
        if let found = try? await guests.find(name, requireOwned: false, action: "read") {
            let agent = GuestAgent(found.domain)
            if let bytes = try? await agent.readFile("/var/log/cloud-init-output.log", limit: 4 << 20) {
                parts.append(
                    "--- /var/log/cloud-init-output.log of \(name) (last \(lines) lines) ---\n"
                        + Self.tail(String(decoding: bytes, as: UTF8.self), lines))
            }
            let unit = unit ?? serviceUnit(found.spec.metadata)
            if let result = try? await agent.exec(
                "/bin/journalctl", ["-u", unit, "-n", "\(lines)", "--no-pager", "-o", "short-iso"], input: nil,
                timeout: .seconds(20)),
                !result.stdoutText.isEmpty
            {
                parts.append("--- journalctl -u \(unit) of \(name) ---\n" + result.stdoutText)
            }
        }
        return parts.isEmpty ? "(no guest logs could be read)" : parts.joined(separator: "\n")
    }

    static func tail(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }
}
