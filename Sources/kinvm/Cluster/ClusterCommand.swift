import ArgumentParser
import DomainTemplates
import Foundation
import Logging
import Provisioner

/// `kinvm cluster …`: whole Kubernetes clusters of kinvm guests from one spec file.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Create, change, inspect and delete whole Kubernetes clusters of VMs from one spec file.",
        discussion: """
            A cluster is described by a spec (apiVersion kinvm.dev/v1alpha1, kind Cluster; see \
            docs/cluster-spec.md and examples/). Its state lives in libvirt alone: the cluster \
            network records the spec and reserves each node's address, each node guest records \
            its cluster, role and pool. Any machine that reaches the libvirt host sees the same \
            clusters, and every command can be run again after an interruption: it converges.

            Progress goes to stderr, results to stdout. Exit status: 0 on success, 1 when the \
            work failed (a "kinvm: …" line says why), 64 on bad arguments or an invalid spec, \
            130 when interrupted.
            """,
        subcommands: [
            ClusterCreate.self, ClusterApply.self, ClusterScale.self, ClusterList.self, ClusterGet.self, ClusterKubeconfig.self,
            ClusterLogs.self, ClusterDelete.self,
        ])
}

/// `-f SPEC`: the spec file, read and checked before anything else happens.
struct SpecFileOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The cluster spec (YAML), or - for stdin.", valueName: "file"))
    var file: String

    /// The parsed spec; an invalid one prints every problem (file:line:column: field: message) and exits 64.
    func load() throws -> ClusterSpec {
        let text: String
        do {
            text = try BoundedFile.text(file, limit: .spec, what: "the cluster spec")
        } catch {
            Terminal.error(error.message)
            throw ExitCode.validationFailure
        }
        let base = file == "-" ? FileManager.default.currentDirectoryPath : URL(fileURLWithPath: file).deletingLastPathComponent().path
        do {
            return try ClusterSpec.parse(text, file: file == "-" ? "<stdin>" : file, baseDirectory: base)
        } catch {
            Terminal.error("the cluster spec is not valid:\n\(error)")
            throw ExitCode.validationFailure
        }
    }
}

/// `--wait`, `--parallel`, `--keep-failed` and the drain options of create, apply and scale.
struct ClusterWorkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How long the control plane and each node may take to be Ready.", valueName: "duration"))
    var wait = DurationArgument(seconds: 900)

    @Option(help: "Guests created at once (over all pools).")
    var parallel = 4

    @Flag(help: "Leave a node that does not become Ready for inspection instead of deleting it.")
    var keepFailed = false

    @Option(help: ArgumentHelp("kubeadm: lifetime of the bootstrap token made for joining (at most 24h).", valueName: "duration"))
    var tokenTTL = DurationArgument(seconds: 3600)

    @Option(help: ArgumentHelp("How long to wait while another kinvm run changes the same cluster (it holds the cluster's lease).", valueName: "duration"))
    var leaseWait = DurationArgument(seconds: 600)

    @OptionGroup var drain: NodeDrainOptions

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1.") }
    }

    var options: ClusterOptions {
        ClusterOptions(
            readyTimeout: wait.duration, parallelism: parallel, keepFailed: keepFailed, tokenTTL: tokenTTL.duration, drain: drain.options,
            drainTimeout: drain.drainTimeout.duration, leaseWait: leaseWait.duration)
    }
}

extension ClusterCommand {
    /// Connects to the cluster's hosts (the spec's; without a spec, the hosts file or the `-c`
    /// host, then the hosts the recorded spec of `cluster` names), runs `body` with a cluster
    /// manager over them, and turns a failure into `kinvm: …` and exit status 1 (exit codes pass
    /// through).
    ///
    /// `recordedSpec`: `spec` was read back from a cluster's record (`cluster scale`), so its hosts
    /// and connection are not trusted: the given hosts are opened (named as the record names them)
    /// and the spec's other hosts are reported, never opened.
    static func withClusters<T>(
        _ options: FleetOptions, spec: ClusterSpec? = nil, recordedSpec: Bool = false, cluster: String? = nil, discover: Bool = false,
        _ body: (ClusterManager) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "kinvm.clusters")
        logger.logLevel = .warning
        let searchPath = TemplateLibrary.standard(shipped: TemplateLibrary.shippedDirectory(executable: TemplateLibrary.currentExecutable))
            .searchPath
        var hosts = try spec.map { options.hosts(of: $0) } ?? options.loadHosts()
        if let spec, recordedSpec {
            hosts = ClusterHost.naming(given: try options.loadHosts(), recorded: spec.hosts)
            warnNotGiven(ClusterHost.notGiven(spec.hosts, given: hosts))
        }
        var fleet = try await options.open(hosts, logger: logger)
        do {
            if spec == nil, cluster != nil || discover {
                // A given host takes the name the records give its URI. Hosts only a record names
                // are not opened (records are untrusted input): say so, and work on the others.
                let manager = ClusterManager(fleet: fleet, templateSearchPath: searchPath, logger: logger)
                var recorded: [ClusterHost] = []
                if let cluster {
                    recorded = (try? await manager.recordedSpec(cluster))?.hosts ?? []
                } else {
                    recorded = (try? await manager.recordedHosts()) ?? []
                }
                let named = ClusterHost.naming(given: fleet.hosts, recorded: recorded)
                if named != fleet.hosts {
                    await fleet.close()
                    fleet = try await options.open(named, logger: logger)
                }
                warnNotGiven(ClusterHost.notGiven(recorded, given: named))
            }
            let result = try await body(ClusterManager(fleet: fleet, templateSearchPath: searchPath, logger: logger))
            await fleet.close()
            return result
        } catch let error as ProvisionerError {
            await fleet.close()
            Terminal.error(error.description)
            throw ExitCode.failure
        } catch {
            await fleet.close()
            throw error
        }
    }

    /// Says which hosts only a record names (and so were not opened).
    private static func warnNotGiven(_ hosts: [ClusterHost]) {
        guard !hosts.isEmpty else { return }
        Terminal.progress(
            "warning: host(s) \(hosts.map(\.name).joined(separator: ", ")) named only by a cluster record were not opened; "
                + "give them with --hosts FILE (or KINVM_HOSTS) to work on them")
    }

    /// `[  12.3s] lab-workers-1: waiting for cloud-init` lines on stderr.
    static func progressPrinter() -> @Sendable (ClusterProgress) -> Void {
        let print = NodeCommand.progressPrinter()
        return { progress in print(progress.node.map { "\($0): \(progress.step)" } ?? progress.step) }
    }

    /// Runs `work` so that Ctrl-C stops it with exit status 130.
    static func interruptible<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let (outcome, interrupted) = await Interrupts.watching { try await work() }
        if interrupted { throw Interrupts.exitCode }
        return try outcome.get()
    }
}
