import CloudInit
import DomainTemplates
import Foundation
import KubeClient
import Libvirt

/// How `cluster create` and `cluster apply` go about their work.
public struct ClusterOptions: Sendable {
    /// How long the control plane, and each node, may take from start to Ready.
    public var readyTimeout: Duration
    /// Guests created at once (over all pools).
    public var parallelism: Int
    /// Leave a node that failed for inspection instead of deleting it.
    public var keepFailed: Bool
    /// kubeadm: how long the bootstrap token made for joining lives.
    public var tokenTTL: Duration
    /// Directory on the hypervisor host for the serial console logs.
    public var consoleLogDirectory: String
    /// Draining before a removal or a resize by restart.
    public var drain: DrainPlan.Options
    public var drainTimeout: Duration
    /// How long to wait for another run that holds the cluster's lease (``ClusterLease``).
    public var leaseWait: Duration = .seconds(600)

    public init(
        readyTimeout: Duration = .seconds(900), parallelism: Int = 4, keepFailed: Bool = false, tokenTTL: Duration = .seconds(3600),
        consoleLogDirectory: String = "/var/log/libvirt/qemu", drain: DrainPlan.Options = .init(), drainTimeout: Duration = .seconds(300),
        leaseWait: Duration = .seconds(600)
    ) {
        self.leaseWait = leaseWait
        self.readyTimeout = readyTimeout
        self.parallelism = max(1, parallelism)
        self.keepFailed = keepFailed
        self.tokenTTL = tokenTTL
        self.consoleLogDirectory = consoleLogDirectory
        self.drain = drain
        self.drainTimeout = drainTimeout
    }
}

/// A line of progress: the node it is about (nil: the cluster) and what happens.
public struct ClusterProgress: Sendable, Hashable {
    public var node: String?
    public var step: String
}

/// What `cluster create` did.
public struct ClusterCreateResult: Sendable, Codable {
    public var cluster: String
    public var apiServer: String
    public var network: String
    /// The admin kubeconfig (server pointing at the control plane's address).
    public var kubeconfig: String
    public var apply: ClusterApplyResult
    public var timings: Timings

    public struct Timings: Sendable, Codable, Hashable {
        public var totalSeconds: Double
        /// From the control plane's start to its Node Ready with the API answering.
        public var controlPlaneSeconds: Double
        /// The slowest node's time from its start to Ready (the control plane's included).
        public var slowestNodeSeconds: Double
    }
}

extension ClusterManager {
    /// Creates the cluster `spec` describes, or finishes one an earlier `create` left half-made:
    /// the network (with the spec in its metadata and an address reserved for every node), the
    /// control plane (k3s server or kubeadm init through cloud-init), the kubeconfig and join
    /// material read from the control plane through the guest agent, then every pool's nodes,
    /// created in parallel (at most ``ClusterOptions/parallelism`` at a time) and Ready.
    ///
    /// Running it again converges: what exists is kept, what is missing is made, a guest that
    /// never joined is made again.
    public func create(
        _ spec: ClusterSpec, options: ClusterOptions = .init(), progress: @escaping @Sendable (ClusterProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterCreateResult {
        let cni = try Self.controlPlaneCNI(spec.kubernetes.cni)
        return try await withLease(spec.name, hosts: spec.hosts, command: "cluster create", wait: options.leaseWait, progress: progress) {
            () async throws(ProvisionerError) in
            try await createHoldingLease(spec, cni: cni, options: options, progress: progress)
        }
    }

    private func createHoldingLease(
        _ spec: ClusterSpec, cni: ControlPlaneSpec.CNI, options: ClusterOptions, progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ClusterCreateResult {
        let clock = ContinuousClock()
        let start = clock.now
        let network = try await ensureNetwork(spec, progress: progress)
        KillPoint.clusterNetwork.reach(spec.name)
        let controlPlane = try await ensureControlPlane(spec, network: network, cni: cni, options: options, progress: progress)
        let apply = try await withNodeManager(kubeconfig: controlPlane.kubeconfig) { nodes throws(ProvisionerError) in
            try await labelControlPlane(spec, nodes: nodes)
            return try await self.apply(spec, nodes: nodes, network: network, options: options, dryRun: false, progress: progress)
        }
        let slowest = ([controlPlane.seconds] + apply.added.compactMap { apply.readySeconds[$0] }).max() ?? 0
        return ClusterCreateResult(
            cluster: spec.name, apiServer: controlPlane.server, network: spec.network.name, kubeconfig: controlPlane.kubeconfig,
            apply: apply,
            timings: .init(
                totalSeconds: NodeManager.seconds(start.duration(to: clock.now)), controlPlaneSeconds: controlPlane.seconds,
                slowestNodeSeconds: slowest))
    }

    // MARK: Control plane

    struct ControlPlaneAccess {
        var kubeconfig: String
        var server: String
        var seconds: Double
    }

    /// The control-plane guest (created unless it exists; started when shut off), then its admin
    /// kubeconfig read through the guest agent once written, the API answering, and its Node Ready.
    func ensureControlPlane(
        _ spec: ClusterSpec, network: ClusterNetworkState, cni: ControlPlaneSpec.CNI, options: ClusterOptions,
        progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ControlPlaneAccess {
        let clock = ContinuousClock()
        let start = clock.now
        let node = spec.controlPlaneNode
        guard let reservation = network.reservation(for: node.name) else {
            throw ProvisionerError(.notFound, "network '\(network.name)' has no address reserved for \(node.name)")
        }
        let report: @Sendable (String) -> Void = { progress(ClusterProgress(node: node.name, step: $0)) }
        let placements = network.metadata?.placements ?? [:]
        if let existing = try await existingMember(node.name, of: spec.name) {
            if existing.state != "running" {
                report("starting the control plane")
                _ = try await guests(for: node.name).start(node.name, wait: .agent, timeout: options.readyTimeout)
            }
        } else {
            let host = try await member(for: node.name, placements: placements)
            try await createControlPlane(spec, node: node, reservation: reservation, cni: cni, on: host, options: options, report: report)
        }
        let deadline = WaitDeadline(options.readyTimeout)
        report("waiting for the API server's kubeconfig")
        let distribution: ControlPlaneSpec.Distribution = spec.kubernetes.distribution == .k3s ? .k3s : .kubeadm
        let server = "https://\(reservation.ip):\(ControlPlaneRenderer.apiPort)"
        let raw = try await waitForFile(
            ControlPlaneRenderer.adminKubeconfigPath(distribution), in: node.name, deadline: deadline, report: report)
        let kubeconfig = try ControlPlaneRenderer.adminKubeconfig(String(decoding: raw, as: UTF8.self), server: server, cluster: spec.name)
        report("waiting for the API server at \(server) and the control-plane Node")
        try await withNodeManager(kubeconfig: kubeconfig) { nodes throws(ProvisionerError) in
            try await waitForNodeReady(node.name, nodes: nodes, deadline: deadline, report: report)
        }
        let seconds = NodeManager.seconds(start.duration(to: clock.now))
        report(String(format: "control plane Ready (%.0fs)", seconds))
        return ControlPlaneAccess(kubeconfig: kubeconfig, server: server, seconds: seconds)
    }

    /// The control plane's pod network for `spec.kubernetes.cni`; a manifest file is read now,
    /// before anything is made, so a missing file stops the create at once.
    static func controlPlaneCNI(_ cni: ClusterSpec.Kubernetes.CNI) throws(ProvisionerError) -> ControlPlaneSpec.CNI {
        switch cni {
        case .distributionDefault: return .distributionDefault
        case .userProvided: return .none
        case .url(let url): return .manifest(url)
        case .file(let path):
            return .inlineManifest(try BoundedFile.text(path, limit: .manifest, what: "the CNI manifest (spec.kubernetes.cni)"))
        }
    }

    func createControlPlane(
        _ spec: ClusterSpec, node: DesiredNode, reservation: DHCPReservation, cni: ControlPlaneSpec.CNI, on host: HostFleet.Member,
        options: ClusterOptions, report: @escaping @Sendable (String) -> Void
    ) async throws(ProvisionerError) {
        try await removeLeftoverVolumes(of: node.name, spec: spec, on: host)
        let controlPlane = ControlPlaneSpec(
            distribution: spec.kubernetes.distribution == .k3s ? .k3s : .kubeadm, nodeName: node.name, nodeIP: reservation.ip.description,
            version: spec.kubernetes.version, labels: node.labels, taints: node.taints.isEmpty ? nil : node.taints,
            airgap: spec.kubernetes.airgap, cni: cni)
        let cloudConfig = try ControlPlaneRenderer.render(controlPlane, searchPath: templateSearchPath, sshAuthorizedKeys: spec.sshKeys)
        var request = guestRequest(spec, node: node, reservation: reservation, options: options, created: ClusterNetworkMetadata.timestamp(Date()))
        request.directBoot = try await prepareImages(spec, on: host) { progress in report(progress.step) }
        request.userData = .cloudConfig(cloudConfig)
        request.sshAuthorizedKeys = []  // already in the cloud-config
        request.metadata.join = controlPlane.distribution.rawValue
        request.metadata.apiServer = controlPlane.apiServerURL
        var bundleDirectory: String?
        defer { if let bundleDirectory { try? FileManager.default.removeItem(atPath: bundleDirectory) } }
        if let airgap = spec.kubernetes.airgap {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-airgap-\(UUID().uuidString)").path
            bundleDirectory = directory
            let bundle = directory + "/airgap.tar"
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try AirgapBundle.write(airgap, to: bundle)
            } catch let error as ProvisionerError {
                throw error
            } catch {
                throw ProvisionerError(.fileUnwritable, "cannot write the air-gap bundle \(bundle): \(error.localizedDescription)")
            }
            request.dataDisks = [DataDisk(suffix: "airgap.tar", file: bundle, serial: JoinRenderer.airgapDiskSerial, readOnly: true)]
        }
        report("creating the control plane (\(node.sizes), \(reservation.ip)\(fleet.members.count > 1 ? ", host \(host.host.name)" : ""))")
        _ = try await host.guests.create(request) { report($0.step) }
        locator.remember(node.name, host: host.host.name)
    }

    /// The guest request for a node of the cluster: its NIC on the cluster network with the
    /// reserved MAC, sizes, template, image, boot, SSH keys and kinvm's metadata.
    func guestRequest(
        _ spec: ClusterSpec, node: DesiredNode, reservation: DHCPReservation, options: ClusterOptions, created: String
    ) -> GuestCreateRequest {
        var request = GuestCreateRequest(
            name: node.name, template: node.template, image: spec.image, pool: spec.storagePool, virtType: spec.virtType,
            vcpus: node.sizes.vcpus, maxVCPUs: node.sizes.maxVCPUs, memory: node.sizes.memory, maxMemory: node.sizes.maxMemory,
            diskSize: node.disk, nics: [NICSpec(network: spec.network.name, mac: reservation.mac)], sshAuthorizedKeys: spec.sshKeys,
            directBoot: spec.boot, consoleLogDirectory: options.consoleLogDirectory, metadata: spec.metadata(for: node, created: created),
            wait: .agent, waitTimeout: options.readyTimeout)
        request.metadata.template = node.template
        if spec.network.mode == .bridged {
            // No DHCP on a bridged segment: the node's address, route and DNS go into its
            // cloud-init network-config, matched by the NIC's MAC.
            let ethernet = NetworkConfig.Ethernet.statically(
                "eth0", macAddress: reservation.mac, addresses: ["\(reservation.ip)/\(spec.network.cidr.prefixLength)"],
                gateway: spec.network.gateway?.description,
                nameservers: spec.network.dns.isEmpty ? nil : NetworkConfig.Nameservers(addresses: spec.network.dns.map(\.description)))
            request.networkConfig = NetworkConfig(ethernets: [ethernet])
        }
        return request
    }

    /// Polls for `path` in the guest through the agent until it exists and is not empty; fails
    /// at once when cloud-init reports errors, with the guest's logs.
    func waitForFile(_ path: String, in name: String, deadline: WaitDeadline, report: @Sendable (String) -> Void) async throws(ProvisionerError)
        -> [UInt8]
    {
        var lastSeen = "nothing yet"
        while true {
            do throws(ProvisionerError) {
                let found = try await guests(for: name).find(name, requireOwned: true, action: "read")
                let agent = GuestAgent(found.domain)
                if let bytes = try await agent.readFileIfPresent(path, limit: 1 << 20), !bytes.isEmpty { return bytes }
                lastSeen = "\(path) not written yet"
                if let result = try await agent.readFileIfPresent(CloudInitProgress.resultPath, limit: 1 << 20),
                    case .failed(let status, let report) = CloudInitProgress(result: result, status: nil)
                {
                    let logs = await NodeManager.guestLogs(name, guests: (try? await guests(for: name)) ?? guests, unit: nil)
                    throw ProvisionerError(.cloudInit, "cloud-init in \(name) ended with status '\(status)':\n\(report)\n\(logs)")
                }
            } catch where error.code == .guestAgent || error.code == .timeout {
                lastSeen = error.message
            }
            guard !deadline.expired else {
                let logs = await NodeManager.guestLogs(name, guests: (try? await guests(for: name)) ?? guests, unit: nil)
                throw ProvisionerError(.timeout, "\(name) did not write \(path) within \(deadline.timeoutText); last seen: \(lastSeen)\n\(logs)")
            }
            try await WaitDeadline.sleep(min(deadline.remaining, .seconds(2)))
        }
    }

    /// Waits until the API answers and Node `name` is Ready.
    func waitForNodeReady(_ name: String, nodes: NodeManager, deadline: WaitDeadline, report: @Sendable (String) -> Void)
        async throws(ProvisionerError)
    {
        var lastSeen = "nothing yet"
        while true {
            do {
                let node = try await nodes.client.node(name)
                if node.isReady { return }
                lastSeen = "Node \(name) is not Ready yet"
            } catch {
                lastSeen = error.code == .notFound ? "no Node \(name) yet" : "\(error)"
            }
            guard !deadline.expired else {
                let logs = await NodeManager.guestLogs(name, guests: (try? await guests(for: name)) ?? guests, unit: nil)
                throw ProvisionerError(
                    .nodeNotReady, "node \(name) was not Ready within \(deadline.timeoutText); last seen: \(lastSeen)\n\(logs)")
            }
            try await WaitDeadline.sleep(min(deadline.remaining, .seconds(2)))
        }
    }

    /// The pool label and domain annotations on the control-plane Node, and the labels and taints
    /// its spec asks for that the kubelet could not set.
    func labelControlPlane(_ spec: ClusterSpec, nodes: NodeManager) async throws(ProvisionerError) {
        let node = spec.controlPlaneNode
        try await relabel(node.name, labels: node.labels, taints: node.taints, nodes: nodes)
    }

    // MARK: Support

    /// The guest `name` when it is a member of `cluster`; nil when there is none; `.notOwned` when
    /// a guest of that name belongs to something else.
    func existingMember(_ name: String, of cluster: String) async throws(ProvisionerError) -> GuestInfo? {
        var found: GuestInfo?
        for member in fleet.members {
            do throws(ProvisionerError) {
                var guest = try await member.guests.get(name)
                guest.host = member.host.name
                guard guest.owned, guest.cluster == cluster else {
                    throw ProvisionerError(
                        .notOwned,
                        "a guest named '\(name)' exists on \(member.connection.uri) and is not a node of cluster '\(cluster)'; "
                            + "rename the cluster or remove that guest")
                }
                locator.remember(name, host: member.host.name)
                found = guest
            } catch where error.code == .notFound {
                continue
            }
        }
        return found
    }

    /// Runs `body` with a node manager for the cluster behind `kubeconfig`, shutting the client down after.
    func withNodeManager<T>(kubeconfig: String, _ body: (NodeManager) async throws(ProvisionerError) -> T) async throws(ProvisionerError)
        -> T
    {
        let access: ClusterAccess
        let client: KubeClient
        do {
            access = try Kubeconfig.parse(kubeconfig, path: "the cluster's kubeconfig").resolve(context: nil)
            client = try KubeClient(access: access)
        } catch {
            throw ProvisionerError(.kubernetes, "cannot use the cluster's kubeconfig: \(error)")
        }
        do {
            let result = try await body(NodeManager(guests: guests, client: client, access: access))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
