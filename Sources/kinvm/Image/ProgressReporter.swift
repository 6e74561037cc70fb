import Foundation
import Provisioner
import Synchronization

/// Draws an import's progress on stderr: a redrawn bar with percent and MiB/s on a terminal,
/// otherwise one line per 10%. A download of unknown length shows the bytes so far instead (a line
/// per 64 MiB when not on a terminal). Called from any thread.
final class ProgressReporter: Sendable {
    private struct State {
        var phase: ImportProgress.Phase?
        var started = ContinuousClock.now
        var lastDraw: ContinuousClock.Instant?
        var lastDecile = -1
        var drawing = false
    }

    private let interactive: Bool
    private let state = Mutex(State())

    init(interactive: Bool) { self.interactive = interactive }

    func report(_ progress: ImportProgress) {
        let line: String? = state.withLock { state in
            let now = ContinuousClock.now
            var prefix = ""
            if state.phase != progress.phase {
                if state.drawing { prefix = "\n" }
                state = State(phase: progress.phase, started: now)
            }
            let percent = Int(progress.fraction * 100)
            if interactive {
                let done = progress.totalKnown && progress.bytesDone == progress.totalBytes
                if let last = state.lastDraw, now - last < .milliseconds(100), !done { return nil }
                state.lastDraw = now
                state.drawing = true
                return prefix + "\r" + Self.bar(progress, percent: percent, since: state.started, now: now)
            }
            guard progress.totalKnown else {
                let step = Int(progress.bytesDone / Self.unknownStep)
                guard step > state.lastDecile else { return nil }
                state.lastDecile = step
                return "\(Self.label(progress.phase)): \(Self.mib(progress.bytesDone)) so far\n"
            }
            let decile = percent / 10
            guard decile > state.lastDecile else { return nil }
            state.lastDecile = decile
            return "\(Self.label(progress.phase)): \(percent)% (\(Self.mib(progress.bytesDone)) of \(Self.mib(progress.totalBytes)))\n"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends a bar that is being drawn with a newline.
    func finish() {
        let drawing = state.withLock { state in
            defer { state.drawing = false }
            return state.drawing
        }
        if drawing { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Without a known total, a line is printed each time this many more bytes have arrived.
    static let unknownStep: UInt64 = 64 << 20

    private static func bar(_ progress: ImportProgress, percent: Int, since start: ContinuousClock.Instant, now: ContinuousClock.Instant) -> String {
        let width = 30
        let filled = min(width, Int(progress.fraction * Double(width)))
        let elapsed = (now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.bytesDone) / 1_048_576 / seconds : 0
        let speed = String(format: "%.1f MiB/s", rate)
        guard progress.totalKnown else { return "\(label(progress.phase)) \(mib(progress.bytesDone))  \(speed)  " }
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percentText = String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)%"
        return "\(label(progress.phase)) [\(bar)] \(percentText)  \(mib(progress.bytesDone)) / \(mib(progress.totalBytes))  "
            + speed
    }

    private static func label(_ phase: ImportProgress.Phase) -> String {
        switch phase {
        case .downloading: "downloading"
        case .verifying: "verifying"
        case .uploading: "uploading"
        }
    }

    private static func mib(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}
