import DomainTemplates
import KubeClient
import LibXML2
import Libvirt
import Logging

/// kinvm's guests on one libvirt host: create (with rollback), list, start, stop, resize, delete,
/// addresses, commands through the guest agent.
///
/// The state lives in libvirt only: each guest is a domain carrying ``KinvmMetadata`` (owner
/// marker, cluster, role, the volumes kinvm made for it). Commands that change or delete a
/// domain refuse domains without that marker unless forced.
public struct GuestManager: Sendable {
    public let connection: Connection
    let logger: Logger

    public init(connection: Connection, logger: Logger = Logger(label: "kinvm.provisioner.guests")) {
        self.connection = connection
        self.logger = logger
    }

    // MARK: Looking up

    /// A domain and what kinvm knows of it.
    public struct Found: Sendable {
        public var domain: Domain
        /// The spec read back from the domain's (persistent, inactive) XML.
        public var spec: DomainSpec
        public var owned: Bool { spec.metadata != nil }
    }

    /// The domain named `name`.
    /// - Parameter requireOwned: refuse (`.notOwned`) a domain without kinvm's metadata.
    public func find(_ name: String, requireOwned: Bool, action: String = "change") async throws(ProvisionerError) -> Found {
        let domain: Domain?
        do {
            domain = try await connection.domainIfPresent(named: name)
        } catch {
            throw .libvirt("cannot look up guest '\(name)'", error)
        }
        guard let domain else {
            throw ProvisionerError(.notFound, "no guest named '\(name)' on \(connection.uri)")
        }
        let spec = try await readSpec(of: domain)
        let found = Found(domain: domain, spec: spec)
        if requireOwned, !found.owned {
            throw ProvisionerError(
                .notOwned,
                "domain '\(name)' was not created by kinvm (it has no kinvm metadata); kinvm will not \(action) it "
                    + "unless you pass --force")
        }
        return found
    }

    /// The spec of a domain, from its inactive (persistent) XML when it has one (libvirt returns
    /// the live XML for `VIR_DOMAIN_XML_INACTIVE` when the domain is transient).
    func readSpec(of domain: Domain) async throws(ProvisionerError) -> DomainSpec {
        let xml: String
        do {
            xml = try await domain.xml(flags: .inactive)
        } catch {
            throw .libvirt("cannot read the XML of guest '\(domain.name)'", error)
        }
        do {
            let document = try XMLDocument(parsing: xml, source: "domain '\(domain.name)'")
            return try DomainSpecReader.read(document, source: "domain '\(domain.name)'")
        } catch {
            throw ProvisionerError(.xml, "cannot read the XML of guest '\(domain.name)': \(error)")
        }
    }

    // MARK: Listing

    /// kinvm's guests (with `includeForeign`, every domain), sorted by name. Domains that vanish
    /// while the list is read are skipped.
    public func list(includeForeign: Bool = false) async throws(ProvisionerError) -> [GuestInfo] {
        // On the connection's own threads: each guest takes two blocking calls, and running there
        // saves two thread hops per call.
        let result: Result<[GuestInfo], ProvisionerError> = await withTaskExecutorPreference(connection.executor) {
            do throws(ProvisionerError) {
                return .success(try await listOnExecutor(includeForeign: includeForeign))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func listOnExecutor(includeForeign: Bool) async throws(ProvisionerError) -> [GuestInfo] {
        let domains: [Domain]
        do {
            domains = try await connection.allDomains()
        } catch {
            throw .libvirt("cannot list the domains of \(connection.uri)", error)
        }
        var guests: [GuestInfo] = []
        guests.reserveCapacity(domains.count)
        for domain in domains {
            do {
                let info = try await describe(domain)
                if includeForeign || info.owned { guests.append(info) }
            } catch where error.underlying?.code == .noDomain {
                continue
            }
        }
        return guests.sorted { $0.name < $1.name }
    }

    /// One guest, kinvm's or not.
    public func get(_ name: String) async throws(ProvisionerError) -> GuestInfo {
        let found = try await find(name, requireOwned: false)
        return try await describe(found.domain, spec: found.spec)
    }

    /// What libvirt reports of a domain, as ``GuestInfo``.
    func describe(_ domain: Domain, spec knownSpec: DomainSpec? = nil) async throws(ProvisionerError) -> GuestInfo {
        let spec: DomainSpec
        if let knownSpec { spec = knownSpec } else { spec = try await readSpec(of: domain) }
        let info: DomainInfo
        do {
            info = try await domain.info()
        } catch {
            throw .libvirt("cannot read the state of guest '\(domain.name)'", error)
        }
        let running = DomainState(kind: info.state).isActive
        let metadata = spec.metadata
        return GuestInfo(
            name: domain.name, uuid: domain.uuid, state: info.state.description, owned: metadata != nil,
            virtType: spec.virtType.rawValue,
            vcpus: running ? info.vcpus : spec.vcpus, maxVCPUs: spec.effectiveMaxVCPUs,
            memoryBytes: running ? info.memoryKiB * 1024 : spec.memory.bytes,
            maxMemoryBytes: spec.effectiveMaxMemory.bytes,
            cluster: metadata?.cluster, role: metadata?.role, nodePool: metadata?.pool, created: metadata?.created,
            ttlSeconds: metadata?.ttlSeconds, image: metadata?.image?.description, template: metadata?.template,
            disks: spec.disks.map(\.volume.description) + (spec.seed.map { [$0.description] } ?? []),
            managedVolumes: metadata?.volumes.map(\.description) ?? [],
            nics: spec.nics.map {
                GuestInfo.NIC(
                    type: $0.kind.rawValue, network: $0.kind == .network ? $0.network : nil, mac: $0.mac, model: $0.model)
            },
            consoleLog: spec.consoleLog, join: metadata?.join, apiServer: metadata?.apiServer.map(ServerURL.removingUserInfo))
    }
}
