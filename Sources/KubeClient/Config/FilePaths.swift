/// Path text handled lexically (no file system access, and none of NSString's path methods, which
/// trap on some inputs in corelibs Foundation).
enum FilePaths {
    /// The directory part: `/a/b` → `/a`, `/a` → `/`, `a` → `.`.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `file` taken relative to `directory` unless it is absolute, with `.` and `..` resolved.
    static func resolve(_ file: String, relativeTo directory: String) -> String {
        normalize(file.hasPrefix("/") ? file : directory + "/" + file)
    }

    /// `.` and empty components dropped, `..` applied (never above `/` for absolute paths).
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
