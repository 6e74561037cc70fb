import ArgumentParser
import Provisioner

struct ClusterScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Change how many nodes a pool has, from the spec recorded in the cluster (no file needed).",
        discussion: """
            `kinvm cluster scale lab --pool workers=5 --pool gpu=0`: the recorded spec with those \
            counts is recorded and applied like `cluster apply` (scale-down drains first, highest \
            node number first).
            """)

    @Argument(help: "The cluster name.")
    var name: String

    @Option(help: ArgumentHelp("POOL=COUNT (repeatable).", valueName: "pool=count"))
    var pool: [String] = []

    @OptionGroup var work: ClusterWorkOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func validate() throws {
        guard !pool.isEmpty else { throw ValidationError("give at least one --pool POOL=COUNT.") }
        for entry in pool {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("--pool '\(entry)' is not POOL=COUNT with COUNT >= 0.")
            }
        }
    }

    func run() async throws {
        let (name, pool, connection) = (name, pool, connection)
        var spec = try await ClusterCommand.withClusters(connection, cluster: name) { clusters in try await clusters.recordedSpec(name) }
        for entry in pool {
            let parts = entry.split(separator: "=", maxSplits: 1)
            do {
                spec = try spec.scaled(pool: String(parts[0]), count: Int(parts[1])!)
            } catch {
                Terminal.error("\(error)")
                throw ExitCode.validationFailure
            }
        }
        try await ClusterApply.apply(spec, options: work.options, dryRun: false, output: output, connection: connection, recordedSpec: true)
    }
}
