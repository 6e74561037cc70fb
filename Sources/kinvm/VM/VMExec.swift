import ArgumentParser
import Foundation
import Provisioner

struct VMExec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in a guest through the QEMU guest agent (no network or SSH needed).",
        discussion: """
            Usage: kinvm vm exec NAME [--timeout 5m] [-i] -- COMMAND [ARGS...]

            The command's stdout and stderr are written unchanged to kinvm's, and kinvm exits with \
            the command's exit status (128+N when it was killed by signal N), as kubectl exec does. \
            When kinvm itself fails (no such guest, no agent, timeout) it prints "kinvm: …" on \
            stderr and exits 1; bad arguments exit 64. So a status of 1 alone does not tell the two \
            apart: check stderr. The agent keeps at most 16 MiB of output; a warning says when it \
            was cut.
            """)

    @Argument(help: "Guest name.")
    var name: String

    @Option(help: ArgumentHelp("How long the command may run.", valueName: "duration"))
    var timeout = DurationArgument(seconds: 300)

    @Flag(name: [.customShort("i"), .customLong("stdin")], help: "Pass kinvm's stdin to the command.")
    var stdin = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard let program = command.first, !program.isEmpty else {
            throw ValidationError("give the command to run after --, e.g. kinvm vm exec \(name) -- uname -a")
        }
    }

    func run() async throws {
        let input: [UInt8]? = stdin ? Array(FileHandle.standardInput.readDataToEndOfFile()) : nil
        let (name, command, timeout) = (name, command, timeout.duration)
        let result = try await VMCommand.withGuests(connection) { guests in
            try await Interrupts.run(interruptedMessage: "interrupted") {
                try await guests.exec(name, command[0], Array(command.dropFirst()), input: input, timeout: timeout)
            }
        }
        FileHandle.standardOutput.write(Data(result.stdout))
        FileHandle.standardError.write(Data(result.stderr))
        if result.truncated { Terminal.error("the guest agent cut the command's output at 16 MiB") }
        let status = result.signal.map { 128 + $0 } ?? result.exitCode
        if status != 0 { throw ExitCode(Int32(clamping: status)) }
    }
}
