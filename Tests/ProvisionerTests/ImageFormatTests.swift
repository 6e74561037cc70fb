import Testing

@testable import Provisioner

@Suite("ImageFormat detection")
struct ImageFormatTests {
    /// A qcow2 header: magic, version, backing file offset and size, cluster bits, size.
    static func qcow2Header(version: UInt32 = 3, backingOffset: UInt64 = 0, backingSize: UInt32 = 0, size: UInt64) -> [UInt8] {
        var bytes = ImageFormat.qcow2Magic
        bytes += bigEndian(UInt64(version), 4) + bigEndian(backingOffset, 8) + bigEndian(UInt64(backingSize), 4)
        bytes += bigEndian(16, 4) + bigEndian(size, 8)
        return bytes + [UInt8](repeating: 0, count: 512 - bytes.count)
    }

    static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func padded(_ prefix: [UInt8]) -> [UInt8] { prefix + [UInt8](repeating: 0, count: 512 - prefix.count) }

    @Test("qcow2 v2 and v3: version and the virtual size at offset 24", arguments: [(UInt32(2), UInt64(64 << 20)), (3, 10 << 30)])
    func qcow2(version: UInt32, size: UInt64) throws {
        let header = Self.qcow2Header(version: version, size: size)
        let probe = try ImageFormat.detect(header: header, trailer: header, fileSize: 196_616)
        #expect(probe == ImageFormat.Probe(format: .qcow2, virtualSize: size, qcow2Version: version))
    }

    @Test("a qcow2 with a backing file is refused", arguments: [(UInt64(0x1000), UInt32(0)), (0, 12), (512, 20)])
    func backingFile(offset: UInt64, size: UInt32) {
        let header = Self.qcow2Header(backingOffset: offset, backingSize: size, size: 1 << 30)
        #expect {
            try ImageFormat.detect(header: header, trailer: [], fileSize: 1 << 20)
        } throws: { error in
            let error = error as? ProvisionerError
            return error?.code == .unsupportedFormat
                && error?.message.contains("an image with a backing file cannot be imported") == true
        }
    }

    @Test("malformed qcow2 headers are refused", arguments: [
        Array(qcow2Header(size: 1 << 20).prefix(20)), qcow2Header(version: 1, size: 1 << 20), qcow2Header(size: 0),
    ])
    func malformedQcow2(header: [UInt8]) {
        #expect(throws: ProvisionerError.self) { try ImageFormat.detect(header: header, trailer: [], fileSize: 1 << 20) }
    }

    @Test("other image formats are refused by name", arguments: [
        (padded(Array("KDMV".utf8) + [1, 0, 0, 0]), "VMDK"),
        (padded(Array("vhdxfile".utf8)), "VHDX"),
        (padded(Array("QED".utf8) + [0]), "QED"),
        (padded(Array("LUKS".utf8) + [0xBA, 0xBE, 0, 1]), "LUKS"),
        (padded(Array("conectix".utf8)), "VHD"),
        (padded(Array("<<< Oracle VM VirtualBox Disk Image >>>\n".utf8) + [UInt8](repeating: 0, count: 24) + [0x7F, 0x10, 0xDA, 0xBE]), "VDI"),
    ])
    func otherFormats(header: [UInt8], name: String) {
        #expect {
            try ImageFormat.detect(header: header, trailer: [UInt8](repeating: 0, count: 512), fileSize: 1 << 20)
        } throws: { error in
            let error = error as? ProvisionerError
            return error?.code == .unsupportedFormat && error?.message.contains("it is a \(name) image") == true
        }
    }

    @Test("a fixed VHD is recognised by its footer at the end")
    func vhdFooter() {
        let trailer = Self.padded(Array("conectix".utf8))
        #expect(throws: ProvisionerError.self) {
            try ImageFormat.detect(header: [UInt8](repeating: 0, count: 512), trailer: trailer, fileSize: 4 << 20)
        }
        #expect(ImageFormat.otherFormat(header: [], trailer: trailer) == "VHD")
    }

    @Test("compressed files are refused: decompress first", arguments: [
        ([UInt8]([0x1F, 0x8B, 8, 0]), "gzip"), ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz"),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd"), (Array("BZh9".utf8), "bzip2"),
    ])
    func compressed(magic: [UInt8], name: String) {
        #expect {
            try ImageFormat.detect(header: Self.padded(magic), trailer: [], fileSize: 1 << 20)
        } throws: { error in
            (error as? ProvisionerError)?.message == "it is \(name)-compressed; decompress it first"
        }
    }

    @Test("raw: any other non-empty file of whole 512-byte sectors", arguments: [UInt64(512), 4096, 64 << 20])
    func raw(size: UInt64) throws {
        let probe = try ImageFormat.detect(header: [UInt8](repeating: 0xAB, count: 512), trailer: [], fileSize: size)
        #expect(probe == ImageFormat.Probe(format: .raw, virtualSize: size))
    }

    @Test("raw files that are empty or not whole sectors are refused", arguments: [UInt64(0), 1, 511, 513, 1_000_000])
    func notRaw(size: UInt64) {
        #expect(throws: ProvisionerError.self) {
            try ImageFormat.detect(header: Array("garbage".utf8), trailer: Array("garbage".utf8), fileSize: size)
        }
    }
}
