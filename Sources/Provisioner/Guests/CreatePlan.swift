import CloudInit
import DomainTemplates

/// What `create` will make for one request, computed without I/O: the domain spec (sizes, disks,
/// NICs with their MACs, metadata), the names of the two volumes, and the NoCloud seed.
///
/// Building a plan checks everything that can be checked from the request alone: the name and
/// sizes (through ``DomainSpec/validate()``), the SSH keys and the user-data.
struct CreatePlan: Sendable {
    var spec: DomainSpec
    /// The qcow2 overlay on the base image (`NAME-root.qcow2`).
    var root: VolumeRef
    /// The seed ISO (`NAME-seed.iso`).
    var seedVolume: VolumeRef
    var seed: NoCloudSeed
    /// Data disks: the volume and the local file it is made from.
    var dataVolumes: [(ref: VolumeRef, file: String)] = []

    var name: String { spec.name }
    var uuid: String { spec.uuid ?? "" }

    /// - Parameters:
    ///   - uuid: the new domain's UUID (lower case); also the seed's instance-id.
    ///   - created: the creation time, RFC 3339 in UTC.
    static func make(_ request: GuestCreateRequest, uuid: String, created: String) throws(ProvisionerError) -> CreatePlan {
        let root = VolumeRef(pool: request.pool, volume: "\(request.name)-root.qcow2")
        let seedVolume = VolumeRef(pool: request.pool, volume: "\(request.name)-seed.iso")
        var metadata = request.metadata
        metadata.created = created
        metadata.image = request.image
        metadata.template = request.template
        let dataVolumes = request.dataDisks.map { (ref: VolumeRef(pool: request.pool, volume: "\(request.name)-\($0.suffix)"), file: $0.file) }
        metadata.volumes = [root, seedVolume] + dataVolumes.map(\.ref)
        let consoleLog = "\(request.consoleLogDirectory)/\(request.name)-console.log"
        metadata.consoleLog = consoleLog
        let nics = request.nics.enumerated().map { index, nic in
            var nic = nic
            if nic.mac == nil { nic.mac = MACAddress.derived(guest: request.name, nicIndex: index) }
            return nic
        }
        let spec = DomainSpec(
            name: request.name, uuid: uuid.lowercased(), virtType: request.virtType, vcpus: request.vcpus,
            maxVCPUs: request.maxVCPUs, memory: request.memory, maxMemory: request.maxMemory,
            disks: [DiskSpec(volume: root, format: "qcow2")]
                + zip(request.dataDisks, dataVolumes).map { disk, volume in
                    DiskSpec(volume: volume.ref, format: "raw", serial: disk.serial, readOnly: disk.readOnly)
                },
            seed: seedVolume, nics: nics,
            consoleLog: consoleLog, directBoot: request.directBoot,
            metadata: metadata)
        do {
            try spec.validate()
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot create guest '\(request.name)': invalid \(error)")
        }
        try checkSSHKeys(request.sshAuthorizedKeys)
        let seed = try makeSeed(request, spec: spec)
        return CreatePlan(spec: spec, root: root, seedVolume: seedVolume, seed: seed, dataVolumes: dataVolumes)
    }

    /// The key types OpenSSH writes: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-…`, `sk-…@openssh.com`.
    static let sshKeyPrefixes = ["ssh-", "ecdsa-", "sk-"]

    /// Each key one line, starting with a key type (not a file name or a private key).
    static func checkSSHKeys(_ keys: [String]) throws(ProvisionerError) {
        for (index, key) in keys.enumerated() {
            let shown = key.count > 40 ? String(key.prefix(37)) + "..." : key
            if key.contains(where: \.isNewline) || key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ProvisionerError(
                    .invalidArgument, "SSH key \(index + 1) spans several lines or holds control characters; give one public key per entry")
            }
            guard sshKeyPrefixes.contains(where: key.hasPrefix) else {
                let printable = shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "?" }.joined()
                throw ProvisionerError(
                    .invalidArgument,
                    "SSH key \(index + 1) ('\(printable)') is not an OpenSSH public key: it must start with ssh-, ecdsa- or sk- "
                        + "(the contents of a .pub file)")
            }
        }
    }

    /// meta-data (instance-id = the UUID, local-hostname = the name), the user-data (the request's
    /// with the keys merged, or kinvm's cloud-config) and the network-config (the request's, or
    /// DHCP on every NIC matched by its MAC).
    static func makeSeed(_ request: GuestCreateRequest, spec: DomainSpec) throws(ProvisionerError) -> NoCloudSeed {
        let userData: UserData
        do {
            if let given = request.userData {
                try given.validate()
                userData = try given.addingSSHKeys(request.sshAuthorizedKeys)
            } else {
                // `locale: false`: cloud images without the locales package (Debian minbase) would
                // otherwise end cloud-init in "error".
                userData = .cloudConfig(
                    CloudConfig(hostname: spec.name, locale: .disabled, sshAuthorizedKeys: request.sshAuthorizedKeys))
            }
        } catch {
            throw ProvisionerError(.invalidArgument, "the user-data for guest '\(spec.name)' is not usable: \(error)")
        }
        let network = request.networkConfig ?? defaultNetwork(spec.nics)
        let seed = NoCloudSeed(
            metaData: MetaData(instanceID: spec.uuid ?? spec.name, localHostname: spec.name), userData: userData,
            networkConfig: network)
        do {
            _ = try seed.files()
        } catch {
            throw ProvisionerError(.invalidArgument, "the cloud-init seed for guest '\(spec.name)' is invalid: \(error)")
        }
        return seed
    }

    /// DHCP on every NIC, matched by MAC and named eth0, eth1, …; nil without NICs.
    static func defaultNetwork(_ nics: [NICSpec]) -> NetworkConfig? {
        let ethernets = nics.enumerated().compactMap { index, nic in
            nic.mac.map { NetworkConfig.Ethernet.dhcp("eth\(index)", macAddress: $0) }
        }
        return ethernets.isEmpty ? nil : NetworkConfig(ethernets: ethernets)
    }
}
