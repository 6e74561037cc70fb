import Foundation
import Yams

/// OpenSSH public key lines (`TYPE BASE64 [COMMENT]`), checked enough to catch a private key, a
/// fingerprint or a truncated paste before it reaches cloud-init.
enum SSHPublicKey {
    static let types: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// Why `line` is not an SSH public key, or nil. The key blob must be base64 and start with
    /// its own type name, as every OpenSSH public key does.
    static func problem(_ line: String) -> String? {
        if line.contains("PRIVATE KEY") { return "this is a private key; give the public key (the .pub file)" }
        let parts = line.split(whereSeparator: \.isWhitespace)
        guard parts.count >= 2, types.contains(String(parts[0])) else {
            return "does not look like an SSH public key (TYPE BASE64 [COMMENT], TYPE one of \(types.sorted().joined(separator: ", ")))"
        }
        guard let blob = Data(base64Encoded: String(parts[1])), blob.count > 4 else {
            return "the key data of this \(parts[0]) key is not base64"
        }
        let bytes = [UInt8](blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length == parts[0].utf8.count, bytes.count >= 4 + length, Array(bytes[4..<(4 + length)]) == Array(parts[0].utf8) else {
            return "the key data does not hold a \(parts[0]) key (truncated or mixed up?)"
        }
        return nil
    }
}

extension SpecParser {
    /// The inline `sshKeys`, then every key line of each `sshKeyFiles` file (read now).
    mutating func sshKeys(_ fields: SpecReader.Fields) -> [String] {
        var keys: [String] = []
        if let node = reader.field(fields, "sshKeys"), let items = reader.strings(node, at: "spec.sshKeys") {
            for (index, item) in items.enumerated() {
                let key = item.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if let problem = SSHPublicKey.problem(key) {
                    reader.report(item.node, "spec.sshKeys[\(index)]", problem)
                } else {
                    keys.append(key)
                }
            }
        }
        if let node = reader.field(fields, "sshKeyFiles"), let items = reader.list(node, at: "spec.sshKeyFiles") {
            for (index, item) in items.enumerated() {
                let path = "spec.sshKeyFiles[\(index)]"
                guard let file = self.path(item, at: path) else { continue }
                keys += keysInFile(file, node: item, at: path)
            }
        }
        return keys
    }

    private mutating func keysInFile(_ file: String, node: Node, at path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            reader.report(node, path, exists ? "cannot read \(file)" : "\(file) does not exist")
            return []
        }
        guard let text = String(data: data, encoding: .utf8) else {
            reader.report(node, path, "\(file) is not text")
            return []
        }
        var keys: [String] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if let problem = SSHPublicKey.problem(line) {
                reader.report(node, path, "\(file) line \(number + 1): \(problem)")
                return []
            }
            keys.append(line)
        }
        if keys.isEmpty { reader.report(node, path, "\(file) holds no SSH public key") }
        return keys
    }
}
