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
            data = try BoundedFile.read(path, limit: .cloudInit, what: "\(what) file")
        } catch {
            throw FileError(message: "\(error.message); nothing was created")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(message: "\(what) file '\(path)' is not UTF-8 text; nothing was created")
        }
        return text
    }

    /// The public keys in an SSH key file (one per line, `#` comments and blank lines skipped),
    /// each checked by ``SSHPublicKey`` (the spec's validator); a bad line is named, not shown.
    static func publicKeys(in path: String) throws -> [String] {
        do {
            return try SSHPublicKey.keys(inFile: path, what: "--ssh-key")
        } catch {
            throw FileError(message: "\(error.message); nothing was created")
        }
    }
}
