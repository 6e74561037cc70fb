import ArgumentParser
import Provisioner

/// kubectl drain's options, shared by `node remove` and `node resize`.
struct NodeDrainOptions: ParsableArguments {
    @Flag(help: "Also evict pods that no controller manages (kubectl drain --force).")
    var force = false

    @Flag(help: "Also evict pods with emptyDir volumes; their data is lost (kubectl drain --delete-emptydir-data).")
    var deleteEmptydirData = false

    @Option(help: ArgumentHelp(
        "How long a drain may take; evictions refused by a PodDisruptionBudget (HTTP 429) are retried every 5s until then.",
        valueName: "duration"))
    var drainTimeout: DurationArgument = DurationArgument(seconds: 300)

    var options: DrainPlan.Options { DrainPlan.Options(force: force, deleteEmptyDirData: deleteEmptydirData) }
}
