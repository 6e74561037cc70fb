import Foundation
import LibXML2

/// Finds templates along a search path: the user's template directory first, then the templates
/// kinvm ships, so a user template with the same name wins. Each directory holds `domains/`,
/// `networks/` and `pools/` with one `NAME.xml` per template.
public struct TemplateLibrary: Sendable {
    /// Directories searched, in order.
    public var searchPath: [String]

    public init(searchPath: [String]) {
        self.searchPath = searchPath
    }

    /// One template found in the search path.
    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var kind: TemplateKind
        public var path: String
        /// `user` or `shipped` (or the directory, for other search path entries).
        public var origin: String
        /// The first line of the template's leading comment.
        public var summary: String
        /// Paths of same-named templates further down the search path that this one hides.
        public var shadows: [String]
    }

    /// Every template, the first of each kind and name winning, sorted by kind and name.
    public func list() -> [Entry] {
        var found: [String: Entry] = [:]
        for directory in searchPath {
            for kind in TemplateKind.allCases {
                let folder = (directory as NSString).appendingPathComponent(kind.directory)
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                for file in files.sorted() where file.hasSuffix(".xml") {
                    let name = String(file.dropLast(4))
                    let path = (folder as NSString).appendingPathComponent(file)
                    let key = "\(kind.rawValue)/\(name)"
                    if found[key] != nil {
                        found[key]?.shadows.append(path)
                        continue
                    }
                    found[key] = Entry(
                        name: name, kind: kind, path: path, origin: origin(of: directory), summary: Self.summary(ofFile: path),
                        shadows: [])
                }
            }
        }
        return found.values.sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }

    /// The template of `kind` named `name`, or an error listing the ones that exist.
    public func find(_ name: String, kind: TemplateKind) throws(TemplateError) -> Entry {
        let all = list()
        if let entry = all.first(where: { $0.kind == kind && $0.name == name }) { return entry }
        throw .unknownTemplate(
            name: name, kind: kind, known: all.filter { $0.kind == kind }.map(\.name), searched: searchPath)
    }

    /// Reads and parses a template.
    public func load(_ entry: Entry) throws(TemplateError) -> XMLDocument {
        let document: XMLDocument
        do {
            document = try XMLDocument(contentsOfFile: entry.path)
        } catch {
            throw .malformed(error)
        }
        guard document.root.name == entry.kind.rootElement else {
            throw .wrongRoot(source: entry.path, expected: entry.kind.rootElement, found: document.root.name)
        }
        return document
    }

    private func origin(of directory: String) -> String {
        directory == searchPath.last ? "shipped" : directory == searchPath.first ? "user" : directory
    }

    /// The first line of the comment a template starts with (after an optional XML declaration).
    static func summary(ofFile path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let start = text.range(of: "<!--"), let end = text.range(of: "-->", range: start.upperBound..<text.endIndex)
        else { return "" }
        let before = text[text.startIndex..<start.lowerBound].trimmingWhitespace()
        guard before.isEmpty || (before.hasPrefix("<?xml") && before.hasSuffix("?>")) else { return "" }
        let comment = text[start.upperBound..<end.lowerBound]
        return comment.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.first { !$0.isEmpty } ?? ""
    }
}

extension TemplateLibrary {
    /// The default search path: `$KINVM_TEMPLATE_PATH` (colon-separated) if set; otherwise the
    /// user's directory (`$XDG_CONFIG_HOME/kinvm/templates`, default `~/.config/kinvm/templates`)
    /// followed by the shipped templates.
    public static func standard(shipped: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> TemplateLibrary
    {
        if let path = environment["KINVM_TEMPLATE_PATH"], !path.isEmpty {
            return TemplateLibrary(searchPath: path.split(separator: ":").map(String.init))
        }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        let user = (config as NSString).appendingPathComponent("kinvm/templates")
        return TemplateLibrary(searchPath: [user] + (shipped.map { [$0] } ?? []))
    }

    /// The running program's path (argv[0] when absolute, else `/proc/self/exe`), from which
    /// ``shippedDirectory(executable:environment:)`` finds the templates shipped with it.
    public static var currentExecutable: String {
        let argument = CommandLine.arguments.first ?? ""
        if argument.hasPrefix("/") { return argument }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? argument
    }

    /// Where the shipped templates are: `$KINVM_SHIPPED_TEMPLATES`, else `share/kinvm/templates`
    /// next to the executable's `bin/`, else a `Templates/` folder in a parent of the executable
    /// (a build in a checkout of the kinvm repository).
    public static func shippedDirectory(
        executable: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let explicit = environment["KINVM_SHIPPED_TEMPLATES"], !explicit.isEmpty { return explicit }
        let manager = FileManager.default
        var directory = ((executable as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        let installed = ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share/kinvm/templates")
        if manager.fileExists(atPath: (installed as NSString).appendingPathComponent("domains")) { return installed }
        while directory != "/" && !directory.isEmpty {
            let candidate = (directory as NSString).appendingPathComponent("Templates")
            if manager.fileExists(atPath: (candidate as NSString).appendingPathComponent("domains")) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return nil
    }
}
