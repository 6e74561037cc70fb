import DomainTemplates
import Foundation
import Provisioner
import Testing

/// The example specs against what the project's image scripts build: each example boots one of
/// their images by direct kernel boot, with the kernel, initrd and command line the script writes
/// to its ENV file, the image under the volume name `kinvm image import FILE` gives it, and a
/// header that says how to build and import it. Read from the scripts themselves, so a renamed
/// output or a changed command line breaks this test rather than the examples.
@Suite("Examples match the images the scripts build")
struct ExampleSpecTests {
    /// One script's output directory (under the default cache) and what it holds.
    struct ImageOutput: CustomStringConvertible {
        var script: String
        var directory: String
        var image: String
        var kernel: String
        var initrd: String
        var cmdline: String
        var description: String { "\(script) → \(directory)" }
    }

    static let repository = ClusterSpecTests.repositoryRoot

    static func script(_ name: String) throws -> String {
        try String(contentsOfFile: "\(repository)/scripts/\(name)", encoding: .utf8)
    }

    /// The first capture of `pattern` in `text`.
    static func capture(_ pattern: String, in text: String) throws -> String {
        let regex = try Regex(pattern)
        let match = try #require(text.firstMatch(of: regex), "no match for \(pattern)")
        return try #require(match.output[1].substring.map(String.init))
    }

    /// `NAME=$(q "$OUT/FILE")` lines of a script's ENV: the file name, `$IMAGE_NAME` expanded.
    static func envFile(_ variable: String, in text: String, imageName: String) throws -> String {
        try capture(#"echo "\#(variable)=\$\(q "\$OUT/([^"]+)"\)""#, in: text).replacingOccurrences(of: "$IMAGE_NAME", with: imageName)
    }

    static func outputs() throws -> [ImageOutput] {
        let debian = try script("build-debian-image.sh")
        let cache = try capture(#"CACHE=\$\{KINVM_CACHE:-([^}]+)\}"#, in: debian)
        let debianName = try capture(#"\nIMAGE_NAME=(\S+)"#, in: debian)
        let cmdline = try capture(#"\nCMDLINE='([^']*)'"#, in: debian)
        let node = try script("build-node-image.sh")
        #expect(try capture(#"CACHE=\$\{KINVM_CACHE:-([^}]+)\}"#, in: node) == cache)
        let nodeName = try capture(#"\nIMAGE_NAME=(\S+)"#, in: node)
        // The node image keeps the Debian image's command line.
        #expect(try capture(#"echo "KINVM_NODE_CMDLINE=\$\(q "([^"]+)"\)""#, in: node) == "$KINVM_DEBIAN_CMDLINE")
        return [
            ImageOutput(
                script: "build-debian-image.sh", directory: "\(cache)/\(debianName)",
                image: try envFile("KINVM_DEBIAN_IMAGE", in: debian, imageName: debianName),
                kernel: try envFile("KINVM_DEBIAN_KERNEL", in: debian, imageName: debianName),
                initrd: try envFile("KINVM_DEBIAN_INITRD", in: debian, imageName: debianName), cmdline: cmdline),
            ImageOutput(
                script: "build-node-image.sh", directory: "\(cache)/\(nodeName)",
                image: try envFile("KINVM_NODE_IMAGE", in: node, imageName: nodeName),
                kernel: try envFile("KINVM_NODE_KERNEL", in: node, imageName: nodeName),
                initrd: try envFile("KINVM_NODE_INITRD", in: node, imageName: nodeName), cmdline: cmdline),
        ]
    }

    @Test("the scripts' outputs are read as expected")
    func scriptOutputs() throws {
        let outputs = try Self.outputs()
        #expect(outputs.map(\.directory) == ["/var/cache/kinvm/debian-12", "/var/cache/kinvm/debian-12-standin"])
        #expect(outputs.map(\.image) == ["debian-12.qcow2", "node.qcow2"])
        #expect(outputs.allSatisfy { $0.kernel == "vmlinuz" && $0.initrd == "initrd.img" && $0.cmdline == "root=/dev/vda rw console=ttyS0" })
    }

    @Test("each example boots a script's image with its kernel, initrd and command line, and says how to get it",
          arguments: ClusterSpecTests.examples)
    func matchesAScript(_ name: String) throws {
        let spec = try ClusterSpecTests.example(name)
        let boot = try #require(spec.boot, "\(name) has no spec.boot, but every image the scripts build needs direct kernel boot")
        let directory = (boot.kernel as NSString).deletingLastPathComponent
        let output = try #require(try Self.outputs().first { $0.directory == directory }, "\(name): \(boot.kernel) is not a script's output")
        #expect(boot.kernel == "\(output.directory)/\(output.kernel)")
        #expect(boot.initrd == "\(output.directory)/\(output.initrd)")
        #expect(boot.cmdline == output.cmdline)
        // `kinvm image import FILE --pool P` names the volume after the file.
        #expect(spec.image.volume == output.image)
        let header = try String(contentsOfFile: "\(Self.repository)/examples/\(name)", encoding: .utf8)
            .split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        #expect(header.contains("scripts/\(output.script)"), "\(name)'s header does not name scripts/\(output.script)")
        #expect(
            header.contains("kinvm image import \(output.directory)/\(output.image) --pool \(spec.image.pool)"),
            "\(name)'s header does not show the import of \(output.directory)/\(output.image)")
        #expect(header.contains("boot loader"), "\(name)'s header does not say which image with a boot loader would do")
    }
}
