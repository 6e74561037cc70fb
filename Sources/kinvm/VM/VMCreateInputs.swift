import ArgumentParser
import CloudInit
import DomainTemplates
import Foundation
import Provisioner

/// What `vm create` reads and checks before it touches libvirt: the argument checks (exit 64) and
/// the files (exit 1), then one ``GuestCreateRequest`` per name.
struct VMCreateInputs {
    /// A file that cannot be used; the message names it and says why.
    struct FileError: Error {
        var message: String
    }

    var userData: UserData?
    var sshKeys: [String]

    /// The checks that need no file and no host: names, sizes, combinations.
    static func validate(_ command: VMCreate) throws {
        try command.guest.validate(names: command.names, storagePool: command.pool)
        if command.wait.timeout.seconds == 0, command.wait.wait != .none, command.wait.wait != .running {
            throw ValidationError("--timeout 0 leaves no time to wait for \(command.wait.wait.rawValue).")
        }
    }

    /// Reads the files. Throws ``FileError`` for one that cannot be read or holds no key.
    init(_ command: VMCreate) throws {
        userData = try command.userData.map { .raw(try Self.read($0, what: "--user-data")) }
        sshKeys = try command.guest.readSSHKeys()
    }

    func request(for name: String, command: VMCreate) throws -> GuestCreateRequest {
        try command.guest.request(
            for: name, storagePool: command.pool, sshKeys: sshKeys, userData: userData,
            metadata: KinvmMetadata(
                cluster: command.cluster, role: command.role, pool: command.nodePool, ttlSeconds: command.ttl?.seconds),
            wait: command.wait.wait, waitTimeout: command.wait.timeout.duration)
    }

    static func read(_ path: String, what: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "it does not exist"
            throw FileError(message: "\(what) file '\(path)': \(reason); nothing was created")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(message: "\(what) file '\(path)' is not UTF-8 text; nothing was created")
        }
        return text
    }

    /// The public keys in an SSH key file (one per line, `#` comments and blank lines skipped).
    static func publicKeys(in path: String) throws -> [String] {
        let text = try read(path, what: "--ssh-key")
        if text.contains("PRIVATE KEY") {
            throw FileError(message: "--ssh-key file '\(path)' is a private key: pass the public key (.pub); nothing was created")
        }
        let keys = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else {
            throw FileError(message: "--ssh-key file '\(path)' holds no public key; nothing was created")
        }
        return keys
    }
}
