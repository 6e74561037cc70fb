import ArgumentParser
import Provisioner

struct ImageList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the images (volumes) of a pool, or of all active pools, and who uses them.")

    @Option(help: "Only this storage pool (default: every active pool).")
    var pool: String?

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, wide, json, yaml
    }

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let images = try await ImageCommand.withStore(connection) { store throws(ProvisionerError) in
            try await store.listImages(pool: pool)
        }
        switch output {
        case .json: print(try Rendering.json(images))
        case .yaml: print(try Rendering.yaml(images), terminator: "")
        case .text:
            print(Rendering.table(
                ["POOL", "NAME", "FORMAT", "SIZE", "USED-BY"],
                images.map { [$0.pool, $0.name, $0.format, Rendering.bytes($0.capacity), Self.list($0.usedBy)] }))
        case .wide:
            print(Rendering.table(
                ["POOL", "NAME", "FORMAT", "SIZE", "ALLOCATED", "USED-BY", "OVERLAYS", "PATH"],
                images.map {
                    [$0.pool, $0.name, $0.format, Rendering.bytes($0.capacity), Rendering.bytes($0.allocation),
                     Self.list($0.usedBy), Self.list($0.overlays), $0.path]
                }))
        }
    }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "-" : names.joined(separator: ",") }
}

struct ImageDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an image; refused while a guest uses it (directly or through an overlay).")

    @Argument(help: "Image (volume) name.")
    var name: String

    @OptionGroup var pool: PoolOption

    @Flag(help: "Delete even though overlay volumes (used by no guest) still rest on it.")
    var force = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let image = try await ImageCommand.withStore(connection) { store throws(ProvisionerError) in
            try await store.deleteImage(name: name, pool: pool.pool, force: force)
        }
        print("deleted \(image.pool)/\(image.name)")
    }
}
