// The Swift side of the binding benchmarks (see Benchmarks/README.md). Prints one JSON line per
// measurement, in the same form as libvirt-c-bench and python_bench.py.
//
//   kinvm-bench cycles [--seconds S | --count C] [--warmup N] [--variant swift|swift-hop]
//   kinvm-bench list HOSTFILE [--repeat R]
//
// Each benchmark runs twice: "swift" runs the loop inside
// `withTaskExecutorPreference(LibvirtExecutor.shared)`, so each call proceeds directly on a libvirt
// thread (the intended way to make many calls in a row); "swift-hop" runs it from an ordinary task,
// so every call hops from Swift's cooperative pool to a libvirt thread and back.
import Foundation
import Libvirt

let domainXML = """
    <domain type='test'><name>bench</name><memory unit='KiB'>131072</memory>\
    <vcpu current='1'>2</vcpu><os><type arch='x86_64'>hvm</type></os></domain>
    """

func cycle(_ connection: Connection) async throws {
    let domain = try await connection.defineDomain(xml: domainXML)
    try await domain.start()
    try await domain.setVCPUs(2, flags: .live)
    try await domain.destroy()
    try await domain.undefine()
}

func measureCycles(_ connection: Connection, seconds: Double, warmup: Int, count: Int) async throws -> (Int, Double) {
    for _ in 0..<warmup { try await cycle(connection) }
    let clock = ContinuousClock()
    let start = clock.now
    if count > 0 {  // exactly that many cycles, for instruction counting under callgrind
        for _ in 0..<count { try await cycle(connection) }
        let elapsed = clock.now - start
        return (count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    let limit = Duration.milliseconds(Int(seconds * 1000))
    var cycles = 0
    while clock.now - start < limit {
        for _ in 0..<50 { try await cycle(connection) }
        cycles += 50
    }
    let elapsed = clock.now - start
    let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (cycles, elapsedSeconds)
}

func listOnce(_ connection: Connection) async throws -> Int {
    let domains = try await connection.allDomains()
    for domain in domains {
        _ = try await domain.info()
        _ = domain.name
        _ = domain.uuid
        _ = try await domain.xml()
    }
    return domains.count
}

func measureList(_ connection: Connection, repeats: Int) async throws -> (Int, Double) {
    var times: [Double] = []
    var count = try await listOnce(connection)  // one untimed pass, as the C and Python benchmarks do
    let clock = ContinuousClock()
    for _ in 0..<repeats {
        let start = clock.now
        count = try await listOnce(connection)
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    times.sort()
    return (count, times[times.count / 2])
}

func json(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "cycles":
        let seconds = option("--seconds", in: arguments).flatMap(Double.init) ?? 3
        let warmup = option("--warmup", in: arguments).flatMap(Int.init) ?? 500
        let count = option("--count", in: arguments).flatMap(Int.init) ?? 0
        let variant = option("--variant", in: arguments)
        let connection = try await Connection.open("test:///default")
        for (impl, pinned) in [("swift", true), ("swift-hop", false)] where variant == nil || variant == impl {
            let (cycles, elapsed) =
                pinned
                ? try await withTaskExecutorPreference(connection.executor) {
                    try await measureCycles(connection, seconds: seconds, warmup: warmup, count: count)
                }
                : try await measureCycles(connection, seconds: seconds, warmup: warmup, count: count)
            print(json([
                ("impl", "\"\(impl)\""), ("benchmark", "\"cycles\""), ("cycles", "\(cycles)"),
                ("seconds", String(format: "%.3f", elapsed)),
                ("cycles_per_second", String(format: "%.1f", Double(cycles) / elapsed)),
            ]))
        }
    case "list":
        guard arguments.count >= 2 else { throw CocoaError(.fileNoSuchFile) }
        let path = URL(fileURLWithPath: arguments[1]).path
        let repeats = option("--repeat", in: arguments).flatMap(Int.init) ?? 20
        let connection = try await Connection.open("test://\(path)")
        for (impl, pinned) in [("swift", true), ("swift-hop", false)] {
            let (count, median) =
                pinned
                ? try await withTaskExecutorPreference(connection.executor) {
                    try await measureList(connection, repeats: repeats)
                }
                : try await measureList(connection, repeats: repeats)
            print(json([
                ("impl", "\"\(impl)\""), ("benchmark", "\"list\""), ("domains", "\(count)"),
                ("median_ms", String(format: "%.3f", median)),
            ]))
        }
    default:
        FileHandle.standardError.write(Data("usage: kinvm-bench cycles [--seconds S | --count C] [--warmup N] [--variant V] | list HOSTFILE [--repeat R]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("kinvm-bench: \(error)\n".utf8))
    exit(1)
}
