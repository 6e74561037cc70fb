import Foundation

/// Which libvirt URIs kinvm connects to: unauthenticated, unencrypted `+tcp` transports are refused
/// unless the user insists (`--allow-insecure-tcp`), and then a warning is printed.
public enum HostURIPolicy {
    /// The URI's transport (`ssh`, `tls`, `unix`, `tcp`, `libssh`, `libssh2`, `ext`), nil for a
    /// local URI without one (`qemu:///system`).
    public static func transport(of uri: String) -> String? {
        guard let colon = uri.firstIndex(of: ":") else { return nil }
        let scheme = uri[..<colon]
        guard let plus = scheme.firstIndex(of: "+") else { return nil }
        return String(scheme[scheme.index(after: plus)...]).lowercased()
    }

    /// Checks `uri` of `host`; returns a warning to show when an insecure transport is allowed.
    public static func check(_ uri: String, host: String, allowInsecureTCP: Bool) throws(ProvisionerError) -> String? {
        guard transport(of: uri) == "tcp" else { return nil }
        if allowInsecureTCP {
            return "host \(host) (\(uri)) is reached over plain TCP: no authentication, no encryption; anyone on the network "
                + "can control its guests"
        }
        throw ProvisionerError(
            .invalidArgument,
            "host \(host): \(uri) uses plain TCP (no authentication, no encryption), which kinvm refuses; use qemu+ssh:// or "
                + "qemu+tls://, or pass --allow-insecure-tcp if this network is yours alone")
    }
}
