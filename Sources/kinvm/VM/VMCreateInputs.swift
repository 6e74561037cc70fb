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
    var virtType: DomainSpec.VirtType
    var image: VolumeRef

    /// The checks that need no file and no host: names, sizes, combinations.
    static func validate(_ command: VMCreate) throws {
        guard Set(command.names).count == command.names.count else {
            throw ValidationError("a guest name is given twice: \(command.names.joined(separator: " "))")
        }
        for name in command.names {
            // The spec's own checks: a DNS label, vCPUs and memory within their ceilings.
            let spec = DomainSpec(
                name: name, vcpus: command.vcpus, maxVCPUs: command.maxVCPUs, memory: command.memory,
                maxMemory: command.maxMemory, nics: command.networks.map(\.nic))
            do {
                try spec.validate()
            } catch {
                throw ValidationError("\(error)")
            }
        }
        _ = try image(command)
        _ = try virtType(command)
        if command.kernel == nil, command.initrd != nil || command.cmdline != nil {
            throw ValidationError("--initrd and --cmdline need --kernel (direct kernel boot).")
        }
        if command.wait.timeout.seconds == 0, command.wait.wait != .none, command.wait.wait != .running {
            throw ValidationError("--timeout 0 leaves no time to wait for \(command.wait.wait.rawValue).")
        }
    }

    /// Reads the files. Throws ``FileError`` for one that cannot be read or holds no key.
    init(_ command: VMCreate) throws {
        userData = try command.userData.map { .raw(try Self.read($0, what: "--user-data")) }
        sshKeys = try command.sshKeys.flatMap { try Self.publicKeys(in: $0) }
        virtType = try Self.virtType(command)
        image = try Self.image(command)
    }

    func request(for name: String, command: VMCreate) -> GuestCreateRequest {
        var request = GuestCreateRequest(
            name: name, template: command.template, image: image, pool: command.pool, virtType: virtType,
            vcpus: command.vcpus, maxVCPUs: command.maxVCPUs, memory: command.memory, maxMemory: command.maxMemory,
            diskSize: command.disk, nics: command.networks.isEmpty ? [NICSpec(network: "default")] : command.networks.map(\.nic),
            userData: userData, sshAuthorizedKeys: sshKeys,
            directBoot: command.kernel.map { DirectBoot(kernel: $0, initrd: command.initrd, cmdline: command.cmdline) },
            metadata: KinvmMetadata(
                cluster: command.cluster, role: command.role, pool: command.nodePool, ttlSeconds: command.ttl?.seconds),
            wait: command.wait.wait, waitTimeout: command.wait.timeout.duration)
        if let directory = command.consoleLogDir { request.consoleLogDirectory = directory }
        return request
    }

    /// `--image POOL/VOLUME`, or `--image VOLUME` in `--image-pool` (default `--pool`).
    static func image(_ command: VMCreate) throws -> VolumeRef {
        let parts = command.image.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            return VolumeRef(pool: command.imagePool ?? command.pool, volume: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            if let imagePool = command.imagePool, imagePool != parts[0] {
                throw ValidationError("--image '\(command.image)' names pool '\(parts[0])' but --image-pool is '\(imagePool)'.")
            }
            return VolumeRef(pool: parts[0], volume: parts[1])
        default:
            throw ValidationError("--image '\(command.image)' is not VOLUME or POOL/VOLUME.")
        }
    }

    /// `--virt-type`, else `$KINVM_VIRT_TYPE`, else kvm.
    static func virtType(_ command: VMCreate) throws -> DomainSpec.VirtType {
        if let virtType = command.virtType { return virtType }
        guard let value = ProcessInfo.processInfo.environment["KINVM_VIRT_TYPE"], !value.isEmpty else { return .kvm }
        guard let virtType = DomainSpec.VirtType(rawValue: value) else {
            throw ValidationError("KINVM_VIRT_TYPE='\(value)' is neither kvm nor qemu.")
        }
        return virtType
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
