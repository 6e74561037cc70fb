import ArgumentParser
import Provisioner

struct ClusterDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete clusters: every node guest with its volumes, leftover volumes, the network and the kubeconfig context.",
        discussion: """
            Works on a half-created or half-deleted cluster: what is left is found through the \
            guests' kinvm metadata and the network's record. The kinvm-NAME entries are taken out \
            of your kubeconfig ($KUBECONFIG's first file, else ~/.kube/config) when present. Exit \
            status 1 when a named cluster does not exist (unless --ignore-not-found).

            A cluster over several hosts is deleted from every host at once. A host that does not \
            answer is tried again (--retries, --retry-interval); if it still does not, everything \
            else is deleted, the cluster's record stays on the cleaned hosts marked for deletion \
            (`cluster list` shows it as Deleting, `kinvm gc` and `cluster delete` finish it), and \
            the exit status is 1.

            Volumes named like a node's (NODE-root.qcow2, -seed.iso, -airgap.tar) that no guest \
            owns are deleted only when the cluster's record on that host reserves the node and no \
            domain uses them; others are kept and listed. --dry-run changes nothing and lists \
            exactly what a real run would delete.
            """)

    @Argument(help: "Cluster names.")
    var names: [String]

    @Flag(help: "Succeed when a cluster does not exist.")
    var ignoreNotFound = false

    @Flag(help: "Change nothing; list what would be deleted.")
    var dryRun = false

    @Option(help: "How many more times to try a host that does not answer.")
    var retries = 3

    @Option(help: ArgumentHelp("How long to wait between those tries.", valueName: "duration"))
    var retryInterval = DurationArgument(seconds: 5)

    @Option(help: ArgumentHelp("How long to wait while another kinvm run changes the same cluster (it holds the cluster's lease).", valueName: "duration"))
    var leaseWait = DurationArgument(seconds: 600)

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("give at least one cluster name.") }
    }

    func run() async throws {
        let options = ClusterDeleteOptions(
            retries: max(0, retries), retryInterval: retryInterval.duration, open: connection.openOptions, leaseWait: leaseWait.duration)
        let deletions = try await ClusterDelete.delete(
            names, ignoreNotFound: ignoreNotFound, options: options, dryRun: dryRun, connection: connection)
        switch output {
        case .json: print(try Rendering.json(deletions))
        case .yaml: print(try Rendering.yaml(deletions), terminator: "")
        case .text:
            for deletion in deletions { print(Self.describe(deletion)) }
        }
        if deletions.contains(where: { !$0.pendingHosts.isEmpty }) { throw ExitCode.failure }
    }

    /// `deleted cluster lab: 3 guests, 6 volumes, network kinvm-lab (4.2s)`; a dry run lists every
    /// guest and volume it would delete, one per line.
    static func describe(_ deletion: ClusterDeletion) -> String {
        let volumes = deletion.guests.flatMap(\.deletedVolumes).count + deletion.orphanVolumes.count
        let hosts = deletion.hosts.count > 1 ? " on hosts \(deletion.hosts.joined(separator: ", "))" : ""
        var lines: [String]
        if deletion.dryRun {
            lines = ["would delete cluster \(deletion.cluster): \(deletion.guests.count) guests, \(volumes) volumes"
                + (deletion.network.map { ", network \($0)" } ?? "") + hosts]
            for guest in deletion.guests {
                lines.append("  guest \(guest.name)" + (guest.deletedVolumes.isEmpty ? "" : " with \(guest.deletedVolumes.joined(separator: ", "))"))
            }
            lines += deletion.orphanVolumes.map { "  leftover volume \($0)" }
        } else if deletion.pendingHosts.isEmpty {
            lines = ["deleted cluster \(deletion.cluster): \(deletion.guests.count) guests, \(volumes) volumes"
                + (deletion.network.map { ", network \($0)" } ?? "") + hosts + String(format: " (%.1fs)", deletion.seconds)]
        } else {
            lines = ["partly deleted cluster \(deletion.cluster): \(deletion.guests.count) guests, \(volumes) volumes\(hosts); "
                + "not reached: \(deletion.pendingHosts.keys.sorted().joined(separator: ", "))" + String(format: " (%.1fs)", deletion.seconds)]
        }
        lines += deletion.keptVolumes.map { "  kept \($0)" }
        if deletion.dryRun, !deletion.pendingHosts.isEmpty {
            lines.append("  not reached: \(deletion.pendingHosts.keys.sorted().joined(separator: ", ")) (the record would stay, marked)")
        }
        return lines.joined(separator: "\n")
    }

    /// Deletes each cluster and its kubeconfig context; the first failure (after all were tried) exits 1.
    static func delete(_ names: [String], ignoreNotFound: Bool, options: ClusterDeleteOptions, dryRun: Bool = false, connection: FleetOptions)
        async throws -> [ClusterDeletion]
    {
        let progress = ClusterCommand.progressPrinter()
        var deletions: [ClusterDeletion] = []
        var failed = false
        for name in names {
            do {
                let deletion = try await ClusterCommand.withClusters(connection, cluster: name) { clusters -> ClusterDeletion? in
                    do {
                        return try await clusters.delete(name, options: options, dryRun: dryRun, progress: progress)
                    } catch let error as ProvisionerError where error.code == .notFound && ignoreNotFound {
                        return nil as ClusterDeletion?
                    }
                }
                if let deletion { deletions.append(deletion) }
                if dryRun { continue }
                if let deletion, !deletion.pendingHosts.isEmpty {
                    for (host, reason) in deletion.pendingHosts.sorted(by: { $0.key < $1.key }) {
                        if reason == ClusterHost.notGivenReason {
                            Terminal.error(
                                "cluster \(name): host \(host) was not opened: only the cluster's record names it; its guests are not "
                                    + "deleted. The cluster's record is kept, marked for deletion: run `kinvm cluster delete \(name) "
                                    + "--hosts FILE` with the host in FILE to finish")
                        } else {
                            Terminal.error(
                                "cluster \(name): host \(host) did not answer (\(reason)); its guests are not deleted. The cluster's "
                                    + "record is kept, marked for deletion: run `kinvm cluster delete \(name)` again, or `kinvm gc`, "
                                    + "once it answers")
                        }
                    }
                    continue
                }
                let path = KubeconfigMerge.targetPath()
                if try KubeconfigMerge.removeFromFile(cluster: name, path: path) {
                    Terminal.progress("removed context \(KubeconfigMerge.contextName(cluster: name)) from \(path)")
                }
            } catch let error as ProvisionerError {
                Terminal.error(error.message)
                failed = true
            } catch let exit as ExitCode {
                if exit == Interrupts.exitCode { throw exit }
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
        return deletions
    }
}

/// `kinvm gc`: deletes clusters past their TTL.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete clusters whose TTL has passed (spec.ttl, counted from their creation).",
        discussion: "--dry-run only lists them. Meant for a cron job or the end of a CI run.")

    @Flag(help: "List the expired clusters, delete nothing.")
    var dryRun = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        var expired = try await ClusterCommand.withClusters(connection, discover: true) { try await $0.expiredClusters() }
        var failed = false
        if !expired.isEmpty {
            // The same deletion either way: a dry run lists exactly what the real one deletes.
            do {
                let deletions = try await ClusterDelete.delete(
                    expired.map(\.cluster), ignoreNotFound: true, options: ClusterDeleteOptions(open: connection.openOptions), dryRun: dryRun,
                    connection: connection)
                for index in expired.indices { expired[index].deletion = deletions.first { $0.cluster == expired[index].cluster } }
            } catch let exit as ExitCode where exit == .failure {
                failed = true
            }
        }
        switch output {
        case .json: print(try Rendering.json(expired))
        case .yaml: print(try Rendering.yaml(expired), terminator: "")
        case .text:
            if expired.isEmpty { print("no cluster is past its TTL") }
            for cluster in expired {
                print("cluster \(cluster.cluster) (created \(cluster.created), expired \(cluster.expired)):")
                if let deletion = cluster.deletion {
                    print(ClusterDelete.describe(deletion).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                } else {
                    print("  \(dryRun ? "would not be deleted" : "not deleted") (see the errors above)")
                }
            }
        }
        if failed { throw ExitCode.failure }
    }
}
