import Provisioner
import Testing

/// Runs `body`, which must throw a ``ProvisionerError`` with `code` whose description holds every
/// one of `parts`; records an issue at the caller otherwise. Returns the error for more checks.
@discardableResult
func expectProvisionerError(
    _ code: ProvisionerError.Code, containing parts: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> ProvisionerError? {
    do {
        try await body()
        Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as ProvisionerError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for part in parts { #expect(error.description.contains(part), "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected ProvisionerError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
