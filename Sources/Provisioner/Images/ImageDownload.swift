import Foundation
import KubeClient
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads an image over HTTP or HTTPS into a local file, so that it can be imported like any
/// other (format detection, checksum, upload).
///
/// Uses Foundation's `URLSession`; the bytes are written to the file by the session's delegate
/// queue as they arrive, never on the Swift concurrency pool, and never held whole in memory.
public enum ImageDownload {
    /// Whether `source` is meant as a URL (`http://…`, `https://…`) rather than a file path.
    public static func isURL(_ source: String) -> Bool {
        let lower = source.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Query parameters whose values are credentials (signed URLs, tokens), by name fragment.
    static let secretParameters = ["token", "sig", "secret", "pass", "key", "auth", "cred", "x-amz-", "x-goog-"]

    /// A URL as messages and logs show it: the user name and password (`https://user:PASS@host`)
    /// and the values of credential-like query parameters (`?token=…`, `X-Amz-Signature=…`)
    /// replaced by `REDACTED`.
    public static func displayed(_ text: String) -> String {
        let redacted = ServerURL.redacted(text)
        guard let question = redacted.firstIndex(of: "?") else { return redacted }
        let afterQuery = redacted[redacted.index(after: question)...]
        let end = afterQuery.firstIndex(of: "#") ?? redacted.endIndex
        let pairs = redacted[redacted.index(after: question)..<end].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let lower = name.lowercased()
            guard pair.contains("="), secretParameters.contains(where: { lower.contains($0) }) else { return String(pair) }
            return name + "=REDACTED"
        }
        return String(redacted[...question]) + pairs.joined(separator: "&") + String(redacted[end...])
    }

    /// Parses an http or https URL with a host.
    /// - Throws: `.invalidArgument` naming the URL and what is wrong with it.
    public static func url(_ source: String) throws(ProvisionerError) -> URL {
        guard let url = URL(string: source), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw ProvisionerError(.invalidArgument, "'\(displayed(source))' is not an http or https URL with a host")
        }
        return url
    }

    /// The volume name a URL gives by default: its last path component, without the query.
    /// Empty when the path has none (`http://host/`).
    public static func defaultVolumeName(for url: URL) -> String {
        let last = url.lastPathComponent
        return last == "/" ? "" : last
    }

    /// Runs `body` with a new private directory in `$TMPDIR`, removed afterwards whatever happens.
    static func withTemporaryDirectory<T>(_ body: (String) async throws(ProvisionerError) -> T)
        async throws(ProvisionerError) -> T
    {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kinvm-download-\(UUID().uuidString.prefix(8).lowercased())").path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ProvisionerError(.fileUnreadable, "cannot create a temporary directory for the download in \(directory): \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    /// Downloads `url` into a new file at `destination`.
    ///
    /// Only a 2xx answer is accepted; a body shorter than the Content-Length the server announced
    /// is an error. Cancelling the calling task cancels the transfer.
    /// - Parameters:
    ///   - idleTimeout: how long to wait for the server to answer or send more bytes.
    ///   - progress: called on the session's queue with the bytes received so far and the total
    ///     (nil when the server sent no Content-Length).
    /// - Returns: the number of bytes written.
    /// - Throws: `.fileUnreadable` naming the URL and the HTTP status or network error,
    ///   `.timeout`, or `.cancelled`. The partial file is left for the caller to remove.
    @discardableResult
    static func download(
        _ url: URL, to destination: String, idleTimeout: Duration = .seconds(60),
        progress: @escaping @Sendable (_ received: UInt64, _ total: UInt64?) -> Void = { _, _ in }
    ) async throws(ProvisionerError) -> UInt64 {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
            let handle = FileHandle(forWritingAtPath: destination)
        else {
            throw ProvisionerError(.fileUnreadable, "cannot create '\(destination)' to download '\(displayed(url.absoluteString))' into")
        }
        let delegate = DownloadDelegate(url: url, handle: handle, idleTimeout: idleTimeout, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(idleTimeout.components.seconds)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: url)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                delegate.start(task, continuation: continuation)
            }
        } onCancel: {
            delegate.cancel(task)
        }
        return try result.get()
    }
}

/// Receives one download's events on the session's queue and resumes the waiting task once.
private final class DownloadDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<UInt64, ProvisionerError>, Never>?
        var cancelled = false
        /// The first failure seen (a bad status, a write error); wins over the session's own error.
        var failure: ProvisionerError?
        var received: UInt64 = 0
        var expected: UInt64?
        var handle: FileHandle?
    }

    private let url: URL
    private let idleTimeout: Duration
    private let progress: @Sendable (UInt64, UInt64?) -> Void
    private let state: Mutex<State>

    init(url: URL, handle: FileHandle, idleTimeout: Duration, progress: @escaping @Sendable (UInt64, UInt64?) -> Void) {
        self.url = url
        self.idleTimeout = idleTimeout
        self.progress = progress
        self.state = Mutex(State(handle: handle))
    }

    private var source: String { ImageDownload.displayed(url.absoluteString) }

    func start(_ task: URLSessionDataTask, continuation: CheckedContinuation<Result<UInt64, ProvisionerError>, Never>) {
        let alreadyCancelled = state.withLock { state in
            state.continuation = continuation
            return state.cancelled
        }
        if alreadyCancelled {
            finish(with: .failure(cancelledError()))
        } else {
            task.resume()
        }
    }

    func cancel(_ task: URLSessionDataTask) {
        state.withLock { $0.cancelled = true }
        task.cancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            let reason = HTTPURLResponse.localizedString(forStatusCode: http.statusCode).lowercased()
            record(ProvisionerError(
                .fileUnreadable,
                "cannot download '\(source)': the server answered \(http.statusCode) (\(reason))"))
            completionHandler(.cancel)
            return
        }
        // A compressed body's length says nothing about the bytes we will be handed.
        let encoded = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Encoding")
            .map { $0.lowercased() != "identity" } ?? false
        let length = response.expectedContentLength
        state.withLock { $0.expected = length >= 0 && !encoded ? UInt64(length) : nil }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let written: (UInt64, UInt64?)? = state.withLock { state in
            guard state.failure == nil, let handle = state.handle else { return nil }
            do {
                try handle.write(contentsOf: data)
            } catch {
                state.failure = ProvisionerError(
                    .fileUnreadable, "cannot write the download of '\(source)' to a temporary file: \(error)")
                return nil
            }
            state.received += UInt64(data.count)
            return (state.received, state.expected)
        }
        if let written {
            progress(written.0, written.1)
        } else {
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let outcome: Result<UInt64, ProvisionerError> = state.withLock { state in
            try? state.handle?.close()
            state.handle = nil
            if let failure = state.failure { return .failure(failure) }
            if state.cancelled { return .failure(cancelledError()) }
            let got = "got \(state.received)" + (state.expected.map { " of \($0)" } ?? "") + " bytes"
            if let error {
                let code = (error as NSError).code
                if code == NSURLErrorTimedOut {
                    return .failure(ProvisionerError(
                        .timeout, "cannot download '\(source)': no answer or data from the server for \(idleTimeout) (\(got))"))
                }
                if let expected = state.expected, state.received < expected {
                    return .failure(shortError(state.received, expected))
                }
                return .failure(ProvisionerError(
                    .fileUnreadable, "cannot download '\(source)': \(error.localizedDescription) (\(got))"))
            }
            if let expected = state.expected, state.received < expected {
                return .failure(shortError(state.received, expected))
            }
            return .success(state.received)
        }
        finish(with: outcome)
    }

    private func record(_ failure: ProvisionerError) {
        state.withLock { state in
            if state.failure == nil { state.failure = failure }
        }
    }

    private func finish(with outcome: Result<UInt64, ProvisionerError>) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    private func cancelledError() -> ProvisionerError {
        ProvisionerError(.cancelled, "the download of '\(source)' was cancelled")
    }

    private func shortError(_ received: UInt64, _ expected: UInt64) -> ProvisionerError {
        ProvisionerError(
            .fileUnreadable,
            "cannot download '\(source)': the connection ended after \(received) of \(expected) bytes")
    }
}
