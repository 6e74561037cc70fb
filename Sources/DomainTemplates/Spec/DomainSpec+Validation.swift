/// Why a domain spec was refused: which field, what value, and what is allowed instead.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String {
        let shown = value.count > 80 ? String(value.prefix(77)) + "..." : value
        return "\(field) '\(shown.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined())': \(reason)"
    }
}

extension DomainSpec {
    /// The most vCPUs libvirt's QEMU driver accepts for a guest.
    public static let vcpuLimit = 4096

    /// Checks every field before anything reaches XML or libvirt: names that become host names
    /// are DNS labels, sizes fit their ceilings, references and addresses are well-formed.
    public func validate() throws(SpecError) {
        try Self.checkLabel(name, field: "name", purpose: "it becomes the guest's host name and Kubernetes node name")
        if let uuid, !Self.isUUID(uuid) {
            throw SpecError(field: "uuid", value: uuid, reason: "not a UUID like 4b2f6f1c-7f2e-4a53-9c1a-0e6f2d1b9a10")
        }
        guard vcpus >= 1 else { throw SpecError(field: "vcpus", value: "\(vcpus)", reason: "a guest needs at least 1 vCPU") }
        guard effectiveMaxVCPUs >= vcpus else {
            throw SpecError(field: "max-vcpus", value: "\(effectiveMaxVCPUs)", reason: "below --vcpus \(vcpus)")
        }
        guard effectiveMaxVCPUs <= Self.vcpuLimit else {
            throw SpecError(field: "max-vcpus", value: "\(effectiveMaxVCPUs)", reason: "above libvirt's limit of \(Self.vcpuLimit)")
        }
        guard memory >= .mebibytes(1) else {
            throw SpecError(field: "memory", value: "\(memory)", reason: "a guest needs at least 1MiB")
        }
        guard effectiveMaxMemory >= memory else {
            throw SpecError(field: "max-memory", value: "\(effectiveMaxMemory)", reason: "below --memory \(memory)")
        }
        for (index, disk) in disks.enumerated() {
            try Self.checkVolume(disk.volume, field: "disks[\(index)]")
            guard ["qcow2", "raw"].contains(disk.format) else {
                throw SpecError(field: "disks[\(index)].format", value: disk.format, reason: "use qcow2 or raw")
            }
        }
        if let seed { try Self.checkVolume(seed, field: "seed") }
        for (index, nic) in nics.enumerated() {
            if nic.kind == .network { try Self.checkObjectName(nic.network, field: "nics[\(index)].network") }
            if let mac = nic.mac, !Self.isUnicastMAC(mac) {
                throw SpecError(field: "nics[\(index)].mac", value: mac, reason: "not a unicast MAC like 52:54:00:12:34:56")
            }
            guard !nic.model.isEmpty, nic.model.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw SpecError(field: "nics[\(index)].model", value: nic.model, reason: "not a device model like virtio or e1000")
            }
        }
        if let consoleLog {
            try Self.checkPlain(consoleLog, field: "console-log")
            guard consoleLog.hasPrefix("/"), !consoleLog.split(separator: "/").contains("..") else {
                throw SpecError(field: "console-log", value: consoleLog, reason: "must be an absolute path without '..'")
            }
        }
        if let directBoot {
            for (field, path) in [("kernel", Optional(directBoot.kernel)), ("initrd", directBoot.initrd)] {
                guard let path else { continue }
                try Self.checkPlain(path, field: field)
                guard path.hasPrefix("/"), !path.split(separator: "/").contains(".."), !path.split(separator: "/").contains(".") else {
                    throw SpecError(field: field, value: path, reason: "must be an absolute path on the hypervisor host, without '.' or '..'")
                }
            }
            if let cmdline = directBoot.cmdline { try Self.checkPlain(cmdline, field: "cmdline") }
        }
        if let metadata { try Self.checkMetadata(metadata) }
    }

    private static func checkMetadata(_ metadata: KinvmMetadata) throws(SpecError) {
        for (field, value) in [("cluster", metadata.cluster), ("role", metadata.role), ("pool", metadata.pool)] {
            if let value { try checkLabel(value, field: field, purpose: "it becomes part of names and Kubernetes labels") }
        }
        if let created = metadata.created, !isRFC3339UTC(created) {
            throw SpecError(field: "created", value: created, reason: "not a UTC time like 2026-11-29T05:00:00Z")
        }
        if let ttl = metadata.ttlSeconds, ttl < 0 {
            throw SpecError(field: "ttl", value: "\(ttl)", reason: "must not be negative")
        }
        if let image = metadata.image { try checkVolume(image, field: "image") }
        if let template = metadata.template { try checkPlain(template, field: "template") }
        for (index, volume) in metadata.volumes.enumerated() { try checkVolume(volume, field: "volumes[\(index)]") }
    }

    /// A DNS label (RFC 1123): 1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit.
    static func checkLabel(_ value: String, field: String, purpose: String) throws(SpecError) {
        let allowed = value.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        guard (1...63).contains(value.utf8.count), allowed, value.first != "-", value.last != "-" else {
            throw SpecError(
                field: field, value: value,
                reason: "use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit (\(purpose))")
        }
    }

    /// Free text that reaches XML (escaped there): no control characters, not empty, not huge.
    static func checkPlain(_ value: String, field: String) throws(SpecError) {
        guard !value.isEmpty, value.utf8.count <= 1024 else {
            throw SpecError(field: field, value: value, reason: "must be 1-1024 bytes long")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SpecError(field: field, value: value, reason: "must not contain control characters")
        }
    }

    static func checkVolume(_ volume: VolumeRef, field: String) throws(SpecError) {
        try checkObjectName(volume.pool, field: "\(field).pool")
        try checkObjectName(volume.volume, field: "\(field).volume")
    }

    /// A libvirt object name (pool, volume, network): libvirt refuses '/' in them, and '.' and
    /// '..' would name directories.
    static func checkObjectName(_ value: String, field: String) throws(SpecError) {
        try checkPlain(value, field: field)
        guard !value.contains("/"), value != ".", value != ".." else {
            throw SpecError(field: field, value: value, reason: "a libvirt object name cannot contain '/' or be '.' or '..'")
        }
    }

    static func isUUID(_ value: String) -> Bool {
        let groups = value.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func isUnicastMAC(_ value: String) -> Bool {
        let octets = value.split(separator: ":", omittingEmptySubsequences: false)
        guard octets.count == 6, octets.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }),
            let first = UInt8(octets[0], radix: 16)
        else { return false }
        // Unicast, and not all zeros (no NIC may have 00:00:00:00:00:00).
        return first & 1 == 0 && octets.contains { $0 != "00" }
    }

    static func isRFC3339UTC(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        let pattern = Array("0000-00-00T00:00:00Z".utf8)
        guard bytes.count == pattern.count else { return false }
        return zip(bytes, pattern).allSatisfy { byte, expected in
            expected == UInt8(ascii: "0") ? (48...57).contains(byte) : byte == expected
        }
    }
}
