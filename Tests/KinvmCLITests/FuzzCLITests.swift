import Foundation
import KinvmTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Random and mutated command lines through the real binary: every subcommand and every option
/// it lists in its help, given values users should not give, with mutated cluster specs, hosts
/// files and cloud-init files. Every run must end with exit status 0, 1 or 64 (never a signal),
/// with bounded output. Only libvirt's in-memory test driver (`test:///default`) is ever
/// connected; files go to a temporary directory (HOME and KUBECONFIG too).
///
/// Seed and budget: `KINVM_FUZZ_SEED`, `KINVM_FUZZ_CASES` (CI: the fixed defaults).
@Suite("Fuzzed command lines through the real binary")
struct FuzzCLITests {
    static let environment = ProcessInfo.processInfo.environment

    /// Options never fuzzed: where kinvm connects (always the test driver) and files it writes.
    static let fixedOptions: Set<String> = ["--connect", "-c", "--hosts", "--dir", "--help", "-h", "--version"]
    /// Commands that wait on guests for long by default get a short wait (appended last, so it wins).
    static let quickWaits: [String: [String]] = [
        "cluster create": ["--wait", "2s"], "cluster apply": ["--wait", "2s"], "cluster scale": ["--wait", "2s"],
        "node add": ["--wait", "2s"], "vm create": ["--timeout", "2s"], "vm start": ["--timeout", "2s"],
    ]

    /// Leaf commands (`vm create`, `gc`, …) with the options their help lists, and whether
    /// they take `-c`.
    static func commands() throws -> [(path: [String], options: [String], connects: Bool)] {
        func section(_ text: String, _ title: String) -> [String] {
            guard let start = text.range(of: title + ":\n") else { return [] }
            let rest = text[start.upperBound...]
            let end = rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex
            // "  name   abstract" lines; wrapped abstracts are indented further.
            return rest[..<end].split(separator: "\n").compactMap { line in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                let name = line.dropFirst(2).prefix { $0 != " " }
                return name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil ? String(name) : nil
            }
        }
        var leaves: [(path: [String], options: [String], connects: Bool)] = []
        var pending: [[String]] = [[]]
        while let path = pending.popLast(), path.count <= 3 {
            let text = try CLIRunner.run(path + ["--help"]).stdout
            let subcommands = section(text, "SUBCOMMANDS").filter { $0 != "help" && !$0.hasPrefix("-") }
            guard subcommands.isEmpty else {
                pending += subcommands.map { path + [$0] }
                continue
            }
            let tokens = text.split(whereSeparator: { " \n,[]()".contains($0) }).map(String.init)
            let options = Set(tokens.filter { $0.range(of: "^--?[A-Za-z][A-Za-z0-9-]*$", options: .regularExpression) != nil })
            leaves.append((path, options.subtracting(fixedOptions).sorted(), options.contains("--connect")))
        }
        return leaves.filter { !$0.path.isEmpty }.sorted { $0.path.joined(separator: " ") < $1.path.joined(separator: " ") }
    }

    @Test("random and mutated arguments never crash kinvm; exit 0, 1 or 64 with bounded output")
    func fuzzArguments() throws {
        let (seed, cases) = FuzzRandom.settings(environment: Self.environment, cases: 250)
        var random = FuzzRandom(seed: seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let commands = try Self.commands()
        #expect(commands.count >= 25, "\(commands.map { $0.path.joined(separator: " ") })")
        let repository = CLIRunner.repository
        let specs = try ["k3s.yaml", "kubeadm.yaml", "k3s-airgap.yaml"].map {
            try String(contentsOfFile: "\(repository)/examples/\($0)", encoding: .utf8)
        }
        let userData = "#cloud-config\nusers:\n  - name: dev\n    groups: [sudo]\npackages: [curl]\nruncmd:\n  - [echo, hi]\n"
        let hosts = "hosts:\n  - {name: h1, uri: \"test:///default\"}\n  - {name: h2, uri: \"qemu+unix:///system?socket=/nonexistent/kinvm-fuzz\"}\n"
        let environment = [
            "HOME": directory + "/home", "KUBECONFIG": directory + "/kubeconfig", "KINVM_CONNECT": "test:///default",
            "LIBVIRT_DEFAULT_URI": "test:///default", "KINVM_HOSTS": "",
        ]
        var statuses: [Int32: Int] = [:]
        var timedOut: [String] = []
        for index in 0..<cases {
            let command = commands.randomElement(using: &random)!
            let name = command.path.joined(separator: " ")
            var arguments = command.path
            // Files the command may read, fresh for each case.
            let file = "\(directory)/case-\(index)"
            let text: String
            switch Int.random(in: 0..<4, using: &random) {
            case 0: text = FuzzValues.mutate(userData, &random)
            case 1: text = FuzzValues.mutate(hosts, &random)
            default: text = FuzzValues.mutate(specs.randomElement(using: &random)!, &random)
            }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                arguments.append(Bool.random(using: &random) ? FuzzValues.value(&random) : file)
            }
            for _ in 0..<Int.random(in: 0...5, using: &random) where !command.options.isEmpty {
                arguments.append(command.options.randomElement(using: &random)!)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: arguments.append(file)
                case 1: break
                default: arguments.append(FuzzValues.value(&random))
                }
            }
            if command.options.contains("--dry-run"), Int.random(in: 0..<5, using: &random) > 0 { arguments.append("--dry-run") }
            if command.path.first == "doctor" { arguments.append("--no-boot-probe") }
            arguments += Self.quickWaits[name] ?? []
            if command.connects { arguments += ["-c", "test:///default"] }
            let result = try CLIRunner.run(arguments, environment: environment, timeout: 20)
            let shown = "seed \(seed) case \(index): kinvm \(arguments.map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 })"
            if result.timedOut {
                timedOut.append(shown)
                continue
            }
            statuses[result.status, default: 0] += 1
            #expect([0, 1, 64].contains(result.status) && !result.signalled, "\(shown) ended with \(result.signalled ? "signal" : "status") \(result.status)\n\(result.stderr.prefix(2000))")
            #expect(result.stderr.utf8.count < 64 << 10, "\(shown): \(result.stderr.utf8.count) bytes on stderr")
            #expect(!result.stderr.contains(String(repeating: "x", count: 1000)), "\(shown): a huge value was echoed")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(shown)\n\(result.stderr.prefix(2000))")
        }
        // A few runs may wait out a guest that never boots (the test driver runs none): never most.
        #expect(timedOut.count <= cases / 20, "\(timedOut.count) runs timed out:\n\(timedOut.prefix(10).joined(separator: "\n"))")
        #expect((statuses[64] ?? 0) > 0 && (statuses[1] ?? 0) > 0, "\(statuses)")
    }
}
