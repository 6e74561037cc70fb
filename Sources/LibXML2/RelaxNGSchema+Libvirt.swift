import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RelaxNGSchema {
    /// The libvirt schemas kinvm validates against, named after their files (`domain.rng` ...).
    public enum Libvirt: String, Sendable, CaseIterable {
        case domain
        case network
        case storagePool = "storagepool"
        case storageVolume = "storagevol"

        /// The schema's file name, e.g. `domain.rng`.
        public var fileName: String { rawValue + ".rng" }
    }

    /// The environment variable naming a directory of libvirt schemas, searched first.
    public static let libvirtSchemasVariable = "KINVM_LIBVIRT_SCHEMAS"
    /// Where libvirt installs its schemas (Debian and Ubuntu: package libvirt0).
    public static let libvirtSchemasDirectory = "/usr/share/libvirt/schemas"

    /// One of libvirt's schemas, compiled on first use and cached for the life of the process.
    ///
    /// The file is looked for in `$KINVM_LIBVIRT_SCHEMAS`, then in `/usr/share/libvirt/schemas`.
    /// The first call for a schema blocks while it compiles (domain.rng takes a while); concurrent
    /// callers wait for that one compilation. A failure is not cached.
    /// - Throws: `.io` listing where it looked when the file is not found, or the compile error.
    public static func libvirt(_ schema: Libvirt) throws(XMLError) -> RelaxNGSchema {
        try libvirtCache.withLock { cache throws(XMLError) -> RelaxNGSchema in
            if let cached = cache[schema] { return cached }
            let compiled = try RelaxNGSchema(contentsOfFile: try locate(schema, in: libvirtSearchPath()))
            cache[schema] = compiled
            return compiled
        }
    }

    private static let libvirtCache = Mutex<[Libvirt: RelaxNGSchema]>([:])

    /// The directories to search: `$KINVM_LIBVIRT_SCHEMAS` when set and not empty, then libvirt's.
    public static func libvirtSearchPath(environment: String? = getenv(libvirtSchemasVariable).map { String(cString: $0) })
        -> [String]
    {
        guard let environment, !environment.isEmpty else { return [libvirtSchemasDirectory] }
        return [environment, libvirtSchemasDirectory]
    }

    /// The path of the first readable `<name>.rng` in `directories`.
    /// - Throws: `.io` saying where it looked and how to get the schemas.
    static func locate(_ schema: Libvirt, in directories: [String]) throws(XMLError) -> String {
        for directory in directories {
            let path = directory.hasSuffix("/") ? directory + schema.fileName : directory + "/" + schema.fileName
            if access(path, R_OK) == 0 { return path }
        }
        let variableSet = directories.count > 1
        let message = "cannot find libvirt's RelaxNG schema \(schema.fileName); looked in "
            + directories.joined(separator: ", ")
            + (variableSet ? "" : " ($\(libvirtSchemasVariable) is not set)")
            + ". Install the package that ships libvirt's schemas (Debian/Ubuntu: libvirt0, which"
            + " libvirt-daemon depends on) or set \(libvirtSchemasVariable) to a directory holding"
            + " \(schema.fileName)."
        throw XMLError(kind: .io, message: message, source: schema.fileName)
    }
}
