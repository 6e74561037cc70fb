import ArgumentParser
import Provisioner

struct VMConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Print a guest's serial console log (boot messages, cloud-init output).")

    @Argument(help: "Guest name.")
    var name: String

    @Option(help: "Only the last N lines.")
    var tail: Int?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more.") }
    }

    func run() async throws {
        let log = try await VMCommand.withGuests(connection) { guests in try await guests.consoleLog(name) }
        let text = tail.map { Self.lastLines(log, $0) } ?? log
        print(text, terminator: text.isEmpty || text.hasSuffix("\n") ? "" : "\n")
    }

    /// The last `count` lines of `text` (a final newline does not start another line).
    static func lastLines(_ text: String, _ count: Int) -> String {
        guard count > 0 else { return "" }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.suffix(count).joined(separator: "\n") + "\n"
    }
}
