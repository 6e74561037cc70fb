import ArgumentParser
import Foundation
import Provisioner

struct ClusterCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create the cluster a spec describes (or finish one an interrupted create left).",
        discussion: """
            Makes the cluster network (NAT or isolated, the spec recorded in it, a DHCP host \
            reservation and a MAC derived from cluster and node name for every node, so a \
            recreated node keeps its address), the control plane (k3s server or kubeadm init \
            through cloud-init), reads the kubeconfig and join material from the control plane \
            through the guest agent (no SSH), then creates every pool's nodes in parallel \
            (--parallel at a time) and waits until each is Ready. A node that is not Ready within \
            --wait fails the command with its console, cloud-init and kubelet logs, and is deleted \
            unless --keep-failed. Run it again after an interruption: it converges.
            """)

    @OptionGroup var spec: SpecFileOptions
    @OptionGroup var work: ClusterWorkOptions

    @Flag(help: "Also merge a kinvm-NAME context into your kubeconfig ($KUBECONFIG's first file, else ~/.kube/config) and switch to it.")
    var merge = false

    @Flag(help: "Show where each node would go (host and address) and the hosts' figures after; change nothing.")
    var dryRun = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let spec = try spec.load()
        if dryRun {
            let plan = try await ClusterCommand.withClusters(connection, spec: spec) { try await $0.planCreate(spec) }
            switch output {
            case .json: print(try Rendering.json(plan))
            case .yaml: print(try Rendering.yaml(plan), terminator: "")
            case .text:
                print(
                    Rendering.table(
                        ["NODE", "POOL", "HOST", "IP", ""],
                        plan.nodes.map { [$0.name, $0.group, $0.host ?? "-", $0.ip, $0.exists ? "(exists)" : ""] }))
                for note in plan.notes { print("note: \(note)") }
                if !plan.hosts.isEmpty {
                    print("")
                    print(
                        Rendering.table(
                            ["HOST", "RESERVED AFTER", "AVAILABLE AFTER"],
                            plan.hosts.map {
                                [$0.name, "\($0.reservedVCPUs) vCPU, \(Rendering.bytes($0.reservedMemoryBytes))", Rendering.bytes($0.availableMemoryBytes)]
                            }))
                }
                for (host, reason) in plan.unreachableHosts.sorted(by: { $0.key < $1.key }) { print("unreachable: \(host): \(reason)") }
            }
            return
        }
        let options = work.options
        let progress = ClusterCommand.progressPrinter()
        let result = try await ClusterCommand.withClusters(connection, spec: spec) { clusters in
            try await ClusterCommand.interruptible { try await clusters.create(spec, options: options, progress: progress) }
        }
        if merge {
            let path = KubeconfigMerge.targetPath()
            try KubeconfigMerge.mergeFile(result.kubeconfig, path: path)
            Terminal.progress("merged context \(KubeconfigMerge.contextName(cluster: spec.name)) into \(path) and switched to it")
        }
        switch output {
        case .json: print(try Rendering.json(result))
        case .yaml: print(try Rendering.yaml(result), terminator: "")
        case .text:
            let nodes = 1 + result.apply.added.count
            print(
                "cluster \(result.cluster) is Ready: API server \(result.apiServer), network \(result.network), "
                    + "\(nodes) node(s) made in this run"
                    + String(
                        format: " (%.0fs; control plane %.0fs, slowest node %.0fs)", result.timings.totalSeconds,
                        result.timings.controlPlaneSeconds, result.timings.slowestNodeSeconds))
            if !merge { print("kubeconfig: kinvm cluster kubeconfig \(result.cluster) [--merge]") }
        }
    }
}
