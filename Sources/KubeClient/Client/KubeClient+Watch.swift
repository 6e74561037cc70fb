import AsyncHTTPClient
import Foundation
import NIOCore

extension KubeClient {
    /// Watches Nodes from `resourceVersion` (nil: the server sends the current ones as ADDED first).
    /// The stream ends when the server closes the watch (e.g. after `timeoutSeconds`); it throws
    /// ``KubeError/Code/gone`` when the resourceVersion is too old (list again), and other KubeErrors
    /// for failed requests. Stopping iteration cancels the request.
    public func watchNodes(
        resourceVersion: String?, fieldSelector: String? = nil, labelSelector: String? = nil, timeoutSeconds: Int? = nil
    ) -> AsyncThrowingStream<WatchEvent<Node>, any Error> {
        var query = Self.selectors(label: labelSelector, field: fieldSelector)
        query.insert(("watch", "1"), at: 0)
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        return watch(Node.self, path: "/api/v1/nodes", query: query)
    }

    func watch<T: Decodable & Sendable>(_ type: T.Type, path: String, query: [(String, String)]) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent<T>.self)
        let task = Task {
            do throws(KubeError) {
                try await self.runWatch(T.self, path: path, query: query) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch<T: Decodable & Sendable>(
        _ type: T.Type, path: String, query: [(String, String)], emit: (WatchEvent<T>) -> Void
    ) async throws(KubeError) {
        let context = describe("GET", path, query)
        let request = makeRequest(method: "GET", path: path, query: query, body: nil, contentType: "application/json")
        do {
            let response = try await streaming.execute(request, timeout: timeout.timeAmount, logger: logger)
            guard (200..<300).contains(Int(response.status.code)) else {
                let body = try await response.body.collect(upTo: 1 << 20)
                throw KubeError.fromResponse(httpStatus: Int(response.status.code), body: Array(body.readableBytesView), context: context)
            }
            var splitter = LineSplitter()
            for try await chunk in response.body {
                for line in splitter.append(chunk.readableBytesView) {
                    emit(try WatchDecoding.event(T.self, line: line, context: context))
                }
            }
            if let line = splitter.finish() {
                emit(try WatchDecoding.event(T.self, line: line, context: context))
            }
        } catch {
            throw TLSSettings.classify(error, context: context, access: access, timeout: timeout)
        }
    }
}

/// Splits a byte stream into lines (`\n`, with an optional `\r` before it); blank lines are dropped.
struct LineSplitter {
    private var pending: [UInt8] = []

    /// The lines completed by `bytes`.
    mutating func append(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    /// The last line when the stream ended without a newline.
    mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        let trimmed = pending.filter { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: " ") }
        return trimmed.isEmpty ? nil : pending
    }
}

/// One watch line (`{"type": "...", "object": {...}}`) as an event, or an ERROR event as a KubeError.
enum WatchDecoding {
    private struct Header: Decodable { var type: String }
    private struct Body<T: Decodable>: Decodable { var object: T }

    static func event<T: Decodable>(_ type: T.Type, line: [UInt8], context: String) throws(KubeError) -> WatchEvent<T> {
        let data = Data(line)
        let decoder = JSONDecoder()
        do {
            let header = try decoder.decode(Header.self, from: data)
            if header.type == "ERROR" {
                let status = try decoder.decode(Body<Status>.self, from: data).object
                let code = status.code ?? 500
                var error = KubeError.fromResponse(httpStatus: code, body: Array(try JSONEncoder().encode(status)), context: context)
                if status.reason == "Expired" || status.reason == "Gone" { error.code = .gone }
                throw error
            }
            guard let eventType = WatchEvent<T>.EventType(rawValue: header.type) else {
                throw KubeError(code: .decoding, message: "unknown watch event type \"\(header.type)\"", context: context)
            }
            return WatchEvent(type: eventType, object: try decoder.decode(Body<T>.self, from: data).object)
        } catch let error as KubeError {
            throw error
        } catch {
            let start = String(decoding: line.prefix(200), as: UTF8.self)
            throw KubeError(code: .decoding, message: "cannot read a watch event as \(T.self): \(error) (line starts: \(start))", context: context)
        }
    }
}
