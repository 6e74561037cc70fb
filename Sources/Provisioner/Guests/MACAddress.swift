import Crypto

/// MAC addresses kinvm gives NICs that have none.
public enum MACAddress {
    /// QEMU/KVM's locally used prefix (`52:54:00`), the one libvirt also picks from.
    public static let prefix: [UInt8] = [0x52, 0x54, 0x00]

    /// A MAC derived from the guest's name and the NIC's index: `52:54:00` followed by the first
    /// three bytes of SHA-256(`name`, NUL, `nicIndex` in decimal).
    ///
    /// The same guest always gets the same MACs, so its seed's network-config (matched by MAC) and
    /// DHCP reservations stay valid when it is re-created; different names or NICs differ except
    /// for the rare collision in 24 bits.
    public static func derived(guest name: String, nicIndex: Int) -> String {
        let input = Array(name.utf8) + [0] + Array(String(nicIndex).utf8)
        let digest = Array(SHA256.hash(data: input))
        return format(prefix + digest.prefix(3))
    }

    /// Six bytes as lower-case, colon-separated hex, e.g. `52:54:00:0a:1b:2c`.
    public static func format(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
