import Foundation
import Testing

@testable import Provisioner

@Suite("k3s air-gap bundle (ustar, read back by tar)")
struct AirgapBundleTests {
    @Test func tarListsAndExtractsTheBinaryAndImages() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-airgap-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("k3s").path
        let images = directory.appendingPathComponent("k3s-airgap-images-amd64.tar.zst").path
        try Data("#!/bin/sh\necho k3s\n".utf8).write(to: URL(fileURLWithPath: binary))
        // 1000 bytes: not a multiple of 512, so the padding is exercised.
        try Data((0..<1000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: images))
        let bundle = directory.appendingPathComponent("airgap.tar").path
        try AirgapBundle.write(K3sAirgap(binary: binary, images: [images]), to: bundle)

        let size = try #require(try FileManager.default.attributesOfItem(atPath: bundle)[.size] as? NSNumber).intValue
        #expect(size % 512 == 0)
        let listing = try run("/bin/tar", ["-tvf", bundle])
        #expect(listing.contains("-rwxr-xr-x root/root"))
        #expect(listing.contains("usr/local/bin/k3s"))
        #expect(listing.contains("var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst"))

        // Padded with zeros to a bigger "disk", as the guest reads it from the volume.
        let disk = directory.appendingPathComponent("disk.raw").path
        var padded = try Data(contentsOf: URL(fileURLWithPath: bundle))
        padded.append(Data(count: 8192))
        try padded.write(to: URL(fileURLWithPath: disk))
        let root = directory.appendingPathComponent("root").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = try run("/bin/tar", ["-x", "-f", disk, "-C", root, "--no-same-owner"])
        #expect(FileManager.default.contents(atPath: root + "/usr/local/bin/k3s") == FileManager.default.contents(atPath: binary))
        #expect(
            FileManager.default.contents(atPath: root + "/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst")
                == FileManager.default.contents(atPath: images))
        #expect(FileManager.default.isExecutableFile(atPath: root + "/usr/local/bin/k3s"))
    }

    @Test func aMissingFileIsNamed() async {
        await expectProvisionerError(.fileUnreadable, containing: ["/nonexistent/k3s"]) {
            try AirgapBundle.write(K3sAirgap(binary: "/nonexistent/k3s", images: []), to: "/tmp/kinvm-never-\(UUID().uuidString).tar")
        }
    }

    func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(path) \(arguments): \(text)")
        return text
    }
}
