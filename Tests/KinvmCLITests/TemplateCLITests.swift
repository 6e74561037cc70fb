import Foundation
import Testing

@Suite("kinvm template (real binary)")
struct TemplateCLITests {
    /// A HOME without user templates, so only the shipped ones are found.
    static let environment = ["HOME": FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-cli-home").path]

    static func run(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["template"] + arguments, environment: environment)
    }

    static let renderArguments = [
        "render", "k8s-node", "--name", "worker-1", "--uuid", "4b2f6f1c-7f2e-4a53-9c1a-0e6f2d1b9a10", "--virt-type", "qemu",
        "--vcpus", "2", "--max-vcpus", "8", "--memory", "2GiB", "--max-memory", "8G", "--disk", "kinvm/worker-1.qcow2",
        "--seed", "kinvm/worker-1-seed.iso", "--nic", "lab,mac=52:54:00:00:00:21", "--cluster", "lab", "--role", "worker",
        "--ttl", "2h", "--created", "2026-11-29T05:00:00Z",
    ]

    @Test("list shows the shipped templates, as a table and as JSON")
    func list() throws {
        let table = try Self.run(["list"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("KIND"))
        for name in ["k8s-node", "minimal", "nat", "isolated", "dir"] { #expect(table.stdout.contains(name)) }
        let json = try Self.run(["list", "-o", "json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.contains { $0["name"] as? String == "k8s-node" && $0["origin"] as? String == "shipped" })
    }

    @Test("show prints the template exactly as on disk; an unknown name lists the known ones")
    func show() throws {
        let result = try Self.run(["show", "k8s-node"])
        #expect(result.status == 0)
        let onDisk = try String(contentsOfFile: CLIRunner.repository + "/Templates/domains/k8s-node.xml", encoding: .utf8)
        #expect(result.stdout == onDisk)
        let unknown = try Self.run(["show", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no domain template named 'nope' (known: k8s-node, minimal"))
    }

    @Test("render prints validated XML with the spec applied; -o yaml prints the spec read back")
    func render() throws {
        let result = try Self.run(Self.renderArguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("<name>worker-1</name>"))
        #expect(result.stdout.contains("<vcpu placement=\"static\" current=\"2\">8</vcpu>"))
        #expect(result.stdout.contains("<memory unit=\"KiB\">8388608</memory>"))
        #expect(result.stdout.contains("<mac address=\"52:54:00:00:00:21\"/>"))
        #expect(result.stdout.contains("ttl=\"7200\""))
        let yaml = try Self.run(Self.renderArguments + ["-o", "yaml"])
        #expect(yaml.status == 0)
        #expect(yaml.stdout.contains("maxMemory: 8GiB"))
        #expect(yaml.stdout.contains("name: worker-1"))
    }

    @Test("impossible or malformed sizes exit 64 with a clear message", arguments: [
        (["--memory", "2gigs"], "2gigs"),
        (["--memory", "4GiB", "--max-memory", "2GiB"], "max-memory '2GiB': below --memory 4GiB"),
        (["--vcpus", "0"], "vcpus '0': a guest needs at least 1 vCPU"),
        (["--vcpus", "4", "--max-vcpus", "2"], "max-vcpus '2': below --vcpus 4"),
        (["--name", "Bad<Name>"], "name 'Bad<Name>'"),
    ])
    func badInput(overrides: [String], message: String) throws {
        var arguments = ["render", "k8s-node", "--name", "w", "--vcpus", "1", "--memory", "1GiB"]
        for index in stride(from: 0, to: overrides.count, by: 2) {
            if let position = arguments.firstIndex(of: overrides[index]) {
                arguments[position + 1] = overrides[index + 1]
            } else {
                arguments += [overrides[index], overrides[index + 1]]
            }
        }
        let result = try Self.run(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("validate: shipped files pass; malformed and schema-invalid files fail with line and element")
    func validate() throws {
        let ok = try Self.run(["validate", CLIRunner.repository + "/Templates/domains/k8s-node.xml", CLIRunner.repository + "/Templates/networks/nat.xml"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("k8s-node.xml: valid domain"))
        #expect(ok.stdout.contains("nat.xml: valid network"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "<domain type='kvm'>\n  <name>x\n</domain>\n".write(toFile: "\(directory)/broken.xml", atomically: true, encoding: .utf8)
        try "<domain type='kvm'><name>x</name><memory>1</memory><vcpu>lots</vcpu><os><type>hvm</type></os><devices/></domain>"
            .write(toFile: "\(directory)/schema.xml", atomically: true, encoding: .utf8)
        let broken = try Self.run(["validate", "\(directory)/broken.xml"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("broken.xml:3:"), "\(broken.stderr)")
        let schema = try Self.run(["validate", "\(directory)/schema.xml"])
        #expect(schema.status == 1)
        #expect(schema.stderr.contains("does not match libvirt's schema"), "\(schema.stderr)")
    }

    @Test("a template without <devices> cannot be rendered")
    func noDevices() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: "\(directory)/domains", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>"
            .write(toFile: "\(directory)/domains/bare.xml", atomically: true, encoding: .utf8)
        let result = try Self.run(["render", "bare", "--template-dir", directory, "--name", "w", "--vcpus", "1", "--memory", "1GiB"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("needs a <devices> element"))
    }
}
