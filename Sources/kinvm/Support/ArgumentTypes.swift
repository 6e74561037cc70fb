import ArgumentParser
import DomainTemplates
import Provisioner

extension ByteSize: ExpressibleByArgument {
    public init?(argument: String) {
        guard let size = try? ByteSize(parsing: argument) else { return nil }
        self = size
    }
}

extension DomainSpec.VirtType: ExpressibleByArgument {}

extension TemplateKind: ExpressibleByArgument {}

/// `POOL/VOLUME[:FORMAT]`, e.g. `default/web-root.qcow2:qcow2`.
struct DiskArgument: ExpressibleByArgument {
    var disk: DiskSpec

    init?(argument: String) {
        guard let slash = argument.firstIndex(of: "/") else { return nil }
        let pool = String(argument[..<slash])
        var volume = String(argument[argument.index(after: slash)...])
        var format = "qcow2"
        if let colon = volume.lastIndex(of: ":"), ["qcow2", "raw"].contains(String(volume[volume.index(after: colon)...])) {
            format = String(volume[volume.index(after: colon)...])
            volume = String(volume[..<colon])
        }
        guard !pool.isEmpty, !volume.isEmpty else { return nil }
        disk = DiskSpec(volume: VolumeRef(pool: pool, volume: volume), format: format)
    }

    static var defaultValueDescription: String { "POOL/VOLUME[:qcow2|raw]" }
}

/// `NETWORK[,mac=MAC][,model=MODEL]`, e.g. `default,mac=52:54:00:12:34:56,model=virtio`.
struct NICArgument: ExpressibleByArgument {
    var nic: NICSpec

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let network = parts.first, !network.isEmpty else { return nil }
        var nic = NICSpec(network: network)
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return nil }
            switch pair[0] {
            case "mac": nic.mac = pair[1]
            case "model": nic.model = pair[1]
            default: return nil
            }
        }
        self.nic = nic
    }
}

/// A duration such as `90s`, `30m`, `12h`, `7d`, `1h30m` or plain seconds, at most 100 years
/// (``SpecDuration``, the one duration parser).
struct DurationArgument: ExpressibleByArgument {
    var seconds: Int

    init?(argument: String) {
        guard case .success(let seconds) = SpecDuration.parse(argument, plainSeconds: true, allowZero: true) else { return nil }
        self.seconds = seconds
    }
}
