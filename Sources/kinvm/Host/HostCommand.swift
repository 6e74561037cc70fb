import ArgumentParser
import Foundation
import Logging
import Provisioner

/// `kinvm host …`: the libvirt hosts kinvm places guests on.
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Show the libvirt hosts kinvm works on: capacity, what kinvm guests reserve, which guests live where.",
        subcommands: [HostList.self])
}

/// Which hosts a command works on: a cluster spec's `hosts`, a hosts file, or the one `-c` host.
struct HostSetOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("A cluster spec whose hosts to use.", valueName: "file"))
    var file: String?

    @OptionGroup var fleet: FleetOptions

    func validate() throws {
        if file != nil, fleet.hosts != nil { throw ValidationError("give -f SPEC or --hosts FILE, not both.") }
    }

    /// The hosts named by the options.
    func load() throws -> [ClusterHost] {
        if let file { return fleet.hosts(of: try SpecFileOptions(file: file).loadOrExit()) }
        return try fleet.loadHosts()
    }

    /// Connects to every host (in parallel), runs `body`, closes them. Unlike cluster commands,
    /// a host that does not answer is part of the answer, so no host answering is not an error here.
    func with<T>(_ hosts: [ClusterHost], _ body: (HostFleet) async throws -> T) async throws -> T {
        var logger = Logger(label: "kinvm.hosts")
        logger.logLevel = .warning
        let fleet: HostFleet
        do {
            fleet = try await HostFleet.open(hosts, options: self.fleet.openOptions, logger: logger)
        } catch {
            Terminal.error(error.message)
            throw ExitCode.validationFailure
        }
        for warning in fleet.warnings { Terminal.progress("warning: \(warning)") }
        do {
            let result = try await body(fleet)
            await fleet.close()
            return result
        } catch {
            await fleet.close()
            throw error
        }
    }
}

extension SpecFileOptions {
    init(file: String) {
        self.init()
        self.file = file
    }

    /// ``load()`` for callers outside argument parsing.
    func loadOrExit() throws -> ClusterSpec { try load() }
}

struct HostList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List hosts with their CPUs and memory, what kinvm guests reserve there, and their kinvm guests.",
        discussion: """
            Hosts are connected in parallel; a host that does not answer is listed as unreachable \
            with the reason, and the exit status is then 1 (the others are still listed). \
            RESERVED sums the vCPU and memory ceilings of the kinvm guests defined there, running \
            or not: what placement counts as taken. AVAILABLE is what placement may still use.
            """)

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var hostSet: HostSetOptions

    func run() async throws {
        let hosts = try hostSet.load()
        let reports = try await hostSet.with(hosts) { await HostInventory.report($0) }
        switch output {
        case .json: print(try Rendering.json(reports))
        case .yaml: print(try Rendering.yaml(reports), terminator: "")
        case .text, .wide: print(Rendering.table(Self.header(wide: output == .wide), reports.map { Self.row($0, wide: output == .wide) }))
        }
        let failed = reports.filter { $0.reason != nil }
        for report in failed { Terminal.error("host \(report.name) (\(report.uri)): \(report.reason ?? "")") }
        if !failed.isEmpty { throw ExitCode.failure }
    }

    static func header(wide: Bool) -> [String] {
        var header = ["NAME", "STATUS", "CPUS", "MEMORY", "FREE", "RESERVED", "AVAILABLE", "GUESTS"]
        if wide { header += ["LIMITS", "CLUSTERS", "URI"] }
        return header
    }

    static func row(_ report: HostSummary, wide: Bool) -> [String] {
        guard let capacity = report.capacity else {
            var row = [report.name, report.reachable ? "Error" : "Unreachable", "-", "-", "-", "-", "-", "-"]
            if wide { row += ["-", "-", report.uri] }
            return row
        }
        let available = capacity.availableVCPUs.map { "\($0) vCPU, " } ?? ""
        var row = [
            report.name, "Ready", "\(capacity.cpus)", Rendering.bytes(capacity.memoryBytes), Rendering.bytes(capacity.freeMemoryBytes),
            "\(capacity.reservedVCPUs) vCPU, \(Rendering.bytes(capacity.reservedMemoryBytes))",
            available + Rendering.bytes(capacity.availableMemoryBytes), "\(capacity.kinvmGuests)",
        ]
        if wide {
            var limits: [String] = []
            if let vcpus = capacity.limitVCPUs { limits.append("\(vcpus) vCPU") }
            if let memory = capacity.limitMemoryBytes { limits.append(Rendering.bytes(memory)) }
            row += [limits.isEmpty ? "-" : limits.joined(separator: ", "), report.clusters.isEmpty ? "-" : report.clusters.joined(separator: ","), report.uri]
        }
        return row
    }
}
