import ArgumentParser
import Provisioner

struct ClusterKubeconfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeconfig",
        abstract: "Print a cluster's admin kubeconfig, or merge it into yours as context kinvm-NAME.",
        discussion: """
            The kubeconfig is read from the control-plane guest through the guest agent and points \
            at the control plane's address. --merge writes the kinvm-NAME cluster, user and context \
            into $KUBECONFIG's first file (else ~/.kube/config; a new file gets mode 0600, an existing \
            one keeps its mode and owner) and makes it the current context; `cluster delete` takes \
            them out again.
            """)

    @Argument(help: "The cluster name.")
    var name: String

    @Flag(help: "Merge into your kubeconfig instead of printing.")
    var merge = false

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let name = name
        let kubeconfig = try await ClusterCommand.withClusters(connection, cluster: name) { try await $0.kubeconfig(name) }
        guard merge else {
            print(kubeconfig, terminator: kubeconfig.hasSuffix("\n") ? "" : "\n")
            return
        }
        let path = KubeconfigMerge.targetPath()
        do {
            try KubeconfigMerge.mergeFile(kubeconfig, path: path)
        } catch {
            Terminal.error(error.message)
            throw ExitCode.failure
        }
        print("merged context \(KubeconfigMerge.contextName(cluster: name)) into \(path) and switched to it")
    }
}
