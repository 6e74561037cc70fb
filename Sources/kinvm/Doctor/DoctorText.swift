/// The human-readable form of `kinvm doctor`.
enum DoctorText {
    static func render(_ report: HostReport) -> String {
        var lines: [String] = []
        lines.append("Host        \(report.hostname)  (\(report.canonicalURI))")
        lines.append("libvirt     client \(report.clientLibvirtVersion), daemon \(report.daemonLibvirtVersion)")
        lines.append("Hypervisor  \(report.hypervisor) \(report.hypervisorVersion)")
        lines.append(
            "Resources   \(report.host.cpus) CPUs (\(report.host.cpuModel)), "
                + "\(Rendering.bytes(report.host.memoryBytes)) memory, \(Rendering.bytes(report.host.freeMemoryBytes)) free")
        lines.append("")
        lines.append(Rendering.table(
            ["VIRT TYPE", "LISTED", "BOOTS", "SECONDS", "DETAIL"],
            report.virtTypes.map { result in
                [
                    result.type, result.advertised ? "yes" : "no",
                    result.boots.map { $0 ? "yes" : "no" } ?? "-",
                    result.bootSeconds.map { String($0) } ?? "-", result.detail,
                ]
            }))
        lines.append("")
        lines.append(section("Storage pools", report.pools.isEmpty ? nil : Rendering.table(
            ["NAME", "ACTIVE", "CAPACITY", "AVAILABLE"],
            report.pools.map { [$0.name, $0.active ? "yes" : "no", Rendering.bytes($0.capacityBytes), Rendering.bytes($0.availableBytes)] })))
        lines.append(section("Schemas", report.schemas.isEmpty ? nil : Rendering.table(
            ["NAME", "STATUS", "PATH"],
            report.schemas.map { schema in
                [schema.name, schema.path == nil ? "missing" : schema.error == nil ? "ok" : "broken",
                 schema.path ?? "looked in \(schema.searched.joined(separator: ", "))"]
            })))
        lines.append(templateSection(report.templates))
        lines.append(section("Tools", report.tools.isEmpty ? nil : Rendering.table(
            ["TOOL", "STATUS", "PATH"], report.tools.map { [$0.name, $0.status.rawValue, $0.path ?? "-"] })))
        lines.append(section("Networks", report.networks.isEmpty ? nil : Rendering.table(
            ["NAME", "ACTIVE", "BRIDGE"],
            report.networks.map { [$0.name, $0.active ? "yes" : "no", $0.bridge ?? "-"] })))
        lines.append(section("Domains", report.domains.isEmpty ? nil : Rendering.table(
            ["NAME", "STATE", "VCPUS", "MEMORY"],
            report.domains.map { [$0.name, $0.state, String($0.vcpus), Rendering.bytes($0.memoryBytes)] })))
        if let verdict = Diagnosis.verdict(of: report) {
            lines.append(verdict)
        } else {
            lines.append("Problems to fix:")
            lines.append(contentsOf: report.problems.map { "  - \($0)" })
        }
        if !report.notes.isEmpty {
            lines.append("Notes:")
            lines.append(contentsOf: report.notes.map { "  - \($0)" })
        }
        return lines.joined(separator: "\n")
    }

    private static func templateSection(_ templates: HostReport.Templates) -> String {
        guard let directory = templates.directory else { return section("Templates", "not found") }
        var rows = templates.valid.map { [$0, "valid", "-"] }
        rows += templates.invalid.map { [$0.template, "invalid", $0.error] }
        rows.sort { $0[0] < $1[0] }
        let table = rows.isEmpty ? "(none)" : Rendering.table(["TEMPLATE", "STATUS", "ERROR"], rows)
        return section("Templates (\(directory))", table)
    }

    private static func section(_ title: String, _ body: String?) -> String {
        "\(title):\n" + (body.map { $0.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n") } ?? "  (none)") + "\n"
    }
}
