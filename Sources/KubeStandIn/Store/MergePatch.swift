/// JSON merge patches (RFC 7386) and the subset of strategic merge patch the stand-in honours.
enum PatchKind: Sendable, Equatable {
    case merge
    /// Like `.merge`, except lists with a merge key merge element-wise by that key
    /// (`status.conditions` by `type`, `status.addresses` by `type`), and `$`-directives are dropped.
    case strategic

    init?(contentType: String) {
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch mediaType {
        case "application/merge-patch+json": self = .merge
        case "application/strategic-merge-patch+json": self = .strategic
        default: return nil
        }
    }
}

enum MergePatch {
    /// Lists merged by key under a strategic merge patch: path -> merge key.
    static let strategicMergeKeys: [[String]: String] = [
        ["status", "conditions"]: "type",
        ["status", "addresses"]: "type",
    ]

    static func apply(_ patch: JSON, to target: JSON, kind: PatchKind = .merge) -> JSON {
        apply(patch, to: target, kind: kind, path: [])
    }

    private static func apply(_ patch: JSON, to target: JSON, kind: PatchKind, path: [String]) -> JSON {
        if kind == .strategic, let key = strategicMergeKeys[path], case .array(let patchItems) = patch,
            case .array(let targetItems) = target
        {
            return .array(mergeList(patchItems, into: targetItems, key: key))
        }
        guard case .object(let patchFields) = patch else { return patch }
        var result = target.object ?? [:]
        for (key, value) in patchFields {
            if kind == .strategic, key.hasPrefix("$") { continue }
            if value == .null {
                result.removeValue(forKey: key)
            } else {
                result[key] = apply(value, to: result[key] ?? .null, kind: kind, path: path + [key])
            }
        }
        return .object(result)
    }

    /// Merges list elements by `key`: patched elements replace fields of the element with the same key,
    /// new keys are appended, `{"$patch": "delete"}` removes.
    static func mergeList(_ patch: [JSON], into target: [JSON], key: String) -> [JSON] {
        var result = target
        for item in patch {
            guard let itemKey = item[key] else {
                result.append(item)
                continue
            }
            let index = result.firstIndex { $0[key] == itemKey }
            if item["$patch"]?.string == "delete" {
                if let index { result.remove(at: index) }
            } else if let index {
                result[index] = apply(item, to: result[index], kind: .strategic, path: [])
            } else {
                result.append(apply(item, to: .object([:]), kind: .strategic, path: []))
            }
        }
        return result
    }
}
