import Foundation

/// What `cluster logs` collected.
public struct ClusterLogReport: Sendable, Codable, Hashable {
    public var cluster: String
    public var directory: String
    public var nodes: [Node]

    public struct Node: Sendable, Codable, Hashable {
        public var name: String
        /// Files written, relative to the report's directory.
        public var files: [String]
        /// What could not be collected, and why.
        public var missing: [String]
    }
}

extension ClusterManager {
    /// Files taken from each guest through the guest agent: cloud-init's, and the Kubernetes
    /// services' journals (whichever exist).
    static let guestLogFiles = ["/var/log/cloud-init.log", "/var/log/cloud-init-output.log"]
    static let guestLogUnits = ["kubelet", "k3s", "k3s-agent", "kube-standin"]

    /// Writes, for every node of `cluster`, `DIR/NODE/console.log` (the serial console), the
    /// cloud-init logs and the journals of kubelet / k3s / k3s-agent, read through the guest agent
    /// (no SSH, no network). A node whose agent does not answer still gets its console log; what
    /// could not be read is listed, not fatal. Existing files are replaced.
    public func collectLogs(_ cluster: String, into directory: String) async throws(ProvisionerError) -> ClusterLogReport {
        let members = try await members(of: cluster)
        guard !members.isEmpty else {
            throw ProvisionerError(.notFound, "no guests of cluster '\(cluster)' on \(fleet.members.map { $0.connection.uri }.joined(separator: ", "))")
        }
        var report = ClusterLogReport(cluster: cluster, directory: directory, nodes: [])
        for member in members {
            report.nodes.append(try await collectLogs(node: member.name, running: member.state == "running", into: directory))
        }
        return report
    }

    func collectLogs(node name: String, running: Bool, into directory: String) async throws(ProvisionerError) -> ClusterLogReport.Node {
        var result = ClusterLogReport.Node(name: name, files: [], missing: [])
        let guests = try await guests(for: name)
        let nodeDirectory = directory + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
        } catch {
            throw ProvisionerError(.fileUnwritable, "cannot create \(nodeDirectory): \(error.localizedDescription)")
        }
        func save(_ file: String, _ bytes: [UInt8]) throws(ProvisionerError) {
            let path = nodeDirectory + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw ProvisionerError(.fileUnwritable, "cannot write \(path)")
            }
            result.files.append(name + "/" + file)
        }
        do {
            try save("console.log", Array(try await guests.consoleLog(name).utf8))
        } catch where error.code != .fileUnwritable {
            result.missing.append("console.log: \(error.message)")
        }
        guard running else {
            result.missing.append("guest logs: the guest is not running")
            return result
        }
        let found = try await guests.find(name, requireOwned: true, action: "collect logs of")
        let agent = GuestAgent(found.domain)
        for path in Self.guestLogFiles {
            let file = (path as NSString).lastPathComponent
            do {
                try save(file, try await agent.readFile(path, limit: 64 << 20))
            } catch where error.code != .fileUnwritable {
                result.missing.append("\(path): \(error.message)")
            }
        }
        for unit in Self.guestLogUnits {
            do {
                let run = try await agent.exec(
                    "/bin/journalctl", ["-u", unit, "--no-pager", "-o", "short-iso"], input: nil, timeout: .seconds(60))
                // journalctl prints "-- No entries --" for units that never ran: not worth a file.
                guard run.exitCode == 0, !run.stdoutText.contains("-- No entries --") else { continue }
                try save("\(unit).journal.log", Array(run.stdoutText.utf8))
            } catch where error.code != .fileUnwritable {
                result.missing.append("journal of \(unit): \(error.message)")
            }
        }
        return result
    }
}
