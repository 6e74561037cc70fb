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

    /// URI parameters with which libvirt's client runs a program: `command` (the ssh, libssh or
    /// `ext` client program, run here) and `netcat` (the command run on the remote host).
    public static let programParameters: Set<String> = ["command", "netcat"]

    /// Why libvirt would run a program to open `uri` (the `ext` transport, a `command=` or
    /// `netcat=` parameter), nil when it would not. Refused everywhere: in `-c`, hosts files and
    /// specs, whatever the flags.
    public static func programProblem(of uri: String) -> String? {
        if transport(of: uri) == "ext" {
            return "uses libvirt's ext transport, which runs a local program to connect; kinvm refuses it (use qemu+ssh:// or qemu+tls://)"
        }
        if let parameter = parameters(of: uri).first(where: { programParameters.contains($0) }) {
            return "has a '\(parameter)=' parameter, which makes libvirt run a program of the URI's choosing; kinvm refuses it "
                + "(configure ssh in ~/.ssh/config instead)"
        }
        return nil
    }

    /// Checks `uri` of `host` (every connection kinvm opens goes through here: `-c`, hosts files,
    /// specs): a transport or parameter that runs a program is refused always, plain TCP unless
    /// `allowInsecureTCP`; returns a warning to show when an insecure transport is allowed.
    public static func check(_ uri: String, host: String, allowInsecureTCP: Bool) throws(ProvisionerError) -> String? {
        if let problem = programProblem(of: uri) {
            throw ProvisionerError(.invalidArgument, "host \(host): the URI \(problem)")
        }
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

    /// The names of the URI's query parameters, lowercased and percent-decoded (libvirt matches
    /// them case-insensitively).
    static func parameters(of uri: String) -> [String] {
        guard let question = uri.firstIndex(of: "?") else { return [] }
        return uri[uri.index(after: question)...].split(whereSeparator: { $0 == "&" || $0 == ";" }).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return (name.removingPercentEncoding ?? name).lowercased().trimmingCharacters(in: .whitespaces)
        }
    }
}
