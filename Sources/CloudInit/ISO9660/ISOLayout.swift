/// Where everything goes, in 2048-byte sectors:
///
/// | sector | content |
/// |---|---|
/// | 0-15 | system area (zeros) |
/// | 16 | primary volume descriptor |
/// | 17 | Joliet supplementary volume descriptor |
/// | 18 | volume descriptor set terminator |
/// | 19, 20 | primary path tables, L then M |
/// | 21, 22 | Joliet path tables, L then M |
/// | 23... | primary root directory, then Joliet root directory |
/// | then | each file's data, in the order given, one extent each |
///
/// Both hierarchies point at the same file extents. An empty file gets the next free sector as
/// its location and no sectors.
struct ISOLayout {
    let files: [ISO9660Image.File]
    let volumeLabel: String
    let time: ISOTimestamp

    static let primaryPathTables: UInt32 = 19
    static let jolietPathTables: UInt32 = 21
    static let primaryRoot: UInt32 = 23
    static let pathTableSize: UInt32 = 10

    func image() -> [UInt8] {
        let sector = UInt32(ISO9660Image.sectorSize)
        // Record lengths do not depend on extents, so size the directories with placeholders first.
        let primarySectors = UInt32(DirectoryRecord.directory(primaryRecords(root: 0, rootSize: 0, extents: [])).count) / sector
        let jolietSectors = UInt32(DirectoryRecord.directory(jolietRecords(root: 0, rootSize: 0, extents: [])).count) / sector
        let jolietRoot = Self.primaryRoot + primarySectors
        var next = jolietRoot + jolietSectors
        var extents: [UInt32] = []
        for file in files {
            extents.append(next)
            next += (UInt32(file.contents.count) + sector - 1) / sector
        }
        let total = next

        var image = [UInt8](repeating: 0, count: Int(total) * ISO9660Image.sectorSize)
        func put(_ bytes: [UInt8], sector number: UInt32) { image.write(bytes, at: Int(number) * ISO9660Image.sectorSize) }

        let primaryRootSize = primarySectors * sector
        let jolietRootSize = jolietSectors * sector
        put(descriptor(.primary, total: total, root: Self.primaryRoot, rootSize: primaryRootSize).encoded, sector: 16)
        put(descriptor(.joliet, total: total, root: jolietRoot, rootSize: jolietRootSize).encoded, sector: 17)
        put(VolumeDescriptor.terminator, sector: 18)
        for (first, root) in [(Self.primaryPathTables, Self.primaryRoot), (Self.jolietPathTables, jolietRoot)] {
            put(DirectoryRecord.rootPathTable(rootExtent: root, bigEndian: false), sector: first)
            put(DirectoryRecord.rootPathTable(rootExtent: root, bigEndian: true), sector: first + 1)
        }
        put(DirectoryRecord.directory(primaryRecords(root: Self.primaryRoot, rootSize: primaryRootSize, extents: extents)),
            sector: Self.primaryRoot)
        put(DirectoryRecord.directory(jolietRecords(root: jolietRoot, rootSize: jolietRootSize, extents: extents)),
            sector: jolietRoot)
        for (file, extent) in zip(files, extents) where !file.contents.isEmpty {
            put(file.contents, sector: extent)
        }
        return image
    }

    private func descriptor(_ kind: VolumeDescriptor.Kind, total: UInt32, root: UInt32, rootSize: UInt32) -> VolumeDescriptor {
        let tables = kind == .primary ? Self.primaryPathTables : Self.jolietPathTables
        return VolumeDescriptor(
            kind: kind, volumeLabel: kind == .primary ? volumeLabel.uppercased() : volumeLabel,
            volumeSpaceSize: total, pathTableSize: Self.pathTableSize,
            littleEndianPathTable: tables, bigEndianPathTable: tables + 1,
            rootRecord: DirectoryRecord(
                identifier: DirectoryRecord.currentDirectory, extent: root, dataLength: rootSize, isDirectory: true,
                recorded: time),
            created: time)
    }

    /// `.` (with SUSP `SP` and `ER`), `..`, then the files sorted by their 8.3 names, each with
    /// Rock Ridge `RR`, `NM`, `PX` and `TF` entries.
    private func primaryRecords(root: UInt32, rootSize: UInt32, extents: [UInt32]) -> [DirectoryRecord] {
        let directoryEntries = RockRidge.presence(hasName: false)
            + RockRidge.posixAttributes(mode: RockRidge.directoryMode, links: 2) + RockRidge.timestamps(time)
        var records = [
            DirectoryRecord(
                identifier: DirectoryRecord.currentDirectory, extent: root, dataLength: rootSize, isDirectory: true,
                recorded: time, systemUse: RockRidge.suspIndicator + directoryEntries + RockRidge.extensionReference),
            DirectoryRecord(
                identifier: DirectoryRecord.parentDirectory, extent: root, dataLength: rootSize, isDirectory: true,
                recorded: time, systemUse: directoryEntries),
        ]
        let names = ISONames.level1(files.map(\.name))
        let order = files.indices.sorted { ISONames.level1Precedes(names[$0], names[$1]) }
        for index in order {
            let file = files[index]
            records.append(DirectoryRecord(
                identifier: Array(names[index].utf8), extent: extents.isEmpty ? 0 : extents[index],
                dataLength: UInt32(file.contents.count), isDirectory: false, recorded: time,
                systemUse: RockRidge.presence(hasName: true) + RockRidge.alternateName(file.name)
                    + RockRidge.posixAttributes(mode: RockRidge.fileMode, links: 1) + RockRidge.timestamps(time)))
        }
        return records
    }

    /// `.`, `..`, then the files sorted by name, with their names in UCS-2 (no `;1` version).
    private func jolietRecords(root: UInt32, rootSize: UInt32, extents: [UInt32]) -> [DirectoryRecord] {
        var records = [DirectoryRecord.currentDirectory, DirectoryRecord.parentDirectory].map {
            DirectoryRecord(identifier: $0, extent: root, dataLength: rootSize, isDirectory: true, recorded: time)
        }
        let order = files.indices.sorted { ISONames.jolietPrecedes(files[$0].name, files[$1].name) }
        for index in order {
            records.append(DirectoryRecord(
                identifier: ByteFields.ucs2(files[index].name), extent: extents.isEmpty ? 0 : extents[index],
                dataLength: UInt32(files[index].contents.count), isDirectory: false, recorded: time))
        }
        return records
    }
}
