import Foundation
import Testing

@testable import Libvirt

/// Volume uploads and downloads through real streams on the real libvirtd (the test driver has
/// none): byte-for-byte round trips, files, offsets, and an upload interrupted half-way.
extension RealDaemonTests {
    @Suite("Storage streams on qemu:///system")
    struct StorageStreamIntegrationTests {
        /// Several MiB, deliberately not a multiple of the 256 KiB chunk size.
        static let payloadSize = 5 * 1024 * 1024 + 12_345

        static func randomBytes(_ count: Int) -> [UInt8] {
            var generator = SystemRandomNumberGenerator()
            var bytes = [UInt8](repeating: 0, count: count)
            for index in stride(from: 0, to: count, by: 8) {
                withUnsafeBytes(of: generator.next() as UInt64) { random in
                    for offset in 0..<min(8, count - index) { bytes[index + offset] = random[offset] }
                }
            }
            return bytes
        }

        static func rawVolumeXML(name: String, bytes: Int) -> String {
            "<volume><name>\(name)</name><capacity unit='bytes'>\(bytes)</capacity><target><format type='raw'/></target></volume>"
        }

        @Test("upload several MiB, download them back byte for byte, to memory and to a file, at offsets")
        func roundTrip() async throws {
            try await withScratchPool("stream") { _, pool, directory in
                let volume = try await pool.createVolume(xml: Self.rawVolumeXML(name: "data.raw", bytes: 8 << 20))
                let data = Self.randomBytes(Self.payloadSize)
                var reported: [UInt64] = []
                let sent = try await volume.upload(from: .bytes(data)) { reported.append($0) }
                #expect(sent == UInt64(data.count))
                #expect(reported.count == (data.count + LibvirtStream.defaultChunkSize - 1) / LibvirtStream.defaultChunkSize)
                #expect(reported.last == UInt64(data.count))

                let downloaded = try await volume.download(length: UInt64(data.count))
                #expect(downloaded.count == data.count)
                #expect(downloaded == data)

                let copy = "\(directory)/copy.raw"
                let written = try await volume.download(toFile: copy, length: UInt64(data.count), chunkSize: 100_000)
                #expect(written == UInt64(data.count))
                #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: copy))) == data)
                try FileManager.default.removeItem(atPath: copy)

                // A file, streamed in chunks, at an offset: the bytes before it stay as they were.
                let fileData = Self.randomBytes(3 * 1024 * 1024 + 777)
                let source = "\(directory)/source.bin"
                try Data(fileData).write(to: URL(fileURLWithPath: source))
                let offset: UInt64 = 1 << 20
                #expect(try await volume.upload(from: .file(path: source), offset: offset) == UInt64(fileData.count))
                try FileManager.default.removeItem(atPath: source)
                #expect(try await volume.download(offset: offset, length: UInt64(fileData.count)) == fileData)
                #expect(try await volume.download(length: offset) == Array(data[0..<Int(offset)]))

                // What the test driver lacks works here: resize and wipe.
                try await volume.resize(capacity: 16 << 20)
                #expect(try await volume.info().capacity == 16 << 20)
                await #expect(throws: LibvirtError.self) { try await volume.resize(capacity: 1 << 20) }
                try await volume.wipe()
                #expect(try await volume.download(length: 4096) == [UInt8](repeating: 0, count: 4096))
            }
        }

        @Test("an upload whose progress callback throws half-way fails cleanly and aborts its stream")
        func interruptedUpload() async throws {
            struct Interrupt: Error {}
            try await withScratchPool("abort") { connection, pool, _ in
                let volume = try await pool.createVolume(xml: Self.rawVolumeXML(name: "data.raw", bytes: 8 << 20))
                let data = Self.randomBytes(Self.payloadSize)
                let half = UInt64(data.count / 2)
                let stream = try await connection.newStream()
                var lastReported: UInt64 = 0
                do {
                    _ = try await volume.upload(
                        from: .bytes(data), offset: 0, length: nil, chunkSize: LibvirtStream.defaultChunkSize, on: stream
                    ) { sent in
                        lastReported = sent
                        if sent >= half { throw Interrupt() }
                    }
                    Issue.record("the interrupted upload succeeded")
                } catch let error as LibvirtError {
                    #expect(error.code == .operationAborted)
                    #expect(error.object == "volume 'data.raw'")
                    #expect(error.message.contains("failed after \(lastReported) of \(data.count) bytes"))
                    #expect(error.message.contains("the progress callback threw: Interrupt()"))
                } catch {
                    Issue.record("unexpected error \(error)")
                }
                #expect(lastReported >= half && lastReported < UInt64(data.count))
                #expect(stream.state == .aborted)
                await #expect(throws: LibvirtError.self) { try await stream.send([1]) }

                // The daemon is not left with a stuck transfer: the volume takes a new upload at once.
                let small = Self.randomBytes(100_000)
                try await volume.upload(from: .bytes(small))
                #expect(try await volume.download(length: UInt64(small.count)) == small)
            }
        }

        @Test("a stream dropped in the middle of an upload is freed (its deinit aborts it); the volume stays usable")
        func droppedStream() async throws {
            try await withScratchPool("drop") { connection, pool, _ in
                let volume = try await pool.createVolume(xml: Self.rawVolumeXML(name: "data.raw", bytes: 4 << 20))
                weak var dropped: LibvirtStream?
                do {
                    let stream = try await connection.newStream()
                    dropped = stream
                    try await volume.startUpload(on: stream, length: 1 << 20)
                    try await stream.send(Self.randomBytes(300_000))
                    #expect(stream.state == .open)
                }
                // The executor thread that ran the last call may hold it a moment longer.
                _ = try await waitFor("the dropped stream's deinit", timeout: .seconds(5), interval: .milliseconds(10)) {
                    (value: dropped == nil ? true : nil, seen: "the stream still referenced")
                }
                let small = Self.randomBytes(50_000)
                try await volume.upload(from: .bytes(small))
                #expect(try await volume.download(length: UInt64(small.count)) == small)
            }
        }
    }
}
