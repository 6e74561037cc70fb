import Foundation

/// The air-gap bundle for k3s: a POSIX ustar archive holding the k3s binary
/// (`usr/local/bin/k3s`, mode 0755) and the images tarballs
/// (`var/lib/rancher/k3s/agent/images/NAME`, 0644), extracted in the guest with `tar -x -C /`
/// from the raw disk it is uploaded into. Files are streamed, never loaded whole.
enum AirgapBundle {
    static let binaryPath = "usr/local/bin/k3s"
    static let imagesDirectory = "var/lib/rancher/k3s/agent/images/"

    /// Writes the bundle to `output`.
    static func write(_ airgap: K3sAirgap, to output: String) throws(ProvisionerError) {
        var entries = [(source: airgap.binary, name: binaryPath, mode: 0o755)]
        var seen: Set<String> = []
        for image in airgap.images {
            let base = (image as NSString).lastPathComponent
            guard seen.insert(base).inserted else {
                throw ProvisionerError(.invalidArgument, "two air-gap images files are named \(base)")
            }
            entries.append((image, imagesDirectory + base, 0o644))
        }
        guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
            let sink = FileHandle(forWritingAtPath: output)
        else {
            throw ProvisionerError(.fileUnreadable, "cannot create the air-gap bundle \(output)")
        }
        defer { try? sink.close() }
        do {
            for entry in entries {
                try append(entry.source, as: entry.name, mode: entry.mode, to: sink)
            }
            // Two zero blocks end the archive.
            try sink.write(contentsOf: Data(count: 1024))
        } catch let error as ProvisionerError {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw ProvisionerError(.fileUnreadable, "cannot write the air-gap bundle \(output): \(error)")
        }
    }

    private static func append(_ source: String, as name: String, mode: Int, to sink: FileHandle) throws {
        guard let input = FileHandle(forReadingAtPath: source),
            let attributes = try? FileManager.default.attributesOfItem(atPath: source),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.uint64Value
        else {
            throw ProvisionerError(.fileUnreadable, "cannot read \(source) for the k3s air-gap bundle (a regular file is needed)")
        }
        defer { try? input.close() }
        try sink.write(contentsOf: try header(name: name, mode: mode, size: size))
        var copied: UInt64 = 0
        while true {
            guard let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            try sink.write(contentsOf: chunk)
            copied += UInt64(chunk.count)
        }
        guard copied == size else {
            throw ProvisionerError(.fileUnreadable, "\(source) changed while kinvm copied it (\(copied) of \(size) bytes)")
        }
        let padding = Int((512 - size % 512) % 512)
        if padding > 0 { try sink.write(contentsOf: Data(count: padding)) }
    }

    /// A ustar header block for a regular file owned by root.
    static func header(name: String, mode: Int, size: UInt64, mtime: Int = 0) throws(ProvisionerError) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: UInt64, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        var prefix = ""
        var short = name
        if name.utf8.count > 100 {
            guard let slash = name.utf8.indices.last(where: { name.utf8[$0] == UInt8(ascii: "/") }),
                name.utf8[..<slash].count <= 155, name.utf8[name.utf8.index(after: slash)...].count <= 100
            else {
                throw ProvisionerError(.invalidArgument, "the file name \(name) is too long for the air-gap bundle")
            }
            prefix = String(name[..<slash])
            short = String(name[name.index(after: slash)...])
        }
        guard size < 0o77777777777 else {
            throw ProvisionerError(.invalidArgument, "\(name) is too large for the air-gap bundle (8 GiB at most)")
        }
        put(short, at: 0, width: 100)
        put(octal(UInt64(mode), width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(size, width: 12), at: 124, width: 12)
        put(octal(UInt64(mtime), width: 12), at: 136, width: 12)
        put("        ", at: 148, width: 8)
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        put(prefix, at: 345, width: 155)
        let checksum = block.reduce(0) { $0 + UInt64($1) }
        put(octal(checksum, width: 7), at: 148, width: 7)
        block[155] = UInt8(ascii: " ")
        return Data(block)
    }
}
