import CLibvirt

extension LibvirtError {
    /// The part of libvirt that raised an error (`virErrorDomain`).
    public struct ErrorDomain: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// Errors raised by this Swift binding itself rather than by libvirt.
        public static let binding = ErrorDomain(rawValue: -1)
        /// `VIR_FROM_NONE`: (Since: 0.1.0)
        public static let unspecified = ErrorDomain(rawValue: Int32(VIR_FROM_NONE.rawValue))
        /// `VIR_FROM_XEN`: Error at Xen hypervisor layer (Since: 0.1.0)
        public static let xen = ErrorDomain(rawValue: Int32(VIR_FROM_XEN.rawValue))
        /// `VIR_FROM_XEND`: Error at connection with xend daemon (Since: 0.1.0)
        public static let xend = ErrorDomain(rawValue: Int32(VIR_FROM_XEND.rawValue))
        /// `VIR_FROM_XENSTORE`: Error at connection with xen store (Since: 0.1.0)
        public static let xenstore = ErrorDomain(rawValue: Int32(VIR_FROM_XENSTORE.rawValue))
        /// `VIR_FROM_SEXPR`: Error in the S-Expression code (Since: 0.1.0)
        public static let sexpr = ErrorDomain(rawValue: Int32(VIR_FROM_SEXPR.rawValue))
        /// `VIR_FROM_XML`: Error in the XML code (Since: 0.1.0)
        public static let xml = ErrorDomain(rawValue: Int32(VIR_FROM_XML.rawValue))
        /// `VIR_FROM_DOM`: Error when operating on a domain (Since: 0.1.0)
        public static let dom = ErrorDomain(rawValue: Int32(VIR_FROM_DOM.rawValue))
        /// `VIR_FROM_RPC`: Error in the XML-RPC code (Since: 0.1.1)
        public static let rpc = ErrorDomain(rawValue: Int32(VIR_FROM_RPC.rawValue))
        /// `VIR_FROM_PROXY`: Error in the proxy code; unused since 0.8.6 (Since: 0.1.3)
        public static let proxy = ErrorDomain(rawValue: Int32(VIR_FROM_PROXY.rawValue))
        /// `VIR_FROM_CONF`: Error in the configuration file handling (Since: 0.1.6)
        public static let conf = ErrorDomain(rawValue: Int32(VIR_FROM_CONF.rawValue))
        /// `VIR_FROM_QEMU`: Error at the QEMU daemon (Since: 0.2.0)
        public static let qemu = ErrorDomain(rawValue: Int32(VIR_FROM_QEMU.rawValue))
        /// `VIR_FROM_NET`: Error when operating on a network (Since: 0.2.0)
        public static let net = ErrorDomain(rawValue: Int32(VIR_FROM_NET.rawValue))
        /// `VIR_FROM_TEST`: Error from test driver (Since: 0.2.3)
        public static let test = ErrorDomain(rawValue: Int32(VIR_FROM_TEST.rawValue))
        /// `VIR_FROM_REMOTE`: Error from remote driver (Since: 0.2.3)
        public static let remote = ErrorDomain(rawValue: Int32(VIR_FROM_REMOTE.rawValue))
        /// `VIR_FROM_OPENVZ`: Error from OpenVZ driver (Since: 0.3.1)
        public static let openvz = ErrorDomain(rawValue: Int32(VIR_FROM_OPENVZ.rawValue))
        /// `VIR_FROM_XENXM`: Error at Xen XM layer (Since: 0.4.1)
        public static let xenxm = ErrorDomain(rawValue: Int32(VIR_FROM_XENXM.rawValue))
        /// `VIR_FROM_STATS_LINUX`: Error in the Linux Stats code (Since: 0.4.1)
        public static let statsLinux = ErrorDomain(rawValue: Int32(VIR_FROM_STATS_LINUX.rawValue))
        /// `VIR_FROM_LXC`: Error from Linux Container driver (Since: 0.4.2)
        public static let lxc = ErrorDomain(rawValue: Int32(VIR_FROM_LXC.rawValue))
        /// `VIR_FROM_STORAGE`: Error from storage driver (Since: 0.4.1)
        public static let storage = ErrorDomain(rawValue: Int32(VIR_FROM_STORAGE.rawValue))
        /// `VIR_FROM_NETWORK`: Error from network config (Since: 0.4.6)
        public static let network = ErrorDomain(rawValue: Int32(VIR_FROM_NETWORK.rawValue))
        /// `VIR_FROM_DOMAIN`: Error from domain config (Since: 0.4.6)
        public static let domain = ErrorDomain(rawValue: Int32(VIR_FROM_DOMAIN.rawValue))
        /// `VIR_FROM_UML`: Error at the UML driver; unused since 5.0.0 (Since: 0.5.0)
        public static let uml = ErrorDomain(rawValue: Int32(VIR_FROM_UML.rawValue))
        /// `VIR_FROM_NODEDEV`: Error from node device monitor (Since: 0.5.0)
        public static let nodedev = ErrorDomain(rawValue: Int32(VIR_FROM_NODEDEV.rawValue))
        /// `VIR_FROM_XEN_INOTIFY`: Error from xen inotify layer (Since: 0.5.0)
        public static let xenInotify = ErrorDomain(rawValue: Int32(VIR_FROM_XEN_INOTIFY.rawValue))
        /// `VIR_FROM_SECURITY`: Error from security framework (Since: 0.6.1)
        public static let security = ErrorDomain(rawValue: Int32(VIR_FROM_SECURITY.rawValue))
        /// `VIR_FROM_VBOX`: Error from VirtualBox driver (Since: 0.6.3)
        public static let vbox = ErrorDomain(rawValue: Int32(VIR_FROM_VBOX.rawValue))
        /// `VIR_FROM_INTERFACE`: Error when operating on an interface (Since: 0.6.4)
        public static let interface = ErrorDomain(rawValue: Int32(VIR_FROM_INTERFACE.rawValue))
        /// `VIR_FROM_ONE`: The OpenNebula driver no longer exists. Retained for ABI/API compat only (Since: 0.6.4)
        public static let one = ErrorDomain(rawValue: Int32(VIR_FROM_ONE.rawValue))
        /// `VIR_FROM_ESX`: Error from ESX driver (Since: 0.7.0)
        public static let esx = ErrorDomain(rawValue: Int32(VIR_FROM_ESX.rawValue))
        /// `VIR_FROM_PHYP`: Error from the phyp driver, unused since 6.0.0 (Since: 0.7.0)
        public static let phyp = ErrorDomain(rawValue: Int32(VIR_FROM_PHYP.rawValue))
        /// `VIR_FROM_SECRET`: Error from secret storage (Since: 0.7.1)
        public static let secret = ErrorDomain(rawValue: Int32(VIR_FROM_SECRET.rawValue))
        /// `VIR_FROM_CPU`: Error from CPU driver (Since: 0.7.5)
        public static let cpu = ErrorDomain(rawValue: Int32(VIR_FROM_CPU.rawValue))
        /// `VIR_FROM_XENAPI`: Error from XenAPI (Since: 0.8.0)
        public static let xenapi = ErrorDomain(rawValue: Int32(VIR_FROM_XENAPI.rawValue))
        /// `VIR_FROM_NWFILTER`: Error from network filter driver (Since: 0.8.0)
        public static let nwfilter = ErrorDomain(rawValue: Int32(VIR_FROM_NWFILTER.rawValue))
        /// `VIR_FROM_HOOK`: Error from Synchronous hooks (Since: 0.8.0)
        public static let hook = ErrorDomain(rawValue: Int32(VIR_FROM_HOOK.rawValue))
        /// `VIR_FROM_DOMAIN_SNAPSHOT`: Error from domain snapshot (Since: 0.8.0)
        public static let domainSnapshot = ErrorDomain(rawValue: Int32(VIR_FROM_DOMAIN_SNAPSHOT.rawValue))
        /// `VIR_FROM_AUDIT`: Error from auditing subsystem (Since: 0.8.5)
        public static let audit = ErrorDomain(rawValue: Int32(VIR_FROM_AUDIT.rawValue))
        /// `VIR_FROM_SYSINFO`: Error from sysinfo/SMBIOS (Since: 0.8.6)
        public static let sysinfo = ErrorDomain(rawValue: Int32(VIR_FROM_SYSINFO.rawValue))
        /// `VIR_FROM_STREAMS`: Error from I/O streams (Since: 0.8.6)
        public static let streams = ErrorDomain(rawValue: Int32(VIR_FROM_STREAMS.rawValue))
        /// `VIR_FROM_VMWARE`: Error from VMware driver (Since: 0.8.7)
        public static let vmware = ErrorDomain(rawValue: Int32(VIR_FROM_VMWARE.rawValue))
        /// `VIR_FROM_EVENT`: Error from event loop impl (Since: 0.9.0)
        public static let event = ErrorDomain(rawValue: Int32(VIR_FROM_EVENT.rawValue))
        /// `VIR_FROM_LIBXL`: Error from libxenlight driver (Since: 0.9.0)
        public static let libxl = ErrorDomain(rawValue: Int32(VIR_FROM_LIBXL.rawValue))
        /// `VIR_FROM_LOCKING`: Error from lock manager (Since: 0.9.2)
        public static let locking = ErrorDomain(rawValue: Int32(VIR_FROM_LOCKING.rawValue))
        /// `VIR_FROM_HYPERV`: Error from Hyper-V driver (Since: 0.9.5)
        public static let hyperv = ErrorDomain(rawValue: Int32(VIR_FROM_HYPERV.rawValue))
        /// `VIR_FROM_CAPABILITIES`: Error from capabilities (Since: 0.9.8)
        public static let capabilities = ErrorDomain(rawValue: Int32(VIR_FROM_CAPABILITIES.rawValue))
        /// `VIR_FROM_URI`: Error from URI handling (Since: 0.9.11)
        public static let uri = ErrorDomain(rawValue: Int32(VIR_FROM_URI.rawValue))
        /// `VIR_FROM_AUTH`: Error from auth handling (Since: 0.9.11)
        public static let auth = ErrorDomain(rawValue: Int32(VIR_FROM_AUTH.rawValue))
        /// `VIR_FROM_DBUS`: Error from DBus (Since: 0.9.12)
        public static let dbus = ErrorDomain(rawValue: Int32(VIR_FROM_DBUS.rawValue))
        /// `VIR_FROM_PARALLELS`: Error from Parallels (Since: 0.10.0)
        public static let parallels = ErrorDomain(rawValue: Int32(VIR_FROM_PARALLELS.rawValue))
        /// `VIR_FROM_DEVICE`: Error from Device (Since: 0.10.0)
        public static let device = ErrorDomain(rawValue: Int32(VIR_FROM_DEVICE.rawValue))
        /// `VIR_FROM_SSH`: Error from libssh2 connection transport (Since: 0.10.0)
        public static let ssh = ErrorDomain(rawValue: Int32(VIR_FROM_SSH.rawValue))
        /// `VIR_FROM_LOCKSPACE`: Error from lockspace (Since: 1.0.0)
        public static let lockspace = ErrorDomain(rawValue: Int32(VIR_FROM_LOCKSPACE.rawValue))
        /// `VIR_FROM_INITCTL`: Error from initctl device communication (Since: 1.0.1)
        public static let initctl = ErrorDomain(rawValue: Int32(VIR_FROM_INITCTL.rawValue))
        /// `VIR_FROM_IDENTITY`: Error from identity code (Since: 1.0.4)
        public static let identity = ErrorDomain(rawValue: Int32(VIR_FROM_IDENTITY.rawValue))
        /// `VIR_FROM_CGROUP`: Error from cgroups (Since: 1.0.5)
        public static let cgroup = ErrorDomain(rawValue: Int32(VIR_FROM_CGROUP.rawValue))
        /// `VIR_FROM_ACCESS`: Error from access control manager (Since: 1.1.0)
        public static let access = ErrorDomain(rawValue: Int32(VIR_FROM_ACCESS.rawValue))
        /// `VIR_FROM_SYSTEMD`: Error from systemd code (Since: 1.1.1)
        public static let systemd = ErrorDomain(rawValue: Int32(VIR_FROM_SYSTEMD.rawValue))
        /// `VIR_FROM_BHYVE`: Error from bhyve driver (Since: 1.2.2)
        public static let bhyve = ErrorDomain(rawValue: Int32(VIR_FROM_BHYVE.rawValue))
        /// `VIR_FROM_CRYPTO`: Error from crypto code (Since: 1.2.3)
        public static let crypto = ErrorDomain(rawValue: Int32(VIR_FROM_CRYPTO.rawValue))
        /// `VIR_FROM_FIREWALL`: Error from firewall (Since: 1.2.4)
        public static let firewall = ErrorDomain(rawValue: Int32(VIR_FROM_FIREWALL.rawValue))
        /// `VIR_FROM_POLKIT`: Error from polkit code (Since: 1.2.9)
        public static let polkit = ErrorDomain(rawValue: Int32(VIR_FROM_POLKIT.rawValue))
        /// `VIR_FROM_THREAD`: Error from thread utils (Since: 1.2.14)
        public static let thread = ErrorDomain(rawValue: Int32(VIR_FROM_THREAD.rawValue))
        /// `VIR_FROM_ADMIN`: Error from admin backend (Since: 1.2.17)
        public static let admin = ErrorDomain(rawValue: Int32(VIR_FROM_ADMIN.rawValue))
        /// `VIR_FROM_LOGGING`: Error from log manager (Since: 1.3.0)
        public static let logging = ErrorDomain(rawValue: Int32(VIR_FROM_LOGGING.rawValue))
        /// `VIR_FROM_XENXL`: Error from Xen xl config code (Since: 1.3.2)
        public static let xenxl = ErrorDomain(rawValue: Int32(VIR_FROM_XENXL.rawValue))
        /// `VIR_FROM_PERF`: Error from perf (Since: 1.3.3)
        public static let perf = ErrorDomain(rawValue: Int32(VIR_FROM_PERF.rawValue))
        /// `VIR_FROM_LIBSSH`: Error from libssh connection transport (Since: 2.5.0)
        public static let libssh = ErrorDomain(rawValue: Int32(VIR_FROM_LIBSSH.rawValue))
        /// `VIR_FROM_RESCTRL`: Error from resource control (Since: 3.7.0)
        public static let resctrl = ErrorDomain(rawValue: Int32(VIR_FROM_RESCTRL.rawValue))
        /// `VIR_FROM_FIREWALLD`: Error from firewalld (Since: 5.1.0)
        public static let firewalld = ErrorDomain(rawValue: Int32(VIR_FROM_FIREWALLD.rawValue))
        /// `VIR_FROM_DOMAIN_CHECKPOINT`: Error from domain checkpoint (Since: 5.2.0)
        public static let domainCheckpoint = ErrorDomain(rawValue: Int32(VIR_FROM_DOMAIN_CHECKPOINT.rawValue))
        /// `VIR_FROM_TPM`: Error from TPM (Since: 5.6.0)
        public static let tpm = ErrorDomain(rawValue: Int32(VIR_FROM_TPM.rawValue))
        /// `VIR_FROM_BPF`: Error from BPF code (Since: 5.10.0)
        public static let bpf = ErrorDomain(rawValue: Int32(VIR_FROM_BPF.rawValue))
        /// `VIR_FROM_CH`: Error from Cloud-Hypervisor driver (Since: 7.5.0)
        public static let ch = ErrorDomain(rawValue: Int32(VIR_FROM_CH.rawValue))

        public var description: String {
            switch self {
            case .binding: "binding"
            case .unspecified: "unspecified"
            case .xen: "xen"
            case .xend: "xend"
            case .xenstore: "xenstore"
            case .sexpr: "sexpr"
            case .xml: "xml"
            case .dom: "dom"
            case .rpc: "rpc"
            case .proxy: "proxy"
            case .conf: "conf"
            case .qemu: "qemu"
            case .net: "net"
            case .test: "test"
            case .remote: "remote"
            case .openvz: "openvz"
            case .xenxm: "xenxm"
            case .statsLinux: "statsLinux"
            case .lxc: "lxc"
            case .storage: "storage"
            case .network: "network"
            case .domain: "domain"
            case .uml: "uml"
            case .nodedev: "nodedev"
            case .xenInotify: "xenInotify"
            case .security: "security"
            case .vbox: "vbox"
            case .interface: "interface"
            case .one: "one"
            case .esx: "esx"
            case .phyp: "phyp"
            case .secret: "secret"
            case .cpu: "cpu"
            case .xenapi: "xenapi"
            case .nwfilter: "nwfilter"
            case .hook: "hook"
            case .domainSnapshot: "domainSnapshot"
            case .audit: "audit"
            case .sysinfo: "sysinfo"
            case .streams: "streams"
            case .vmware: "vmware"
            case .event: "event"
            case .libxl: "libxl"
            case .locking: "locking"
            case .hyperv: "hyperv"
            case .capabilities: "capabilities"
            case .uri: "uri"
            case .auth: "auth"
            case .dbus: "dbus"
            case .parallels: "parallels"
            case .device: "device"
            case .ssh: "ssh"
            case .lockspace: "lockspace"
            case .initctl: "initctl"
            case .identity: "identity"
            case .cgroup: "cgroup"
            case .access: "access"
            case .systemd: "systemd"
            case .bhyve: "bhyve"
            case .crypto: "crypto"
            case .firewall: "firewall"
            case .polkit: "polkit"
            case .thread: "thread"
            case .admin: "admin"
            case .logging: "logging"
            case .xenxl: "xenxl"
            case .perf: "perf"
            case .libssh: "libssh"
            case .resctrl: "resctrl"
            case .firewalld: "firewalld"
            case .domainCheckpoint: "domainCheckpoint"
            case .tpm: "tpm"
            case .bpf: "bpf"
            case .ch: "ch"
            default: "\(rawValue)"
            }
        }
    }
}

/// `ErrorDomain` at the top level of the error type, so `error.domain == .qemu` reads naturally.
public typealias LibvirtErrorDomain = LibvirtError.ErrorDomain
