import ArgumentParser
import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM during long work: the first signal cancels the running task, so the
/// library rolls back what it made, and the command exits 130 once that is done; a second signal
/// quits at once, leaving the rollback unfinished.
enum Interrupts {
    /// The exit status of a command ended by a signal, as shells report SIGINT.
    static let exitCode = ExitCode(130)

    /// Runs `operation` in a task that SIGINT/SIGTERM cancel, and returns its result and whether a
    /// signal arrived. Signals are only caught while `operation` runs.
    static func watching<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T
    ) async -> (result: Result<T, any Error>, interrupted: Bool) {
        let state = State()
        let task = Task { try await operation() }
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { state.signalled(cancelling: task) }
            source.resume()
            return source
        }
        let result = await task.result
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        return (result, state.interrupted)
    }

    /// Like ``watching(_:)``, for work that rolls back when cancelled: when interrupted and the work
    /// failed (it was cancelled), prints `kinvm: <message>` and exits 130. Errors pass through.
    static func run<T: Sendable>(
        interruptedMessage: String = "interrupted, rolled back", _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (result, interrupted) = await watching(operation)
        if interrupted, case .failure = result {
            Terminal.error(interruptedMessage)
            throw exitCode
        }
        return try result.get()
    }

    /// Counts the signals of one watch.
    private final class State: Sendable {
        private let count = Mutex(0)

        var interrupted: Bool { count.withLock { $0 > 0 } }

        func signalled(cancelling task: Task<some Sendable, any Error>) {
            let seen = count.withLock { count in
                count += 1
                return count
            }
            if seen == 1 {
                Terminal.error("interrupting: cancelling and rolling back (press Ctrl-C again to quit at once)")
                task.cancel()
            } else {
                Terminal.error("interrupted again: quitting without finishing the rollback")
                exit(Interrupts.exitCode.rawValue)
            }
        }
    }
}
