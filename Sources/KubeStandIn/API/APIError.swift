/// An API failure, rendered as a `Status` object with the real API server's reason and message.
struct APIError: Error, Sendable {
    var code: Int
    var reason: String
    var message: String
    var details: JSON?

    func status() -> JSON {
        var status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:],
            "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if let details { status["details"] = details }
        return status
    }
}

/// What an error is about: the resource (group + plural) and the object name.
struct ErrorSubject: Sendable {
    var group: String
    var resource: String
    var kind: String
    var name: String?

    /// `nodes` or `poddisruptionbudgets.policy`, as the real messages print the group resource.
    var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }

    var details: JSON {
        var details: JSON = ["group": .string(group), "kind": .string(resource)]
        if let name { details["name"] = .string(name) }
        return details
    }
}

extension APIError {
    static func notFound(_ subject: ErrorSubject) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(subject.qualifiedResource) \"\(subject.name ?? "")\" not found", details: subject.details)
    }

    static func alreadyExists(_ subject: ErrorSubject) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(subject.qualifiedResource) \"\(subject.name ?? "")\" already exists", details: subject.details)
    }

    static func conflict(_ subject: ErrorSubject) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(subject.qualifiedResource) \"\(subject.name ?? "")\": the object has been modified; please apply your changes to the latest version and try again",
            details: subject.details)
    }

    /// One field failure of a 422 Invalid.
    struct Cause: Sendable {
        var type: String  // FieldValueInvalid, FieldValueRequired, ...
        var field: String
        var message: String  // "Invalid value: \"x\": reason" or "Required value"
    }

    static func invalid(_ subject: ErrorSubject, causes: [Cause]) -> APIError {
        let summary = causes.map { "\($0.field): \($0.message)" }
        let joined = summary.count == 1 ? summary[0] : "[" + summary.joined(separator: ", ") + "]"
        var details = subject.details
        details["kind"] = .string(subject.kind)
        details["causes"] = .array(causes.map { ["reason": .string($0.type), "message": .string($0.message), "field": .string($0.field)] })
        return APIError(code: 422, reason: "Invalid", message: "\(subject.kind) \"\(subject.name ?? "")\" is invalid: \(joined)", details: details)
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func forbidden(user: StandInUser, verb: String, subject: ErrorSubject?, namespace: String?, path: String) -> APIError {
        guard let subject else {
            return APIError(code: 403, reason: "Forbidden", message: "forbidden: User \"\(user.name)\" cannot \(verb) path \"\(path)\"", details: [:])
        }
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        let what = subject.name.map { "\(subject.qualifiedResource) \"\($0)\"" } ?? subject.qualifiedResource
        return APIError(
            code: 403, reason: "Forbidden",
            message: "\(what) is forbidden: User \"\(user.name)\" cannot \(verb) resource \"\(subject.resource)\" in API group \"\(subject.group)\" \(scope)",
            details: subject.details)
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func methodNotAllowed() -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \(contentType))")
    }

    static func pathNotFound() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: [:])
    }

    static func gone(requested: Int, oldest: Int) -> APIError {
        APIError(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
    }

    static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)", details: ["causes": [["message": .string(message)]]])
    }
}
