import CloudInit
import Foundation
import Testing

/// Seeds and images shared by the ISO tests.
enum SeedImages {
    static let seed = NoCloudSeed(
        metaData: MetaData(instanceID: "iid-worker-1", localHostname: "worker-1"),
        userData: .cloudConfig(FullConfig.config), networkConfig: NetworkConfigTests.config,
        vendorData: .raw("#cloud-config\nfinal_message: vendor\n"))

    static func image(_ files: [ISO9660Image.File], label: String = ISO9660Image.cidataLabel) throws -> [UInt8] {
        try ISO9660Image(volumeLabel: label, files: files, recordedAt: Fixtures.time).bytes()
    }

    static func file(_ name: String, _ text: String) -> ISO9660Image.File {
        ISO9660Image.File(name: name, contents: Array(text.utf8))
    }
}

@Suite("ISO 9660 structure")
struct ISOStructureTests {
    let files: [ISO9660Image.File]
    let iso: ISOInspector

    init() throws {
        files = try SeedImages.seed.files()
        iso = ISOInspector(bytes: try SeedImages.image(files))
    }

    @Test("the image is whole 2048-byte sectors, and the volume space size counts them all")
    func sizes() throws {
        #expect(iso.bytes.count % 2048 == 0)
        #expect(try iso.both32(16 * 2048 + 80) * 2048 == iso.bytes.count)
        #expect(try iso.both32(17 * 2048 + 80) * 2048 == iso.bytes.count)
        #expect(iso.bytes[0..<(16 * 2048)].allSatisfy { $0 == 0 }, "the system area is zeros")
    }

    @Test("the primary volume descriptor has its fields at ECMA-119's offsets")
    func primaryDescriptor() throws {
        let base = 16 * 2048
        #expect(iso.bytes[base] == 1)
        #expect(iso.ascii(base + 1, 5) == "CD001")
        #expect(iso.bytes[base + 6] == 1)
        #expect(iso.ascii(base + 8, 32) == "LINUX" + String(repeating: " ", count: 27))
        #expect(iso.ascii(base + 40, 32) == "CIDATA" + String(repeating: " ", count: 26))
        #expect(iso.bytes[(base + 88)..<(base + 120)].allSatisfy { $0 == 0 })
        #expect(try iso.both16(base + 120) == 1)  // volume set size
        #expect(try iso.both16(base + 124) == 1)  // volume sequence number
        #expect(try iso.both16(base + 128) == 2048)
        #expect(try iso.both32(base + 132) == 10)  // path table: the root only
        #expect(iso.little32(base + 140) == 19)
        #expect(iso.little32(base + 144) == 0)
        #expect(iso.big32(base + 148) == 20)
        #expect(iso.big32(base + 152) == 0)
        #expect(iso.bytes[base + 156] == 34)
        #expect(iso.ascii(base + 813, 16) == "2026112905000000")
        #expect(iso.bytes[base + 829] == 0)
        #expect(iso.ascii(base + 830, 16) == "2026112905000000")
        #expect(iso.ascii(base + 847, 16) == String(repeating: "0", count: 16))
        #expect(iso.bytes[base + 881] == 1)  // file structure version
    }

    @Test("the Joliet descriptor is supplementary, UCS-2 level 3, with its own root and path tables")
    func jolietDescriptor() throws {
        let base = 17 * 2048
        #expect(iso.bytes[base] == 2)
        #expect(iso.ascii(base + 1, 5) == "CD001")
        #expect(iso.ascii(base + 88, 3) == "%/E")
        #expect(iso.ucs2(base + 40, 32) == "CIDATA" + String(repeating: " ", count: 10))
        #expect(iso.ucs2(base + 8, 32).hasPrefix("LINUX "))
        #expect(try iso.both16(base + 128) == 2048)
        #expect(try iso.both32(base + 132) == 10)
        #expect(iso.little32(base + 140) == 21)
        #expect(iso.big32(base + 148) == 22)
        let (primaryRoot, _) = try iso.root(descriptorSector: 16)
        let (jolietRoot, _) = try iso.root(descriptorSector: 17)
        #expect(primaryRoot.extent == 23)
        #expect(jolietRoot.extent > primaryRoot.extent)
    }

    @Test("the descriptor set ends with a terminator in sector 18")
    func terminator() {
        let base = 18 * 2048
        #expect(iso.bytes[base] == 255)
        #expect(iso.ascii(base + 1, 5) == "CD001")
        #expect(iso.bytes[base + 6] == 1)
    }

    @Test("L and M path tables point at each hierarchy's root")
    func pathTables() throws {
        for (descriptor, little, big) in [(16, 19, 20), (17, 21, 22)] {
            let (root, _) = try iso.root(descriptorSector: descriptor)
            let l = little * 2048
            let m = big * 2048
            #expect(Array(iso.bytes[l..<(l + 2)]) == [1, 0])
            #expect(iso.little32(l + 2) == root.extent)
            #expect(iso.little16(l + 6) == 1)
            #expect(iso.bytes[l + 8] == 0)
            #expect(Array(iso.bytes[m..<(m + 2)]) == [1, 0])
            #expect(iso.big32(m + 2) == root.extent)
            #expect(iso.big16(m + 6) == 1)
        }
    }

    @Test("the primary root: . with SUSP SP and ER, .., then 8.3 names in order with Rock Ridge NM and PX")
    func primaryRoot() throws {
        let (root, records) = try iso.root(descriptorSector: 16)
        #expect(records.map(\.identifier) == [[0], [1]] + ["META_DAT.;1", "NETWORK_.;1", "USER_DAT.;1", "VENDOR_D.;1"].map { Array($0.utf8) })
        let dot = records[0]
        #expect(dot.extent == root.extent && dot.dataLength == root.dataLength && dot.isDirectory)
        #expect(dot.suspEntries.first?.signature == "SP")
        #expect(dot.susp("SP") == [0xBE, 0xEF, 0])
        let extensionReference = try #require(dot.susp("ER"))
        let idLength = Int(extensionReference[0])
        #expect(String(decoding: extensionReference[4..<(4 + idLength)], as: UTF8.self) == "RRIP_1991A")
        #expect(records[1].extent == root.extent)
        for record in records {
            #expect(record.length % 2 == 0)
            #expect(record.date == [126, 11, 29, 5, 0, 0, 0])
            let px = try #require(record.susp("PX"))
            let mode = ISOInspector(bytes: px).little32(0)
            #expect(mode == (record.isDirectory ? 0o040555 : 0o100444))
            #expect(record.susp("TF") != nil)
        }
        let names = records.dropFirst(2).map { String(decoding: ($0.susp("NM") ?? []).dropFirst(), as: UTF8.self) }
        #expect(names == ["meta-data", "network-config", "user-data", "vendor-data"])
        for record in records.dropFirst(2) {
            let name = String(decoding: (record.susp("NM") ?? []).dropFirst(), as: UTF8.self)
            #expect(iso.contents(of: record) == files.first { $0.name == name }?.contents)
        }
    }

    @Test("the Joliet root has the real names in UCS-2, sorted, pointing at the same extents")
    func jolietRoot() throws {
        let (_, primary) = try iso.root(descriptorSector: 16)
        let (_, joliet) = try iso.root(descriptorSector: 17)
        let names = joliet.dropFirst(2).map { ISOInspector(bytes: $0.identifier).ucs2(0, $0.identifier.count) }
        #expect(names == ["meta-data", "network-config", "user-data", "vendor-data"])
        #expect(joliet.dropFirst(2).allSatisfy { $0.systemUse.isEmpty })
        #expect(Set(joliet.dropFirst(2).map(\.extent)) == Set(primary.dropFirst(2).map(\.extent)))
        for (record, name) in zip(joliet.dropFirst(2), names) {
            #expect(iso.contents(of: record) == files.first { $0.name == name }?.contents)
        }
    }

    @Test("file data starts after both directories, in the order given, one extent each")
    func fileExtents() throws {
        let (_, joliet) = try iso.root(descriptorSector: 17)
        let byName = Dictionary(uniqueKeysWithValues: joliet.dropFirst(2).map {
            (ISOInspector(bytes: $0.identifier).ucs2(0, $0.identifier.count), $0)
        })
        let (jolietRoot, _) = try iso.root(descriptorSector: 17)
        var next = jolietRoot.extent + jolietRoot.dataLength / 2048
        for file in files {
            let record = try #require(byName[file.name])
            #expect(record.extent == next)
            next += (file.contents.count + 2047) / 2048
        }
        #expect(next * 2048 == iso.bytes.count)
    }

    @Test("the same inputs give the same bytes; another time changes only dates")
    func reproducible() throws {
        #expect(try SeedImages.image(files) == iso.bytes)
        let later = try ISO9660Image(files: files, recordedAt: Fixtures.time.addingTimeInterval(3600)).bytes()
        #expect(later.count == iso.bytes.count)
        #expect(later != iso.bytes)
    }

    @Test("recording times are UTC civil dates, clamped to what records hold", arguments: [
        (0.0, "1970010100000000", [70, 1, 1, 0, 0, 0, 0] as [UInt8]),
        (951_827_696, "2000022912345600", [100, 2, 29, 12, 34, 56, 0]),
        (1_795_928_400, "2026112905000000", [126, 11, 29, 5, 0, 0, 0]),
        (-2_240_524_800, "1900010100000000", [0, 1, 1, 0, 0, 0, 0]),
        (6_000_000_000, "2155123123595900", [255, 12, 31, 23, 59, 59, 0]),
    ])
    func dates(seconds: Double, descriptor: String, record: [UInt8]) throws {
        let bytes = try ISO9660Image(files: [SeedImages.file("a", "x")], recordedAt: Date(timeIntervalSince1970: seconds)).bytes()
        let image = ISOInspector(bytes: bytes)
        #expect(image.ascii(16 * 2048 + 813, 16) == descriptor)
        #expect(try image.root(descriptorSector: 16).1[2].date == record)
    }

    @Test("many files with clashing 8.3 names: directories span sectors, no record crosses one, names stay unique")
    func manyFiles() throws {
        let many = (0..<150).map { SeedImages.file("user-data-\($0)-with-a-long-name.yaml", "file \($0)\n") }
        let image = ISOInspector(bytes: try SeedImages.image(many))
        let (primaryRoot, primary) = try image.root(descriptorSector: 16)
        let (jolietRoot, joliet) = try image.root(descriptorSector: 17)
        #expect(primaryRoot.dataLength > 2048 && jolietRoot.dataLength > 2048)
        #expect(primary.count == 152 && joliet.count == 152)
        let isoNames = primary.dropFirst(2).map { String(decoding: $0.identifier, as: UTF8.self) }
        #expect(Set(isoNames).count == 150)
        #expect(isoNames.allSatisfy { $0.count <= 14 && $0.hasSuffix(";1") })
        let rockNames = primary.dropFirst(2).map { String(decoding: ($0.susp("NM") ?? []).dropFirst(), as: UTF8.self) }
        #expect(Set(rockNames) == Set(many.map(\.name)))
        for record in primary.dropFirst(2) {
            let name = String(decoding: (record.susp("NM") ?? []).dropFirst(), as: UTF8.self)
            #expect(image.contents(of: record) == many.first { $0.name == name }?.contents)
        }
    }

    @Test("an empty file has length 0 and takes no sectors")
    func emptyFile() throws {
        let image = ISOInspector(bytes: try SeedImages.image([SeedImages.file("meta-data", "x"), SeedImages.file("user-data", "")]))
        let (_, records) = try image.root(descriptorSector: 16)
        #expect(records[3].dataLength == 0)
        #expect(image.bytes.count == (records[2].extent + 1) * 2048)
    }

    @Test("labels must be 1-16 letters, digits or '_'; the primary descriptor gets it upper-cased", arguments: [
        ("cidata", true), ("CIDATA", true), ("config_2", true), ("", false), ("ci data", false), ("ci-data", false),
        ("ÇIDATA", false), (String(repeating: "A", count: 17), false),
    ])
    func labels(label: String, valid: Bool) throws {
        if valid {
            let image = ISOInspector(bytes: try SeedImages.image([SeedImages.file("a", "b")], label: label))
            #expect(image.ascii(16 * 2048 + 40, label.count) == label.uppercased())
            #expect(image.ucs2(17 * 2048 + 40, label.count * 2) == label)
        } else {
            #expect { try SeedImages.image([], label: label) } throws: { ($0 as? CloudInitError)?.field == "volumeLabel" }
        }
    }

    @Test("file names must be portable and unique", arguments: [
        ["a/b"], ["."], [".."], [""], ["ünï"], ["a b"], ["a;1"], [String(repeating: "x", count: 65)], ["same", "same"],
    ])
    func badNames(names: [String]) {
        #expect { try SeedImages.image(names.map { SeedImages.file($0, "") }) } throws: {
            ($0 as? CloudInitError)?.field.hasPrefix("files[") == true
        }
    }
}
