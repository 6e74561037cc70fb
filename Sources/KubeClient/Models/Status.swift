import Foundation

/// The API's `Status` object: the body of every error response (and of some deletes).
public struct Status: Codable, Sendable, Hashable {
    public var kind: String?
    public var apiVersion: String?
    /// "Success" or "Failure".
    public var status: String?
    public var message: String?
    /// NotFound, AlreadyExists, Conflict, Invalid, TooManyRequests, Expired, Unauthorized, …
    public var reason: String?
    public var details: StatusDetails?
    public var code: Int?

    public init(status: String? = nil, message: String? = nil, reason: String? = nil, details: StatusDetails? = nil, code: Int? = nil) {
        self.kind = "Status"
        self.apiVersion = "v1"
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    /// The body decoded as a Status when it is one (`kind: Status`), else nil.
    static func decodeIfStatus(_ body: [UInt8]) -> Status? {
        guard let status = try? JSONDecoder().decode(Status.self, from: Data(body)), status.kind == "Status" else {
            return nil
        }
        return status
    }
}

public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?

    public init(name: String? = nil, group: String? = nil, kind: String? = nil, causes: [StatusCause]? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
    }
}

public struct StatusCause: Codable, Sendable, Hashable {
    /// e.g. "DisruptionBudget", "FieldValueInvalid".
    public var reason: String?
    public var message: String?
    public var field: String?

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
