import Libvirt

/// What `kinvm doctor` found on a libvirt host.
struct HostReport: Codable, Sendable {
    var uri: String
    var canonicalURI: String
    var hostname: String
    var clientLibvirtVersion: String
    var daemonLibvirtVersion: String
    var hypervisor: String
    var hypervisorVersion: String
    var host: Host
    var virtTypes: [VirtTypeResult]
    var pools: [Pool]
    var networks: [Network]
    var domains: [Domain]
    /// libvirt's RelaxNG schemas, which kinvm validates every document against before defining it.
    var schemas: [Schema]
    /// The templates kinvm ships.
    var templates: Templates
    /// Programs libvirt runs on the hypervisor host for kinvm.
    var tools: [Tool]
    /// What the user should fix, one sentence each; empty when all is well.
    var problems: [String]
    /// Advice that does not stop kinvm from working.
    var notes: [String]

    struct Host: Codable, Sendable {
        var cpuModel: String
        var cpus: Int
        var memoryBytes: UInt64
        var freeMemoryBytes: UInt64
    }

    struct Pool: Codable, Sendable {
        var name: String
        var active: Bool
        var capacityBytes: UInt64
        var availableBytes: UInt64
    }

    struct Network: Codable, Sendable {
        var name: String
        var active: Bool
        var bridge: String?
    }

    struct Domain: Codable, Sendable {
        var name: String
        var state: String
        var vcpus: Int
        var memoryBytes: UInt64
    }

    /// One of libvirt's schemas (`domain.rng` …).
    struct Schema: Codable, Sendable {
        var name: String
        /// Where it was found; nil when missing.
        var path: String?
        /// The directories searched, in order.
        var searched: [String]
        /// Why it could not be found or compiled; nil when it loaded.
        var error: String?
    }

    /// The shipped template directory and what its templates are worth.
    struct Templates: Codable, Sendable {
        /// nil when it was not found.
        var directory: String?
        /// `kind/name` of each template that validates against libvirt's schema.
        var valid: [String]
        var invalid: [InvalidTemplate]
    }

    struct InvalidTemplate: Codable, Sendable {
        /// `kind/name`, e.g. `domains/minimal`.
        var template: String
        var error: String
    }

    /// A program on the hypervisor host.
    struct Tool: Codable, Sendable {
        /// `emulator` or `qemu-img`.
        var name: String
        /// Where it is (or where libvirt says it is); nil when unknown or missing.
        var path: String?
        var status: ToolStatus
    }

    enum ToolStatus: String, Codable, Sendable {
        case found, missing
        /// The driver does not say (the test driver has no domain capabilities).
        case unknown
        /// The host is remote: kinvm cannot look at its files.
        case notChecked = "not checked (remote host)"
    }

    /// The pool `kinvm image` and `kinvm vm create` use unless told otherwise.
    static let defaultPool = "default"
}

/// One virt type (`kvm`, `qemu`): whether libvirt offers it and whether a guest really boots.
struct VirtTypeResult: Codable, Sendable {
    var type: String
    /// Listed in the host capabilities.
    var advertised: Bool
    /// nil when no boot was tried.
    var boots: Bool?
    var bootSeconds: Double?
    var detail: String
}

extension HostReport {
    /// Reads everything but the boot probes from the connection.
    static func gather(from connection: Connection) async throws -> HostReport {
        let node = try await connection.nodeInfo()
        let pools = try await connection.allStoragePools()
        var poolRows: [Pool] = []
        for pool in pools {
            let info = try await pool.info()
            poolRows.append(
                Pool(name: pool.name, active: info.state == .running, capacityBytes: info.capacity, availableBytes: info.available))
        }
        var networkRows: [Network] = []
        for network in try await connection.allNetworks() {
            let active = try await network.isActive()
            networkRows.append(Network(name: network.name, active: active, bridge: try? await network.bridgeName()))
        }
        var domainRows: [Domain] = []
        for domain in try await connection.allDomains() {
            let info = try await domain.info()
            domainRows.append(
                Domain(name: domain.name, state: info.state.description, vcpus: info.vcpus, memoryBytes: info.memoryKiB * 1024))
        }
        return HostReport(
            uri: connection.uri,
            canonicalURI: try await connection.canonicalURI(),
            hostname: try await connection.hostname(),
            clientLibvirtVersion: try Connection.libraryVersion().description,
            daemonLibvirtVersion: try await connection.libraryVersion().description,
            hypervisor: try await connection.hypervisorType(),
            hypervisorVersion: try await connection.hypervisorVersion().description,
            host: Host(
                cpuModel: node.model, cpus: node.cpus, memoryBytes: node.memoryKiB * 1024,
                freeMemoryBytes: try await connection.freeMemory()),
            virtTypes: [],
            pools: poolRows.sorted { $0.name < $1.name },
            networks: networkRows.sorted { $0.name < $1.name },
            domains: domainRows.sorted { $0.name < $1.name },
            schemas: [],
            templates: Templates(directory: nil, valid: [], invalid: []),
            tools: [],
            problems: [],
            notes: [])
    }
}
