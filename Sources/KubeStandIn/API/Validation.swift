import Foundation

/// Create/update checks: object names, required fields, and the bootstrap token Secret format.
enum Validation {
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    static func isDNS1123Label(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63, let first = text.first, let last = text.last else { return false }
        return text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" } && first != "-" && last != "-"
    }

    static func isDNS1123Subdomain(_ text: String) -> Bool {
        text.count <= 253 && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNS1123Label(String($0)) }
    }

    /// The 422 causes for `object` about to be stored as `type` (empty: valid).
    static func causes(_ object: JSON, type: ResourceType) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        if name.isEmpty {
            causes.append(.init(type: "FieldValueRequired", field: "metadata.name", message: "Required value: name or generateName is required"))
        } else if type == .namespaces, !isDNS1123Label(name) {
            causes.append(.init(type: "FieldValueInvalid", field: "metadata.name", message: "Invalid value: \"\(name)\": \(dns1123LabelMessage)"))
        } else if type != .namespaces, !isDNS1123Subdomain(name) {
            causes.append(.init(type: "FieldValueInvalid", field: "metadata.name", message: "Invalid value: \"\(name)\": \(dns1123SubdomainMessage)"))
        }
        switch type {
        case .pods:
            if (object[path: ["spec", "containers"]]?.array ?? []).isEmpty {
                causes.append(.init(type: "FieldValueRequired", field: "spec.containers", message: "Required value"))
            }
        case .secrets:
            causes += BootstrapTokenSecret.validationCauses(object)
        case .podDisruptionBudgets:
            if object[path: ["spec", "minAvailable"]] != nil, object[path: ["spec", "maxUnavailable"]] != nil {
                causes.append(.init(type: "FieldValueInvalid", field: "spec", message: "Invalid value: \"\": minAvailable and maxUnavailable cannot be both set"))
            }
        case .certificateSigningRequests:
            if object[path: ["spec", "request"]]?.string?.isEmpty ?? true {
                causes.append(.init(type: "FieldValueRequired", field: "spec.request", message: "Required value"))
            }
            if object[path: ["spec", "signerName"]]?.string?.isEmpty ?? true {
                causes.append(.init(type: "FieldValueRequired", field: "spec.signerName", message: "Required value"))
            }
        default: break
        }
        return causes
    }
}

/// What the server fills in: identity fields on create, type-specific defaults.
enum Defaults {
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// Applies create-time metadata and defaults.
    static func prepareCreate(_ object: JSON, type: ResourceType, namespace: String?, resourceVersion: Int, user: StandInUser) -> JSON {
        var object = object
        object["kind"] = .string(type.kind)
        object["apiVersion"] = .string(type.apiVersion)
        object[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
        object[path: ["metadata", "creationTimestamp"]] = .string(timestamp())
        object[path: ["metadata", "resourceVersion"]] = .string(String(resourceVersion))
        object[path: ["metadata", "deletionTimestamp"]] = nil
        if type.namespaced { object[path: ["metadata", "namespace"]] = namespace.map(JSON.string) }
        switch type {
        case .pods:
            if object["status"]?.object?.isEmpty ?? true {
                object["status"] = podStatus(bound: object[path: ["spec", "nodeName"]]?.string != nil)
            }
        case .secrets:
            object = normalizeSecret(object)
            if object["type"] == nil { object["type"] = "Opaque" }
        case .nodes:
            if object[path: ["status"]] == nil { object["status"] = [:] }
        case .namespaces:
            object["spec"] = ["finalizers": ["kubernetes"]]
            object["status"] = ["phase": "Active"]
        case .certificateSigningRequests:
            object[path: ["spec", "username"]] = .string(user.name)
            object[path: ["spec", "groups"]] = .strings(user.groups)
            object["status"] = [:]
        default: break
        }
        return object
    }

    /// Pods bound to a node run at once (no kubelet runs containers here); others stay Pending.
    static func podStatus(bound: Bool) -> JSON {
        guard bound else { return ["phase": "Pending"] }
        let now = JSON.string(timestamp())
        let conditions: [JSON] = ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
            ["type": .string($0), "status": "True", "lastTransitionTime": now]
        }
        return ["phase": "Running", "conditions": .array(conditions), "startTime": now]
    }

    /// Folds `stringData` into base64 `data`, like the real Secret strategy.
    static func normalizeSecret(_ secret: JSON) -> JSON {
        var secret = secret
        guard let stringData = secret["stringData"]?.stringMap, !stringData.isEmpty else {
            secret["stringData"] = nil
            return secret
        }
        var data = secret["data"]?.object ?? [:]
        for (key, value) in stringData { data[key] = .string(Data(value.utf8).base64EncodedString()) }
        secret["data"] = .object(data)
        secret["stringData"] = nil
        return secret
    }

    /// A `generateName` suffix: five characters from the alphabet the real server uses.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
