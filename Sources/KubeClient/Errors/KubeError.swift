import Foundation

/// Why a Kubernetes operation failed: the kind of failure (``code``), what was being done
/// (``context``), and, for errors from the API server, the HTTP status and the decoded `Status` body.
///
/// ``description`` reads like kubectl's messages:
/// `Error from server (NotFound): nodes "w1" not found (GET /api/v1/nodes/w1 on https://127.0.0.1:6443)`.
public struct KubeError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct wrapping a private enum, so adding a kind breaks no `switch`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case config, transport, tls, unauthorized, forbidden, notFound, conflict, alreadyExists, invalid
            case badRequest, tooManyRequests, gone, server, decoding, timeout, unsupported, cancelled, insecure
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The kubeconfig is missing, unreadable, does not parse, or lacks what was asked for.
        public static let config = Code(.config)
        /// The server could not be reached (connection refused, reset, DNS).
        public static let transport = Code(.transport)
        /// The TLS handshake failed, e.g. the server's certificate is not signed by the kubeconfig's CA.
        public static let tls = Code(.tls)
        /// HTTP 401: the server rejected the credentials.
        public static let unauthorized = Code(.unauthorized)
        /// HTTP 403: the user may not do this.
        public static let forbidden = Code(.forbidden)
        /// HTTP 404.
        public static let notFound = Code(.notFound)
        /// HTTP 409 other than AlreadyExists: a stale resourceVersion.
        public static let conflict = Code(.conflict)
        /// HTTP 409 with reason AlreadyExists.
        public static let alreadyExists = Code(.alreadyExists)
        /// HTTP 422: the object was refused by validation.
        public static let invalid = Code(.invalid)
        /// HTTP 400.
        public static let badRequest = Code(.badRequest)
        /// HTTP 429, e.g. an eviction blocked by a PodDisruptionBudget.
        public static let tooManyRequests = Code(.tooManyRequests)
        /// HTTP 410 or a watch ERROR event with code 410: the resourceVersion is too old; list again.
        public static let gone = Code(.gone)
        /// HTTP 5xx or another status kinvm does not expect.
        public static let server = Code(.server)
        /// The response body could not be decoded.
        public static let decoding = Code(.decoding)
        /// A request or a wait ran out of time (the message says what was awaited and what was seen).
        public static let timeout = Code(.timeout)
        /// The kubeconfig asks for something kinvm does not support (exec plugins, auth providers).
        public static let unsupported = Code(.unsupported)
        /// The task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The kubeconfig asks for a connection that does not verify the server (`http://`,
        /// `insecure-skip-tls-verify`) and the caller did not allow it.
        public static let insecure = Code(.insecure)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// The HTTP status of the response, when there was one.
    public var httpStatus: Int?
    /// The API's `Status` body, when the server sent one.
    public var status: Status?
    /// What was being done, e.g. `GET /api/v1/nodes/w1 on https://127.0.0.1:6443`, or the kubeconfig's path.
    public var context: String
    /// What went wrong, without the context: the Status message for server errors.
    public var message: String

    public init(code: Code, message: String, context: String, httpStatus: Int? = nil, status: Status? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.httpStatus = httpStatus
        self.status = status
    }

    /// kubectl's form for server errors (`Error from server (Reason): message`), with the Status causes
    /// that the message does not already say and the context in parentheses; `context: message` otherwise.
    public var description: String {
        guard let httpStatus else {
            return context.isEmpty ? message : "\(context): \(message)"
        }
        var text = "Error from server"
        if let reason = status?.reason, !reason.isEmpty {
            text += " (\(reason))"
        } else if status == nil {
            text += " (HTTP \(httpStatus))"
        }
        text += ": " + message
        let causes = (status?.details?.causes ?? []).compactMap(\.message).filter { !message.contains($0) }
        if !causes.isEmpty {
            text += ": " + causes.joined(separator: "; ")
        }
        if !context.isEmpty {
            text += " (\(context))"
        }
        return text
    }
}

extension KubeError {
    static func config(_ message: String, file: String) -> KubeError {
        KubeError(code: .config, message: message, context: file)
    }

    /// The error for an HTTP response that is not a success: its code from the status (and the Status
    /// reason for 409), its message from the Status body, else from the raw body.
    static func fromResponse(httpStatus: Int, body: [UInt8], context: String) -> KubeError {
        let status = Status.decodeIfStatus(body)
        let message: String
        if let text = status?.message, !text.isEmpty {
            message = text
        } else {
            let raw = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = raw.isEmpty ? "the server answered HTTP \(httpStatus) without a body" : raw
        }
        return KubeError(
            code: code(forHTTPStatus: httpStatus, reason: status?.reason),
            message: message,
            context: context,
            httpStatus: httpStatus,
            status: status
        )
    }

    static func code(forHTTPStatus httpStatus: Int, reason: String?) -> Code {
        switch httpStatus {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: reason == "AlreadyExists" ? .alreadyExists : .conflict
        case 410: .gone
        case 422: .invalid
        case 429: .tooManyRequests
        case 504: .timeout
        default: .server
        }
    }
}
