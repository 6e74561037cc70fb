import CLibvirt

extension LibvirtError {
    /// A libvirt error number (`virErrorNumber`), with Swift names for the C constants.
    ///
    /// A struct rather than an enum, so that codes added by newer libvirt versions never break a `switch`.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `VIR_ERR_INTERNAL_ERROR`: internal error (Since: 0.1.0)
        public static let internalError = Code(rawValue: Int32(VIR_ERR_INTERNAL_ERROR.rawValue))
        /// `VIR_ERR_NO_MEMORY`: memory allocation failure (Since: 0.1.0)
        public static let noMemory = Code(rawValue: Int32(VIR_ERR_NO_MEMORY.rawValue))
        /// `VIR_ERR_NO_SUPPORT`: no support for this function (Since: 0.1.0)
        public static let notSupported = Code(rawValue: Int32(VIR_ERR_NO_SUPPORT.rawValue))
        /// `VIR_ERR_UNKNOWN_HOST`: could not resolve hostname (Since: 0.1.0)
        public static let unknownHost = Code(rawValue: Int32(VIR_ERR_UNKNOWN_HOST.rawValue))
        /// `VIR_ERR_NO_CONNECT`: can't connect to hypervisor (Since: 0.1.0)
        public static let noConnection = Code(rawValue: Int32(VIR_ERR_NO_CONNECT.rawValue))
        /// `VIR_ERR_INVALID_CONN`: invalid connection object (Since: 0.1.0)
        public static let invalidConnection = Code(rawValue: Int32(VIR_ERR_INVALID_CONN.rawValue))
        /// `VIR_ERR_INVALID_DOMAIN`: invalid domain object (Since: 0.1.0)
        public static let invalidDomain = Code(rawValue: Int32(VIR_ERR_INVALID_DOMAIN.rawValue))
        /// `VIR_ERR_INVALID_ARG`: invalid function argument (Since: 0.1.0)
        public static let invalidArg = Code(rawValue: Int32(VIR_ERR_INVALID_ARG.rawValue))
        /// `VIR_ERR_OPERATION_FAILED`: a command to hypervisor failed (Since: 0.1.0)
        public static let operationFailed = Code(rawValue: Int32(VIR_ERR_OPERATION_FAILED.rawValue))
        /// `VIR_ERR_GET_FAILED`: a HTTP GET command to failed (Since: 0.1.0)
        public static let getFailed = Code(rawValue: Int32(VIR_ERR_GET_FAILED.rawValue))
        /// `VIR_ERR_POST_FAILED`: a HTTP POST command to failed (Since: 0.1.0)
        public static let postFailed = Code(rawValue: Int32(VIR_ERR_POST_FAILED.rawValue))
        /// `VIR_ERR_HTTP_ERROR`: unexpected HTTP error code (Since: 0.1.0)
        public static let httpError = Code(rawValue: Int32(VIR_ERR_HTTP_ERROR.rawValue))
        /// `VIR_ERR_SEXPR_SERIAL`: failure to serialize an S-Expr (Since: 0.1.0)
        public static let sexprSerial = Code(rawValue: Int32(VIR_ERR_SEXPR_SERIAL.rawValue))
        /// `VIR_ERR_NO_XEN`: could not open Xen hypervisor control (Since: 0.1.0)
        public static let noXen = Code(rawValue: Int32(VIR_ERR_NO_XEN.rawValue))
        /// `VIR_ERR_XEN_CALL`: failure doing an hypervisor call (Since: 0.1.0)
        public static let xenCall = Code(rawValue: Int32(VIR_ERR_XEN_CALL.rawValue))
        /// `VIR_ERR_OS_TYPE`: unknown OS type (Since: 0.1.0)
        public static let osType = Code(rawValue: Int32(VIR_ERR_OS_TYPE.rawValue))
        /// `VIR_ERR_NO_KERNEL`: missing kernel information (Since: 0.1.0)
        public static let noKernel = Code(rawValue: Int32(VIR_ERR_NO_KERNEL.rawValue))
        /// `VIR_ERR_NO_ROOT`: missing root device information (Since: 0.1.0)
        public static let noRoot = Code(rawValue: Int32(VIR_ERR_NO_ROOT.rawValue))
        /// `VIR_ERR_NO_SOURCE`: missing source device information (Since: 0.1.0)
        public static let noSource = Code(rawValue: Int32(VIR_ERR_NO_SOURCE.rawValue))
        /// `VIR_ERR_NO_TARGET`: missing target device information (Since: 0.1.0)
        public static let noTarget = Code(rawValue: Int32(VIR_ERR_NO_TARGET.rawValue))
        /// `VIR_ERR_NO_NAME`: missing domain name information (Since: 0.1.0)
        public static let noName = Code(rawValue: Int32(VIR_ERR_NO_NAME.rawValue))
        /// `VIR_ERR_NO_OS`: missing domain OS information (Since: 0.1.0)
        public static let noOs = Code(rawValue: Int32(VIR_ERR_NO_OS.rawValue))
        /// `VIR_ERR_NO_DEVICE`: missing domain devices information (Since: 0.1.0)
        public static let noDevice = Code(rawValue: Int32(VIR_ERR_NO_DEVICE.rawValue))
        /// `VIR_ERR_NO_XENSTORE`: could not open Xen Store control (Since: 0.1.0)
        public static let noXenstore = Code(rawValue: Int32(VIR_ERR_NO_XENSTORE.rawValue))
        /// `VIR_ERR_DRIVER_FULL`: too many drivers registered (Since: 0.1.0)
        public static let driverFull = Code(rawValue: Int32(VIR_ERR_DRIVER_FULL.rawValue))
        /// `VIR_ERR_CALL_FAILED`: not supported by the drivers (DEPRECATED) (Since: 0.1.0)
        public static let callFailed = Code(rawValue: Int32(VIR_ERR_CALL_FAILED.rawValue))
        /// `VIR_ERR_XML_ERROR`: an XML description is not well formed or broken (Since: 0.1.1)
        public static let xmlError = Code(rawValue: Int32(VIR_ERR_XML_ERROR.rawValue))
        /// `VIR_ERR_DOM_EXIST`: the domain already exist (Since: 0.1.1)
        public static let domainExists = Code(rawValue: Int32(VIR_ERR_DOM_EXIST.rawValue))
        /// `VIR_ERR_OPERATION_DENIED`: operation forbidden on read-only connections (Since: 0.1.4)
        public static let operationDenied = Code(rawValue: Int32(VIR_ERR_OPERATION_DENIED.rawValue))
        /// `VIR_ERR_OPEN_FAILED`: failed to open a conf file (Since: 0.1.6)
        public static let openFailed = Code(rawValue: Int32(VIR_ERR_OPEN_FAILED.rawValue))
        /// `VIR_ERR_READ_FAILED`: failed to read a conf file (Since: 0.1.6)
        public static let readFailed = Code(rawValue: Int32(VIR_ERR_READ_FAILED.rawValue))
        /// `VIR_ERR_PARSE_FAILED`: failed to parse a conf file (Since: 0.1.6)
        public static let parseFailed = Code(rawValue: Int32(VIR_ERR_PARSE_FAILED.rawValue))
        /// `VIR_ERR_CONF_SYNTAX`: failed to parse the syntax of a conf file (Since: 0.1.6)
        public static let confSyntax = Code(rawValue: Int32(VIR_ERR_CONF_SYNTAX.rawValue))
        /// `VIR_ERR_WRITE_FAILED`: failed to write a conf file (Since: 0.1.6)
        public static let writeFailed = Code(rawValue: Int32(VIR_ERR_WRITE_FAILED.rawValue))
        /// `VIR_ERR_XML_DETAIL`: detail of an XML error (Since: 0.1.9)
        public static let xmlDetail = Code(rawValue: Int32(VIR_ERR_XML_DETAIL.rawValue))
        /// `VIR_ERR_INVALID_NETWORK`: invalid network object (Since: 0.2.0)
        public static let invalidNetwork = Code(rawValue: Int32(VIR_ERR_INVALID_NETWORK.rawValue))
        /// `VIR_ERR_NETWORK_EXIST`: the network already exist (Since: 0.2.0)
        public static let networkExist = Code(rawValue: Int32(VIR_ERR_NETWORK_EXIST.rawValue))
        /// `VIR_ERR_SYSTEM_ERROR`: general system call failure (Since: 0.2.1)
        public static let systemError = Code(rawValue: Int32(VIR_ERR_SYSTEM_ERROR.rawValue))
        /// `VIR_ERR_RPC`: some sort of RPC error (Since: 0.2.3)
        public static let rpc = Code(rawValue: Int32(VIR_ERR_RPC.rawValue))
        /// `VIR_ERR_GNUTLS_ERROR`: error from a GNUTLS call (Since: 0.2.3)
        public static let gnutlsError = Code(rawValue: Int32(VIR_ERR_GNUTLS_ERROR.rawValue))
        /// `VIR_ERR_NO_DOMAIN`: domain not found or unexpectedly disappeared (Since: 0.3.0)
        public static let noDomain = Code(rawValue: Int32(VIR_ERR_NO_DOMAIN.rawValue))
        /// `VIR_ERR_NO_NETWORK`: network not found (Since: 0.3.0)
        public static let noNetwork = Code(rawValue: Int32(VIR_ERR_NO_NETWORK.rawValue))
        /// `VIR_ERR_INVALID_MAC`: invalid MAC address (Since: 0.3.1)
        public static let invalidMac = Code(rawValue: Int32(VIR_ERR_INVALID_MAC.rawValue))
        /// `VIR_ERR_AUTH_FAILED`: authentication failed (Since: 0.4.1)
        public static let authFailed = Code(rawValue: Int32(VIR_ERR_AUTH_FAILED.rawValue))
        /// `VIR_ERR_INVALID_STORAGE_POOL`: invalid storage pool object (Since: 0.4.1)
        public static let invalidStoragePool = Code(rawValue: Int32(VIR_ERR_INVALID_STORAGE_POOL.rawValue))
        /// `VIR_ERR_INVALID_STORAGE_VOL`: invalid storage vol object (Since: 0.4.1)
        public static let invalidStorageVol = Code(rawValue: Int32(VIR_ERR_INVALID_STORAGE_VOL.rawValue))
        /// `VIR_ERR_NO_STORAGE_POOL`: storage pool not found (Since: 0.4.1)
        public static let noStoragePool = Code(rawValue: Int32(VIR_ERR_NO_STORAGE_POOL.rawValue))
        /// `VIR_ERR_NO_STORAGE_VOL`: storage volume not found (Since: 0.4.1)
        public static let noStorageVol = Code(rawValue: Int32(VIR_ERR_NO_STORAGE_VOL.rawValue))
        /// `VIR_ERR_INVALID_NODE_DEVICE`: invalid node device object (Since: 0.5.0)
        public static let invalidNodeDevice = Code(rawValue: Int32(VIR_ERR_INVALID_NODE_DEVICE.rawValue))
        /// `VIR_ERR_NO_NODE_DEVICE`: node device not found (Since: 0.5.0)
        public static let noNodeDevice = Code(rawValue: Int32(VIR_ERR_NO_NODE_DEVICE.rawValue))
        /// `VIR_ERR_NO_SECURITY_MODEL`: security model not found (Since: 0.6.1)
        public static let noSecurityModel = Code(rawValue: Int32(VIR_ERR_NO_SECURITY_MODEL.rawValue))
        /// `VIR_ERR_OPERATION_INVALID`: operation is not applicable at this time (Since: 0.6.4)
        public static let operationInvalid = Code(rawValue: Int32(VIR_ERR_OPERATION_INVALID.rawValue))
        /// `VIR_ERR_NO_INTERFACE`: interface driver not running (Since: 0.6.4)
        public static let noInterface = Code(rawValue: Int32(VIR_ERR_NO_INTERFACE.rawValue))
        /// `VIR_ERR_INVALID_INTERFACE`: invalid interface object (Since: 0.6.4)
        public static let invalidInterface = Code(rawValue: Int32(VIR_ERR_INVALID_INTERFACE.rawValue))
        /// `VIR_ERR_MULTIPLE_INTERFACES`: more than one matching interface found (Since: 0.7.0)
        public static let multipleInterfaces = Code(rawValue: Int32(VIR_ERR_MULTIPLE_INTERFACES.rawValue))
        /// `VIR_ERR_INVALID_NWFILTER`: invalid nwfilter object (Since: 0.8.0)
        public static let invalidNwfilter = Code(rawValue: Int32(VIR_ERR_INVALID_NWFILTER.rawValue))
        /// `VIR_ERR_NO_NWFILTER`: nw filter pool not found (Since: 0.8.0)
        public static let noNwfilter = Code(rawValue: Int32(VIR_ERR_NO_NWFILTER.rawValue))
        /// `VIR_ERR_BUILD_FIREWALL`: nw filter pool not found (Since: 0.8.0)
        public static let buildFirewall = Code(rawValue: Int32(VIR_ERR_BUILD_FIREWALL.rawValue))
        /// `VIR_ERR_INVALID_SECRET`: invalid secret (Since: 0.7.1)
        public static let invalidSecret = Code(rawValue: Int32(VIR_ERR_INVALID_SECRET.rawValue))
        /// `VIR_ERR_NO_SECRET`: secret not found (Since: 0.7.1)
        public static let noSecret = Code(rawValue: Int32(VIR_ERR_NO_SECRET.rawValue))
        /// `VIR_ERR_CONFIG_UNSUPPORTED`: unsupported configuration construct (Since: 0.7.3)
        public static let configUnsupported = Code(rawValue: Int32(VIR_ERR_CONFIG_UNSUPPORTED.rawValue))
        /// `VIR_ERR_OPERATION_TIMEOUT`: timeout occurred during operation (Since: 0.7.3)
        public static let operationTimeout = Code(rawValue: Int32(VIR_ERR_OPERATION_TIMEOUT.rawValue))
        /// `VIR_ERR_MIGRATE_PERSIST_FAILED`: a migration worked, but making the VM persist on the dest host failed (Since: 0.7.3)
        public static let migratePersistFailed = Code(rawValue: Int32(VIR_ERR_MIGRATE_PERSIST_FAILED.rawValue))
        /// `VIR_ERR_HOOK_SCRIPT_FAILED`: a synchronous hook script failed (Since: 0.8.0)
        public static let hookScriptFailed = Code(rawValue: Int32(VIR_ERR_HOOK_SCRIPT_FAILED.rawValue))
        /// `VIR_ERR_INVALID_DOMAIN_SNAPSHOT`: invalid domain snapshot (Since: 0.8.0)
        public static let invalidDomainSnapshot = Code(rawValue: Int32(VIR_ERR_INVALID_DOMAIN_SNAPSHOT.rawValue))
        /// `VIR_ERR_NO_DOMAIN_SNAPSHOT`: domain snapshot not found (Since: 0.8.0)
        public static let noDomainSnapshot = Code(rawValue: Int32(VIR_ERR_NO_DOMAIN_SNAPSHOT.rawValue))
        /// `VIR_ERR_INVALID_STREAM`: stream pointer not valid (Since: 0.9.0)
        public static let invalidStream = Code(rawValue: Int32(VIR_ERR_INVALID_STREAM.rawValue))
        /// `VIR_ERR_ARGUMENT_UNSUPPORTED`: valid API use but unsupported by the given driver (Since: 0.9.4)
        public static let argumentUnsupported = Code(rawValue: Int32(VIR_ERR_ARGUMENT_UNSUPPORTED.rawValue))
        /// `VIR_ERR_STORAGE_PROBE_FAILED`: storage pool probe failed (Since: 0.9.5)
        public static let storageProbeFailed = Code(rawValue: Int32(VIR_ERR_STORAGE_PROBE_FAILED.rawValue))
        /// `VIR_ERR_STORAGE_POOL_BUILT`: storage pool already built (Since: 0.9.5)
        public static let storagePoolBuilt = Code(rawValue: Int32(VIR_ERR_STORAGE_POOL_BUILT.rawValue))
        /// `VIR_ERR_SNAPSHOT_REVERT_RISKY`: force was not requested for a risky domain snapshot revert (Since: 0.9.7)
        public static let snapshotRevertRisky = Code(rawValue: Int32(VIR_ERR_SNAPSHOT_REVERT_RISKY.rawValue))
        /// `VIR_ERR_OPERATION_ABORTED`: operation on a domain was canceled/aborted by user (Since: 0.9.9)
        public static let operationAborted = Code(rawValue: Int32(VIR_ERR_OPERATION_ABORTED.rawValue))
        /// `VIR_ERR_AUTH_CANCELLED`: authentication cancelled (Since: 0.9.10)
        public static let authCancelled = Code(rawValue: Int32(VIR_ERR_AUTH_CANCELLED.rawValue))
        /// `VIR_ERR_NO_DOMAIN_METADATA`: The metadata is not present (Since: 0.9.10)
        public static let noDomainMetadata = Code(rawValue: Int32(VIR_ERR_NO_DOMAIN_METADATA.rawValue))
        /// `VIR_ERR_MIGRATE_UNSAFE`: Migration is not safe (Since: 0.9.11)
        public static let migrateUnsafe = Code(rawValue: Int32(VIR_ERR_MIGRATE_UNSAFE.rawValue))
        /// `VIR_ERR_OVERFLOW`: integer overflow (Since: 0.9.11)
        public static let overflow = Code(rawValue: Int32(VIR_ERR_OVERFLOW.rawValue))
        /// `VIR_ERR_BLOCK_COPY_ACTIVE`: action prevented by block copy job (Since: 0.9.12)
        public static let blockCopyActive = Code(rawValue: Int32(VIR_ERR_BLOCK_COPY_ACTIVE.rawValue))
        /// `VIR_ERR_OPERATION_UNSUPPORTED`: The requested operation is not supported (Since: 0.10.0)
        public static let operationUnsupported = Code(rawValue: Int32(VIR_ERR_OPERATION_UNSUPPORTED.rawValue))
        /// `VIR_ERR_SSH`: error in ssh transport driver (Since: 0.10.0)
        public static let ssh = Code(rawValue: Int32(VIR_ERR_SSH.rawValue))
        /// `VIR_ERR_AGENT_UNRESPONSIVE`: guest agent is unresponsive, not running or not usable (Since: 0.10.0)
        public static let agentUnresponsive = Code(rawValue: Int32(VIR_ERR_AGENT_UNRESPONSIVE.rawValue))
        /// `VIR_ERR_RESOURCE_BUSY`: resource is already in use (Since: 1.0.0)
        public static let resourceBusy = Code(rawValue: Int32(VIR_ERR_RESOURCE_BUSY.rawValue))
        /// `VIR_ERR_ACCESS_DENIED`: operation on the object/resource was denied (Since: 1.1.0)
        public static let accessDenied = Code(rawValue: Int32(VIR_ERR_ACCESS_DENIED.rawValue))
        /// `VIR_ERR_DBUS_SERVICE`: error from a dbus service (Since: 1.1.1)
        public static let dbusService = Code(rawValue: Int32(VIR_ERR_DBUS_SERVICE.rawValue))
        /// `VIR_ERR_STORAGE_VOL_EXIST`: the storage vol already exists (Since: 1.1.4)
        public static let storageVolExist = Code(rawValue: Int32(VIR_ERR_STORAGE_VOL_EXIST.rawValue))
        /// `VIR_ERR_CPU_INCOMPATIBLE`: given CPU is incompatible with host CPU (Since: 1.2.6)
        public static let cpuIncompatible = Code(rawValue: Int32(VIR_ERR_CPU_INCOMPATIBLE.rawValue))
        /// `VIR_ERR_XML_INVALID_SCHEMA`: XML document doesn't validate against schema (Since: 1.2.12)
        public static let xmlInvalidSchema = Code(rawValue: Int32(VIR_ERR_XML_INVALID_SCHEMA.rawValue))
        /// `VIR_ERR_MIGRATE_FINISH_OK`: Finish API succeeded but it is expected to return NULL (Since: 1.2.18)
        public static let migrateFinishOk = Code(rawValue: Int32(VIR_ERR_MIGRATE_FINISH_OK.rawValue))
        /// `VIR_ERR_AUTH_UNAVAILABLE`: authentication unavailable (Since: 1.3.3)
        public static let authUnavailable = Code(rawValue: Int32(VIR_ERR_AUTH_UNAVAILABLE.rawValue))
        /// `VIR_ERR_NO_SERVER`: Server was not found (Since: 1.3.3)
        public static let noServer = Code(rawValue: Int32(VIR_ERR_NO_SERVER.rawValue))
        /// `VIR_ERR_NO_CLIENT`: Client was not found (Since: 1.3.5)
        public static let noClient = Code(rawValue: Int32(VIR_ERR_NO_CLIENT.rawValue))
        /// `VIR_ERR_AGENT_UNSYNCED`: guest agent replies with wrong id to guest-sync command (DEPRECATED) (Since: 2.3.0)
        public static let agentUnsynced = Code(rawValue: Int32(VIR_ERR_AGENT_UNSYNCED.rawValue))
        /// `VIR_ERR_LIBSSH`: error in libssh transport driver (Since: 2.5.0)
        public static let libssh = Code(rawValue: Int32(VIR_ERR_LIBSSH.rawValue))
        /// `VIR_ERR_DEVICE_MISSING`: fail to find the desired device (Since: 4.1.0)
        public static let deviceMissing = Code(rawValue: Int32(VIR_ERR_DEVICE_MISSING.rawValue))
        /// `VIR_ERR_INVALID_NWFILTER_BINDING`: invalid nwfilter binding (Since: 4.5.0)
        public static let invalidNwfilterBinding = Code(rawValue: Int32(VIR_ERR_INVALID_NWFILTER_BINDING.rawValue))
        /// `VIR_ERR_NO_NWFILTER_BINDING`: no nwfilter binding (Since: 4.5.0)
        public static let noNwfilterBinding = Code(rawValue: Int32(VIR_ERR_NO_NWFILTER_BINDING.rawValue))
        /// `VIR_ERR_INVALID_DOMAIN_CHECKPOINT`: invalid domain checkpoint (Since: 5.2.0)
        public static let invalidDomainCheckpoint = Code(rawValue: Int32(VIR_ERR_INVALID_DOMAIN_CHECKPOINT.rawValue))
        /// `VIR_ERR_NO_DOMAIN_CHECKPOINT`: domain checkpoint not found (Since: 5.2.0)
        public static let noDomainCheckpoint = Code(rawValue: Int32(VIR_ERR_NO_DOMAIN_CHECKPOINT.rawValue))
        /// `VIR_ERR_NO_DOMAIN_BACKUP`: domain backup job id not found (Since: 5.2.0)
        public static let noDomainBackup = Code(rawValue: Int32(VIR_ERR_NO_DOMAIN_BACKUP.rawValue))
        /// `VIR_ERR_INVALID_NETWORK_PORT`: invalid network port object (Since: 5.5.0)
        public static let invalidNetworkPort = Code(rawValue: Int32(VIR_ERR_INVALID_NETWORK_PORT.rawValue))
        /// `VIR_ERR_NETWORK_PORT_EXIST`: the network port already exist (Since: 5.5.0)
        public static let networkPortExist = Code(rawValue: Int32(VIR_ERR_NETWORK_PORT_EXIST.rawValue))
        /// `VIR_ERR_NO_NETWORK_PORT`: network port not found (Since: 5.5.0)
        public static let noNetworkPort = Code(rawValue: Int32(VIR_ERR_NO_NETWORK_PORT.rawValue))
        /// `VIR_ERR_NO_HOSTNAME`: no domain's hostname found (Since: 6.1.0)
        public static let noHostname = Code(rawValue: Int32(VIR_ERR_NO_HOSTNAME.rawValue))
        /// `VIR_ERR_CHECKPOINT_INCONSISTENT`: checkpoint can't be used (Since: 6.10.0)
        public static let checkpointInconsistent = Code(rawValue: Int32(VIR_ERR_CHECKPOINT_INCONSISTENT.rawValue))
        /// `VIR_ERR_MULTIPLE_DOMAINS`: more than one matching domain found (Since: 7.1.0)
        public static let multipleDomains = Code(rawValue: Int32(VIR_ERR_MULTIPLE_DOMAINS.rawValue))

        public var description: String {
            switch self {
            case .internalError: "internalError"
            case .noMemory: "noMemory"
            case .notSupported: "notSupported"
            case .unknownHost: "unknownHost"
            case .noConnection: "noConnection"
            case .invalidConnection: "invalidConnection"
            case .invalidDomain: "invalidDomain"
            case .invalidArg: "invalidArg"
            case .operationFailed: "operationFailed"
            case .getFailed: "getFailed"
            case .postFailed: "postFailed"
            case .httpError: "httpError"
            case .sexprSerial: "sexprSerial"
            case .noXen: "noXen"
            case .xenCall: "xenCall"
            case .osType: "osType"
            case .noKernel: "noKernel"
            case .noRoot: "noRoot"
            case .noSource: "noSource"
            case .noTarget: "noTarget"
            case .noName: "noName"
            case .noOs: "noOs"
            case .noDevice: "noDevice"
            case .noXenstore: "noXenstore"
            case .driverFull: "driverFull"
            case .callFailed: "callFailed"
            case .xmlError: "xmlError"
            case .domainExists: "domainExists"
            case .operationDenied: "operationDenied"
            case .openFailed: "openFailed"
            case .readFailed: "readFailed"
            case .parseFailed: "parseFailed"
            case .confSyntax: "confSyntax"
            case .writeFailed: "writeFailed"
            case .xmlDetail: "xmlDetail"
            case .invalidNetwork: "invalidNetwork"
            case .networkExist: "networkExist"
            case .systemError: "systemError"
            case .rpc: "rpc"
            case .gnutlsError: "gnutlsError"
            case .noDomain: "noDomain"
            case .noNetwork: "noNetwork"
            case .invalidMac: "invalidMac"
            case .authFailed: "authFailed"
            case .invalidStoragePool: "invalidStoragePool"
            case .invalidStorageVol: "invalidStorageVol"
            case .noStoragePool: "noStoragePool"
            case .noStorageVol: "noStorageVol"
            case .invalidNodeDevice: "invalidNodeDevice"
            case .noNodeDevice: "noNodeDevice"
            case .noSecurityModel: "noSecurityModel"
            case .operationInvalid: "operationInvalid"
            case .noInterface: "noInterface"
            case .invalidInterface: "invalidInterface"
            case .multipleInterfaces: "multipleInterfaces"
            case .invalidNwfilter: "invalidNwfilter"
            case .noNwfilter: "noNwfilter"
            case .buildFirewall: "buildFirewall"
            case .invalidSecret: "invalidSecret"
            case .noSecret: "noSecret"
            case .configUnsupported: "configUnsupported"
            case .operationTimeout: "operationTimeout"
            case .migratePersistFailed: "migratePersistFailed"
            case .hookScriptFailed: "hookScriptFailed"
            case .invalidDomainSnapshot: "invalidDomainSnapshot"
            case .noDomainSnapshot: "noDomainSnapshot"
            case .invalidStream: "invalidStream"
            case .argumentUnsupported: "argumentUnsupported"
            case .storageProbeFailed: "storageProbeFailed"
            case .storagePoolBuilt: "storagePoolBuilt"
            case .snapshotRevertRisky: "snapshotRevertRisky"
            case .operationAborted: "operationAborted"
            case .authCancelled: "authCancelled"
            case .noDomainMetadata: "noDomainMetadata"
            case .migrateUnsafe: "migrateUnsafe"
            case .overflow: "overflow"
            case .blockCopyActive: "blockCopyActive"
            case .operationUnsupported: "operationUnsupported"
            case .ssh: "ssh"
            case .agentUnresponsive: "agentUnresponsive"
            case .resourceBusy: "resourceBusy"
            case .accessDenied: "accessDenied"
            case .dbusService: "dbusService"
            case .storageVolExist: "storageVolExist"
            case .cpuIncompatible: "cpuIncompatible"
            case .xmlInvalidSchema: "xmlInvalidSchema"
            case .migrateFinishOk: "migrateFinishOk"
            case .authUnavailable: "authUnavailable"
            case .noServer: "noServer"
            case .noClient: "noClient"
            case .agentUnsynced: "agentUnsynced"
            case .libssh: "libssh"
            case .deviceMissing: "deviceMissing"
            case .invalidNwfilterBinding: "invalidNwfilterBinding"
            case .noNwfilterBinding: "noNwfilterBinding"
            case .invalidDomainCheckpoint: "invalidDomainCheckpoint"
            case .noDomainCheckpoint: "noDomainCheckpoint"
            case .noDomainBackup: "noDomainBackup"
            case .invalidNetworkPort: "invalidNetworkPort"
            case .networkPortExist: "networkPortExist"
            case .noNetworkPort: "noNetworkPort"
            case .noHostname: "noHostname"
            case .checkpointInconsistent: "checkpointInconsistent"
            case .multipleDomains: "multipleDomains"
            default: "\(rawValue)"
            }
        }
    }

}
