import Foundation
import Testing

@testable import LibXML2

@Suite("libxml2 stays silent")
struct SilenceTests {
    /// Runs `body` with file descriptor 2 redirected to a pipe and returns what was written to it.
    func capturingStandardError(_ body: () throws -> Void) rethrows -> String {
        let pipe = Pipe()
        let saved = dup(2)
        dup2(pipe.fileHandleForWriting.fileDescriptor, 2)
        defer {
            dup2(saved, 2)
            close(saved)
        }
        try body()
        dup2(saved, 2)
        try? pipe.fileHandleForWriting.close()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test("errors of every kind are reported as values, never printed to stderr")
    func nothingOnStandardError() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let brokenSchema = directory.appendingPathComponent("broken.rng")
        try Data("<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start><ref name=\"x\"/></start>".utf8)
            .write(to: brokenSchema)
        let schemaPath = directory.appendingPathComponent("s.rng")
        try Data("""
            <element name="a" xmlns="http://relaxng.org/ns/structure/1.0"><empty/></element>
            """.utf8).write(to: schemaPath)
        var errors: [XMLError] = []
        let output = try capturingStandardError {
            for text in ["<a>", "<a><b:c/></a>", "<a x='1' x='2'/>", "<a>&#0;</a>"] {
                errors += [expectXMLError(.parse) { _ = try XMLDocument(parsing: text) }].compactMap { $0 }
            }
            let document = try parse("<a><b/></a>")
            errors += [expectXMLError(.xpath) { _ = try document.select("/a/[") }].compactMap { $0 }
            errors += [expectXMLError(.xpath) { _ = try document.select("q:a") }].compactMap { $0 }
            errors += [expectXMLError(.schema) { _ = try RelaxNGSchema(contentsOfFile: brokenSchema.path) }].compactMap { $0 }
            errors += try RelaxNGSchema(contentsOfFile: schemaPath.path).validate(document)
        }
        #expect(output == "")
        #expect(errors.count == 8)
    }
}
