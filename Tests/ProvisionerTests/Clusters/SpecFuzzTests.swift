import Foundation
import KinvmTestSupport
import Testing

@testable import Provisioner

/// The spec and hosts-file parsers on random mutations of the shipped examples: every input ends
/// in a spec or a ``ClusterSpecError`` with a bounded message, never a crash or a hang.
@Suite("Spec parser fuzzing")
struct SpecFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    @Test("mutated specs and hosts files parse or fail with bounded messages")
    func mutatedSpecs() throws {
        let (seed, cases) = FuzzRandom.settings(environment: ProcessInfo.processInfo.environment, cases: 3000)
        var random = FuzzRandom(seed: seed)
        let examples = try ["k3s.yaml", "kubeadm.yaml", "k3s-airgap.yaml"].map {
            try String(contentsOfFile: "\(Self.repository)/examples/\($0)", encoding: .utf8)
        }
        let hosts = "hosts:\n  - {name: h1, uri: \"qemu+ssh://root@lab1/system\", capacity: {vcpus: 8, memory: 16GiB}}\n"
        let values = [
            "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e309", "0", "-1", "", "~", "null", "[]", "{}",
            "16TiB", "17TiB", "999999999999999999d", "1000000000h", "&a [*a,*a,*a,*a,*a,*a,*a,*a]", "!!binary aGk=", "'\\u0000'",
            "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", String(repeating: "z", count: 20_000), "\"\\uD800\"", "*undefined",
        ]
        var parsed = 0
        for index in 0..<cases {
            var text = index % 5 == 0 ? hosts : examples[index % examples.count]
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for _ in 0..<Int.random(in: 1...4, using: &random) where !lines.isEmpty {
                let line = Int.random(in: 0..<lines.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: lines.remove(at: line)
                case 1: lines.insert(lines[line], at: line)
                case 2:
                    if let colon = lines[line].firstIndex(of: ":") {
                        lines[line] = String(lines[line][...colon]) + " " + values.randomElement(using: &random)!
                    }
                case 3:
                    var bytes = Array(lines[line].utf8)
                    if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...0xff, using: &random) }
                    lines[line] = String(decoding: bytes, as: UTF8.self)
                default:
                    lines[line] = String(repeating: " ", count: Int.random(in: 0...6, using: &random)) + lines[line]
                }
            }
            text = lines.joined(separator: "\n")
            do {
                if index % 5 == 0 {
                    _ = try ClusterHost.parseList(text, file: "hosts.yaml")
                } else {
                    _ = try ClusterSpec.parse(text, file: "spec.yaml", baseDirectory: "/nonexistent/kinvm-fuzz")
                }
                parsed += 1
            } catch {
                let message = error.description
                #expect(!message.isEmpty && message.utf8.count < 16 << 10, "seed \(seed) case \(index): \(message.utf8.count) bytes")
                #expect(!message.contains(String(repeating: "z", count: 200)), "seed \(seed) case \(index): a huge value was echoed")
            }
        }
        #expect(parsed > 0 && parsed < cases, "\(parsed) of \(cases) parsed")
    }
}

