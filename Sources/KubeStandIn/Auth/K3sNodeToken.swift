import Crypto
import Foundation

/// k3s' node token, as a k3s server writes it to `/var/lib/rancher/k3s/server/node-token`:
/// `K10<sha256 hex of the CA bundle served at /cacerts>::server:<password>`. Agents check the
/// hash against `/cacerts` before trusting the server, then authenticate with the password.
public enum K3sNodeToken {
    public static func make(caCertificatePEM: String, password: String) -> String {
        let digest = SHA256.hash(data: Data(caCertificatePEM.utf8))
        return "K10\(digest.map { String(format: "%02x", $0) }.joined())::server:\(password)"
    }

    /// A new random password: 32 hex digits, like the one k3s generates.
    public static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The password of `text`: a full `K10<hash>::<user>:<password>` token's password part, or
    /// the text itself (k3s' `--token` accepts both).
    public static func password(of text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("K10"), let separator = trimmed.range(of: "::") else { return trimmed }
        let credentials = trimmed[separator.upperBound...]
        guard let colon = credentials.firstIndex(of: ":") else { return trimmed }
        return String(credentials[credentials.index(after: colon)...])
    }

    /// The password kept in `file`; a new one is generated and stored there (mode 0600) when the
    /// file does not exist, so a restarted server keeps its token.
    public static func password(file: String) throws -> String {
        if FileManager.default.fileExists(atPath: file) {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw PersistenceError(description: "cannot read the k3s token file \(file): \(error)")
            }
            let password = Self.password(of: text)
            guard !password.isEmpty else { throw PersistenceError(description: "the k3s token file \(file) is empty") }
            return password
        }
        let password = generatePassword()
        let directory = (file as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try AtomicFile.write(Data((password + "\n").utf8), to: file, mode: 0o600)
        return password
    }
}
