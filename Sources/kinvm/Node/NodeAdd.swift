import ArgumentParser
import CloudInit
import DomainTemplates
import Foundation
import Provisioner

/// How a new node joins.
enum JoinMethodArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case kubeadm, k3s
}

struct NodeAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create guests and join them to the cluster as worker nodes; wait until each Node is Ready.",
        discussion: """
            kubeadm: kinvm creates a bootstrap token (Secret kube-system/bootstrap-token-ID, expiring \
            after --token-ttl; deleted again once the nodes have joined), pins the cluster CA from the \
            kubeconfig (sha256 of its public key) and writes a kubeadm JoinConfiguration (template \
            kubernetes/kubeadm-join) into each guest's cloud-init, which runs `kubeadm join`. The \
            image must have kubeadm, the kubelet and a container runtime.

            k3s: each guest gets /etc/rancher/k3s/config.yaml (template kubernetes/k3s-agent) with \
            the server and the node token of --k3s-token-file, and installs k3s from get.k3s.io; \
            with --k3s-binary (and --k3s-images) the files are carried into the guest on a read-only \
            disk instead, for hosts without internet access.

            The API endpoint the guests reach may differ from the kubeconfig's server \
            (--join-endpoint). Each Node gets the labels kinvm.dev/pool and --labels, and the \
            annotations kinvm.dev/domain, kinvm.dev/domain-uuid and kinvm.dev/host. A node that does \
            not become Ready within --wait is reported with the tail of its console, cloud-init \
            output and kubelet log, and deleted unless --keep-failed; the others are kept.
            """)

    @Argument(help: "Node names (default: --count names POOL-N, numbered after the pool's existing nodes).")
    var names: [String] = []

    @Option(help: "The node pool: recorded on the guests and as label kinvm.dev/pool.")
    var pool = "workers"

    @Option(help: "How many nodes to add when no names are given.")
    var count = 1

    @OptionGroup var guest: GuestOptions

    @Option(help: "The storage pool the guests' volumes are created in.")
    var storagePool = "default"

    @Option(help: "How the guests join: kubeadm or k3s.")
    var join: JoinMethodArgument = .kubeadm

    @Option(help: ArgumentHelp(
        "The API server as the guests reach it: HOST:PORT or https://HOST:PORT (default: the kubeconfig's server).",
        valueName: "endpoint"))
    var joinEndpoint: String?

    @Option(help: ArgumentHelp("kubeadm: how long the bootstrap token is valid (at most 24h).", valueName: "duration"))
    var tokenTTL: DurationArgument = DurationArgument(seconds: 3600)

    @Option(help: ArgumentHelp("k3s: a file holding the cluster's node token.", valueName: "file"))
    var k3sTokenFile: String?

    @Option(help: ArgumentHelp("k3s air-gapped: the k3s binary to carry into the guests.", valueName: "file"))
    var k3sBinary: String?

    @Option(help: ArgumentHelp("k3s air-gapped: an images tarball for /var/lib/rancher/k3s/agent/images (repeatable).", valueName: "file"))
    var k3sImages: [String] = []

    @Option(help: ArgumentHelp("A join template name (under kubernetes/ in the template path) or a YAML file.", valueName: "name|file"))
    var joinTemplate: String?

    @Option(help: ArgumentHelp("Node labels.", valueName: "k=v,…"))
    var labels: String?

    @Option(help: ArgumentHelp("Node taints.", valueName: "k=v:Effect,…"))
    var taints: String?

    @Option(help: ArgumentHelp("How long each node may take to become Ready.", valueName: "duration"))
    var wait: DurationArgument = DurationArgument(seconds: 600)

    @Flag(help: "Keep a node that did not become Ready (guest and Node object) for inspection.")
    var keepFailed = false

    @OptionGroup var parallel: ParallelOption

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var kube: KubeOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1.") }
        if !names.isEmpty, count != 1, count != names.count {
            throw ValidationError("--count \(count) does not match the \(names.count) names given.")
        }
        if let problem = NodeAdd.poolProblem(pool) { throw ValidationError("--pool '\(pool)' \(problem)") }
        try guest.validate(names: names.isEmpty ? ["\(pool)-1"] : names, storagePool: storagePool)
        _ = try parsedLabels()
        _ = try parsedTaints()
        switch join {
        case .kubeadm:
            if k3sTokenFile != nil || k3sBinary != nil || !k3sImages.isEmpty {
                throw ValidationError("--k3s-token-file, --k3s-binary and --k3s-images are for --join k3s.")
            }
            guard tokenTTL.seconds > 0 else {
                throw ValidationError("--token-ttl must be positive: kinvm never makes a bootstrap token that does not expire.")
            }
            guard tokenTTL.seconds <= 86_400 else { throw ValidationError("--token-ttl must be at most 24h.") }
        case .k3s:
            guard k3sTokenFile != nil else { throw ValidationError("--join k3s needs --k3s-token-file.") }
            if !k3sImages.isEmpty, k3sBinary == nil { throw ValidationError("--k3s-images needs --k3s-binary (air-gapped install).") }
        }
        guard wait.seconds > 0 else { throw ValidationError("--wait must be positive.") }
    }

    static func poolProblem(_ pool: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !pool.isEmpty, pool.count <= 50, pool.allSatisfy(allowed.contains), pool.first != "-", pool.last != "-" else {
            return "must be 1 to 50 lower-case letters, digits and '-', not starting or ending with '-'"
        }
        return nil
    }

    func parsedLabels() throws -> [NodeLabel] {
        do { return try NodeLabel.parseList(labels ?? "") } catch { throw ValidationError("--labels: \(error.message)") }
    }

    func parsedTaints() throws -> [NodeTaint] {
        do { return try NodeTaint.parseList(taints ?? "") } catch { throw ValidationError("--taints: \(error.message)") }
    }

    func run() async throws {
        // Files first: a bad file leaves nothing behind.
        let sshKeys: [String]
        let joinRequest: NodeAddRequest.JoinRequest
        do {
            sshKeys = try guest.readSSHKeys()
            joinRequest = try joinRequestFromFiles()
        } catch let error as VMCreateInputs.FileError {
            Terminal.error(error.message)
            throw ExitCode.failure
        }
        let progress = NodeCommand.progressPrinter()
        let format = output
        let failed = try await NodeCommand.withNodes(connection, kube) { nodes in
            let chosen = try await names.isEmpty ? Self.nextNames(pool: pool, count: count, guests: nodes.guests) : names
            let requests = try chosen.map { name in
                try guest.request(
                    for: name, storagePool: storagePool, sshKeys: sshKeys, userData: nil,
                    metadata: KinvmMetadata(cluster: nodes.access.clusterName.isEmpty ? nil : nodes.access.clusterName, role: "worker", pool: pool),
                    wait: .running, waitTimeout: .seconds(120))
            }
            let request = NodeAddRequest(
                guests: requests, join: joinRequest, labels: try parsedLabels(), taints: try parsedTaints(),
                joinTemplate: joinTemplate,
                templateSearchPath: TemplateLibrary.standard(
                    shipped: TemplateLibrary.shippedDirectory(executable: TemplateLibrary.currentExecutable)
                ).searchPath,
                readyTimeout: wait.duration, keepFailed: keepFailed, parallelism: parallel.parallel)
            let (outcome, interrupted) = await Interrupts.watching {
                try await nodes.add(request) { progress("\($0.guest): \($0.step)") }
            }
            let result = try outcome.get()
            for failure in result.failures {
                Terminal.error("\(failure.name): \(failure.message)")
            }
            if !result.nodes.isEmpty { try NodeRendering.print(result.nodes, format: format) }
            let t = result.timings
            progress(
                String(
                    format: "%d of %d nodes Ready in %.1fs (kinvm %.1fs, waiting for the guests %.1fs)", result.nodes.count,
                    chosen.count, t.totalSeconds, t.kinvmSeconds, t.waitSeconds))
            if interrupted { throw Interrupts.exitCode }
            return !result.failures.isEmpty
        }
        if failed { throw ExitCode.failure }
    }

    /// The join request, with the k3s token read from its file.
    func joinRequestFromFiles() throws -> NodeAddRequest.JoinRequest {
        switch join {
        case .kubeadm:
            return .kubeadm(endpoint: try joinEndpoint.map(Self.hostPort), tokenTTL: tokenTTL.duration)
        case .k3s:
            let text = try VMCreateInputs.read(k3sTokenFile!, what: "--k3s-token-file").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, !text.contains(where: \.isNewline) else {
                throw VMCreateInputs.FileError(message: "--k3s-token-file '\(k3sTokenFile!)' must hold one token on one line; nothing was created")
            }
            for file in [k3sBinary].compactMap({ $0 }) + k3sImages where !FileManager.default.isReadableFile(atPath: file) {
                throw VMCreateInputs.FileError(message: "air-gap file '\(file)' cannot be read; nothing was created")
            }
            return .k3s(
                server: joinEndpoint.map(Self.url), token: Secret(text),
                airgap: k3sBinary.map { K3sAirgap(binary: $0, images: k3sImages) })
        }
    }

    /// `host:port` from `host:port` or `https://host:port`.
    static func hostPort(_ endpoint: String) throws -> String {
        guard endpoint.hasPrefix("https://") else { return endpoint }
        guard let url = URLComponents(string: endpoint), let host = url.host else {
            throw VMCreateInputs.FileError(message: "--join-endpoint '\(endpoint)' is not HOST:PORT or https://HOST:PORT")
        }
        return "\(host.contains(":") ? "[\(host)]" : host):\(url.port ?? 443)"
    }

    /// `https://host:port` from either form.
    static func url(_ endpoint: String) -> String {
        endpoint.hasPrefix("https://") ? endpoint : "https://\(endpoint)"
    }

    /// `POOL-N` names after the highest N any guest on the host already has.
    static func nextNames(pool: String, count: Int, guests: GuestManager) async throws -> [String] {
        let existing = try await guests.list(includeForeign: true).map(\.name)
        let taken = existing.compactMap { name -> Int? in
            guard name.hasPrefix(pool + "-") else { return nil }
            return Int(name.dropFirst(pool.count + 1))
        }
        let first = (taken.max() ?? 0) + 1
        return (first..<first + count).map { "\(pool)-\($0)" }
    }
}
