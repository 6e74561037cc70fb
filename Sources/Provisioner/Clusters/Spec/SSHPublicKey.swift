import Foundation
import Yams

/// OpenSSH public key lines (`TYPE BASE64 [COMMENT]`), checked enough to catch a private key, a
/// fingerprint or a truncated paste before it reaches cloud-init. The one validator of the spec's
/// keys and of `vm create --ssh-key`; its messages never repeat the line (it may be a private key).
public enum SSHPublicKey {
    static let types: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// Why `line` is not an SSH public key, or nil. The key blob must be base64 and start with
    /// its own type name, as every OpenSSH public key does.
    public static func problem(_ line: String) -> String? {
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

    /// The key lines of a key file's text (blank lines and `#` comments skipped), or the first
    /// problem as `line N: why`; `nil` problem and no keys: the file holds none.
    public static func keys(inFileText text: String) -> (keys: [String], problem: String?) {
        var keys: [String] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if let problem = problem(line) { return ([], "line \(number + 1): \(problem)") }
            keys.append(line)
        }
        return (keys, nil)
    }

    /// The keys of an SSH public key file, read with ``BoundedFile/Limit/sshKey``.
    /// - Throws: `.fileUnreadable` when it cannot be read, `.invalidArgument` for a line that is not
    ///   a public key or a file with none (`what` names the option or field).
    /// `what` names the option or field in messages (nil: the path alone, as the spec's messages
    /// name the field themselves).
    public static func keys(inFile file: String, what: String?) throws(ProvisionerError) -> [String] {
        let named = what.map { "\($0) file \(file)" } ?? file
        let text: String
        do {
            text = try BoundedFile.text(file, limit: .sshKey, what: what.map { "\($0) file" } ?? "the key file")
        } catch {
            let exists = FileManager.default.fileExists(atPath: file)
            throw exists ? error : ProvisionerError(.fileUnreadable, "\(named) does not exist")
        }
        let found = keys(inFileText: text)
        if let problem = found.problem { throw ProvisionerError(.invalidArgument, "\(named) \(problem)") }
        guard !found.keys.isEmpty else { throw ProvisionerError(.invalidArgument, "\(named) holds no SSH public key") }
        return found.keys
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
        do {
            return try SSHPublicKey.keys(inFile: file, what: nil)
        } catch {
            reader.report(node, path, error.message)
            return []
        }
    }
}
