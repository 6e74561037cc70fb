import Foundation

/// The API server's name rules (k8s.io/apimachinery/pkg/util/validation), as messages.
enum KubernetesNames {
    /// A qualified name: `[prefix/]name`, prefix a DNS subdomain (≤ 253), name ≤ 63 characters of
    /// alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
    static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "it may hold at most one '/'" }
        if parts.count == 2 {
            if let problem = dnsSubdomainProblem(String(parts[0])) { return "its prefix \(problem)" }
        }
        let name = String(parts.last!)
        guard !name.isEmpty else { return "the name part must not be empty" }
        return qualifiedPartProblem(name)
    }

    /// Empty, or ≤ 63 characters of alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
    static func labelValueProblem(_ value: String) -> String? {
        value.isEmpty ? nil : qualifiedPartProblem(value)
    }

    /// A DNS-1123 subdomain: ≤ 253 characters, lower-case alphanumerics, '-' and '.', starting and
    /// ending alphanumeric (node names follow it).
    static func dnsSubdomainProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 253 else { return "must be at most 253 characters" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        guard name.allSatisfy(allowed.contains) else {
            return "must consist of lower case alphanumeric characters, '-' or '.'"
        }
        guard let first = name.first, let last = name.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else {
            return "must start and end with an alphanumeric character"
        }
        return nil
    }

    private static func qualifiedPartProblem(_ text: String) -> String? {
        guard text.utf8.count <= 63 else { return "must be at most 63 characters" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard text.allSatisfy(allowed.contains) else {
            return "must consist of alphanumeric characters, '-', '_' or '.'"
        }
        guard let first = text.first, let last = text.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else {
            return "must start and end with an alphanumeric character"
        }
        return nil
    }
}
