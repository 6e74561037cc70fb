import Foundation

/// Reading a file that a kubeconfig names (a token file, a CA, a client certificate or key) with a
/// size limit: such a path may point anywhere (`/dev/zero`, a log, `/etc/shadow`), and kinvm runs
/// as root, so nothing is read past the limit and nothing read is ever quoted in an error.
enum BoundedFile {
    enum Failure: Error, Equatable {
        case missing
        case unreadable(String)
        case tooLarge(limit: Int)
        case notText
    }

    /// The file's text; at most `limit` bytes are accepted (one more is read to tell).
    static func read(_ path: String, limit: Int) -> Result<String, Failure> {
        guard FileManager.default.fileExists(atPath: path) else { return .failure(.missing) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(.unreadable(String(cString: strerror(errno))))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            return .failure(.unreadable(error.localizedDescription))
        }
        guard data.count <= limit else { return .failure(.tooLarge(limit: limit)) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.notText) }
        return .success(text)
    }
}

extension BoundedFile.Failure: CustomStringConvertible {
    var description: String {
        switch self {
        case .missing: "no such file"
        case .unreadable(let reason): reason
        case .tooLarge(let limit): "it is larger than \(limit / 1024) KiB, more than such a file holds (it is not read)"
        case .notText: "it is not UTF-8 text"
        }
    }
}
