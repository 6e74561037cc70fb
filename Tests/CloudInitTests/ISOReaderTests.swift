import CloudInit
import Foundation
import Testing

/// Independent readers of the images: cdrkit's isoinfo, libisofs' xorriso, libarchive's bsdtar,
/// 7-Zip, libblkid (what cloud-init uses to find the seed), and the Linux kernel when it can
/// mount one here. Tests that need a tool are skipped, with the reason, when it is missing; the
/// project's test setup installs them (genisoimage xorriso libarchive-tools p7zip-full).
@Suite("ISO 9660 images, read by other tools")
struct ISOReaderTests {
    /// The full seed, a minimal seed (no optional files, empty user-data) and large files.
    static let cases: [(String, [ISO9660Image.File])] = {
        let full = (try? SeedImages.seed.files()) ?? []
        let minimal = (try? NoCloudSeed(metaData: MetaData(instanceID: "iid-min"), userData: .raw("")).files()) ?? []
        let large = (0..<(3 * 1024 * 1024 + 1)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        let big = [
            ISO9660Image.File(name: "meta-data", contents: Array("instance-id: iid-big\n".utf8)),
            ISO9660Image.File(name: "user-data", contents: large),
            ISO9660Image.File(name: "vendor-data", contents: [UInt8](repeating: 0x41, count: 1024 * 1024)),
        ]
        return [("full", full), ("minimal", minimal), ("3 MiB", big)]
    }()

    /// Writes the case's image to a scratch directory.
    static func image(_ name: String) throws -> (Scratch, String, [ISO9660Image.File]) {
        let files = try #require(cases.first { $0.0 == name }?.1)
        #expect(!files.isEmpty)
        let scratch = try Scratch()
        return (scratch, try scratch.write(try SeedImages.image(files), to: "seed.iso"), files)
    }

    static let caseNames = cases.map(\.0)

    @Test("isoinfo -d: volume id CIDATA, Joliet level 3, Rock Ridge, 2048-byte blocks",
        .enabled(if: Tool.isoinfo != nil, "needs isoinfo (apt: genisoimage)"), arguments: caseNames)
    func isoinfoDescriptor(name: String) throws {
        let (scratch, path, _) = try Self.image(name)
        defer { scratch.remove() }
        let result = try Tool.run(Tool.isoinfo!, ["-d", "-i", path])
        #expect(result.status == 0, "\(result.stderr)")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        for line in [
            "CD-ROM is in ISO 9660 format", "Volume id: CIDATA", "Logical block size is: 2048",
            "Volume size is: \(size / 2048)", "Joliet with UCS level 3 found", "Rock Ridge signatures version 1 found",
        ] {
            #expect(result.text.contains(line + "\n"), "missing '\(line)' in:\n\(result.text)")
        }
    }

    @Test("isoinfo lists the real names via Joliet and Rock Ridge, 8.3 names without either",
        .enabled(if: Tool.isoinfo != nil, "needs isoinfo (apt: genisoimage)"), arguments: caseNames)
    func isoinfoListing(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        let expected = files.map(\.name).sorted()
        for mode in ["-J", "-R"] {
            let result = try Tool.run(Tool.isoinfo!, [mode, "-l", "-i", path])
            #expect(result.status == 0)
            let entries = Self.listing(result.text)
            #expect(entries.map(\.name) == expected, "\(mode):\n\(result.text)")
            for file in files {
                #expect(entries.first { $0.name == file.name }?.size == file.contents.count, "\(mode) \(file.name)")
            }
            if mode == "-R" {
                #expect(result.text.components(separatedBy: "-r--r--r--").count - 1 == files.count, "\(result.text)")
                #expect(result.text.contains("dr-xr-xr-x"))
            }
        }
        let plain = try Tool.run(Tool.isoinfo!, ["-l", "-i", path])
        #expect(Self.listing(plain.text).map(\.name).allSatisfy { $0.hasSuffix(".;1") && $0 == $0.uppercased() })
    }

    @Test("isoinfo -x gives back every file's exact bytes, by Joliet, Rock Ridge and 8.3 path",
        .enabled(if: Tool.isoinfo != nil, "needs isoinfo (apt: genisoimage)"), arguments: caseNames)
    func isoinfoExtract(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        for file in files {
            for mode in ["-J", "-R"] {
                let result = try Tool.run(Tool.isoinfo!, [mode, "-x", "/\(file.name)", "-i", path])
                #expect(result.status == 0)
                #expect(result.stdout == file.contents, "\(mode) /\(file.name): \(result.stdout.count) bytes")
            }
        }
        let userData = try #require(files.first { $0.name == "user-data" })
        let plain = try Tool.run(Tool.isoinfo!, ["-x", "/USER_DAT.;1", "-i", path])
        #expect(plain.stdout == userData.contents)
    }

    @Test("xorriso loads the image without warnings (Rock Ridge, then Joliet) and extracts exact files",
        .enabled(if: Tool.xorriso != nil, "needs xorriso (apt: xorriso)"), arguments: caseNames)
    func xorriso(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        for tree in ["any", "norock"] {
            let listing = try Tool.run(Tool.xorriso!, [
                "-return_with", "WARNING", "32", "-read_fs", tree, "-assert_volid", "CIDATA", "FATAL",
                "-indev", path, "-find", "/", "-type", "f",
            ])
            #expect(listing.status == 0, "\(tree): \(listing.stderr)")
            let found = listing.text.split(separator: "\n").map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            #expect(found.sorted() == files.map { "/\($0.name)" }.sorted(), "\(tree): \(listing.text)")

            let target = "\(scratch.path)/extract-\(tree)"
            let extract = try Tool.run(Tool.xorriso!, [
                "-return_with", "WARNING", "32", "-read_fs", tree, "-osirrox", "on", "-indev", path, "-extract", "/", target,
            ])
            #expect(extract.status == 0, "\(tree): \(extract.stderr)")
            for file in files {
                let data = FileManager.default.contents(atPath: "\(target)/\(file.name)")
                #expect(data.map { [UInt8]($0) } == file.contents, "\(tree) \(file.name)")
            }
        }
    }

    @Test("bsdtar (libarchive) lists and extracts the files by their real names",
        .enabled(if: Tool.bsdtar != nil, "needs bsdtar (apt: libarchive-tools)"), arguments: caseNames)
    func bsdtar(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        let listing = try Tool.run(Tool.bsdtar!, ["-tf", path])
        #expect(listing.status == 0, "\(listing.stderr)")
        let names = listing.text.split(separator: "\n").map(String.init).filter { $0 != "." && $0 != "./" }
        #expect(names.sorted() == files.map(\.name).sorted(), "\(listing.text)")
        for file in files {
            let result = try Tool.run(Tool.bsdtar!, ["-xOf", path, file.name])
            #expect(result.stdout == file.contents, "\(file.name)")
        }
    }

    @Test("7-Zip lists and extracts the files by their real names",
        .enabled(if: Tool.sevenZip != nil, "needs 7z (apt: p7zip-full)"), arguments: caseNames)
    func sevenZip(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        let listing = try Tool.run(Tool.sevenZip!, ["l", "-slt", path])
        #expect(listing.status == 0, "\(listing.stderr)")
        let names = listing.text.split(separator: "\n").filter { $0.hasPrefix("Path = ") }.map { String($0.dropFirst(7)) }
        #expect(names.dropFirst().sorted() == files.map(\.name).sorted(), "\(listing.text)")  // the first is the archive
        for file in files {
            let result = try Tool.run(Tool.sevenZip!, ["x", "-so", path, file.name])
            #expect(result.stdout == file.contents, "\(file.name)")
        }
    }

    @Test("libblkid, which cloud-init asks for LABEL=CIDATA, reports type iso9660 and label CIDATA",
        .enabled(if: Tool.blkid != nil, "needs blkid (apt: util-linux)"), arguments: caseNames)
    func blkid(name: String) throws {
        let (scratch, path, _) = try Self.image(name)
        defer { scratch.remove() }
        let result = try Tool.run(Tool.blkid!, ["-p", "-o", "export", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Set(result.text.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["TYPE=iso9660", "LABEL=CIDATA", "BLOCK_SIZE=2048"]), "\(result.text)")
    }

    @Test("a lower-case label reaches libblkid as 'cidata' through Joliet", .enabled(if: Tool.blkid != nil, "needs blkid"))
    func lowerCaseLabel() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try scratch.write(try SeedImages.image([SeedImages.file("meta-data", "")], label: "cidata"), to: "seed.iso")
        let result = try Tool.run(Tool.blkid!, ["-p", "-o", "export", path])
        #expect(result.text.split(separator: "\n").contains("LABEL=cidata"), "\(result.text)")
    }

    /// The kernel's isofs driver, through a read-only loop mount; needs root and isofs.
    static let canMount: Bool = {
        guard getuid() == 0, Tool.path("mount") != nil, Tool.path("umount") != nil,
            let filesystems = try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8)
        else { return false }
        return filesystems.split(separator: "\n").contains { $0.hasSuffix("\tiso9660") }
    }()

    @Test("Linux mounts the image and shows the exact names and bytes (Rock Ridge)",
        .enabled(if: canMount, "needs root, mount and the kernel's iso9660 filesystem (not loaded here)"),
        arguments: caseNames)
    func kernelMount(name: String) throws {
        let (scratch, path, files) = try Self.image(name)
        defer { scratch.remove() }
        let mountPoint = "\(scratch.path)/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try Tool.run(Tool.path("mount")!, ["-o", "loop,ro", "-t", "iso9660", path, mountPoint])
        try #require(mount.status == 0, "mount failed: \(mount.stderr)")
        defer { _ = try? Tool.run(Tool.path("umount")!, [mountPoint]) }
        let names = try FileManager.default.contentsOfDirectory(atPath: mountPoint)
        #expect(names.sorted() == files.map(\.name).sorted())
        for file in files {
            #expect(FileManager.default.contents(atPath: "\(mountPoint)/\(file.name)").map { [UInt8]($0) } == file.contents)
        }
    }

    /// The files of an `isoinfo -l` listing: name and size.
    static func listing(_ text: String) -> [(name: String, size: Int)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("-"), let bracket = line.lastIndex(of: "]") else { return nil }
            let name = line[line.index(after: bracket)...].trimmingCharacters(in: .whitespaces)
            let fields = line[..<bracket].split(separator: " ")
            // mode, links, uid, gid, size, month, day, year, [, extent, flags
            guard fields.count >= 5, let size = Int(fields[4]) else { return nil }
            return (name, size)
        }
    }
}
