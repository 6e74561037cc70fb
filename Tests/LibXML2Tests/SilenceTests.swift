import Foundation
import Testing

@testable import LibXML2

@Suite("libxml2 stays silent")
struct SilenceTests {
    /// Runs failing parses, XPath queries, schema compilations and validations in a child process
    /// (an exit test, so no other test's output mixes in) with stderr redirected to a pipe. The
    /// child exits 0 only if every call failed with an `XMLError` and nothing reached stderr; it
    /// echoes what did reach stderr to stdout.
    @Test("errors of every kind are reported as values, never printed to stderr")
    func nothingOnStandardError() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let pipe = Pipe()
            let savedStandardError = dup(2)
            dup2(pipe.fileHandleForWriting.fileDescriptor, 2)
            let errors = raiseEveryKindOfError()
            dup2(savedStandardError, 2)
            try? pipe.fileHandleForWriting.close()
            let printed = pipe.fileHandleForReading.readDataToEndOfFile()
            FileHandle.standardOutput.write(Data("<stderr>".utf8) + printed + Data("</stderr>".utf8))
            exit(errors == 8 && printed.isEmpty ? 0 : 1)
        }
        let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
        #expect(output.contains("<stderr></stderr>"), "\(output)")
    }
}

/// Makes each part of the binding fail once and returns how many `XMLError`s came back (8 expected).
private func raiseEveryKindOfError() -> Int {
    var errors: [XMLError] = []
    func failing(_ body: () throws(XMLError) -> Void) {
        do { try body() } catch { errors.append(error) }
    }
    for text in ["<a>", "<a><b:c/></a>", "<a x='1' x='2'/>", "<a>&#0;</a>"] {
        failing { () throws(XMLError) in _ = try XMLDocument(parsing: text) }
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-xml-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let broken = directory.appendingPathComponent("broken.rng").path
    let schema = directory.appendingPathComponent("schema.rng").path
    let relaxNG = "http://relaxng.org/ns/structure/1.0"
    _ = FileManager.default.createFile(atPath: broken, contents: Data("<grammar xmlns=\"\(relaxNG)\"><start>".utf8))
    _ = FileManager.default.createFile(
        atPath: schema, contents: Data("<element name=\"a\" xmlns=\"\(relaxNG)\"><empty/></element>".utf8))
    guard let document = try? XMLDocument(parsing: "<a><b/></a>") else { return -1 }
    failing { () throws(XMLError) in _ = try document.select("/a/[") }
    failing { () throws(XMLError) in _ = try document.select("q:a") }
    failing { () throws(XMLError) in _ = try RelaxNGSchema(contentsOfFile: broken) }
    errors += (try? RelaxNGSchema(contentsOfFile: schema).validate(document)) ?? []
    return errors.count
}
