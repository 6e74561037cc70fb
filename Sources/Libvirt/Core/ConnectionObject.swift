/// The plumbing shared by every object that belongs to a connection: domains, networks, storage
/// pools, volumes and streams.
///
/// Each such object owns exactly one libvirt handle (freed in its `deinit`) and keeps its
/// ``Connection`` alive. Its calls run on the connection's executor while the connection is held
/// open, and their errors name the object.
protocol ConnectionObject: AnyObject, Sendable {
    var connection: Connection { get }
    var handle: OpaquePointer { get }
    /// How errors name this object, e.g. `domain 'web'`.
    var objectDescription: String { get }
}

extension ConnectionObject {
    /// Runs a blocking libvirt call with this object's handle on a libvirt thread.
    func call<T>(
        _ operation: String,
        _ body: @escaping @Sendable (OpaquePointer) -> Result<T, LibvirtError>
    ) async throws(LibvirtError) -> T {
        try await connection.executor.run { () -> Result<T, LibvirtError> in
            self.connection.withOpenHandle(operation) {
                body(self.handle).mapError { $0.about(self.objectDescription) }
            }
        }
    }

    /// Runs a libvirt call that returns -1 on failure and nothing of interest otherwise.
    func callStatus(
        _ operation: String, _ body: @escaping @Sendable (OpaquePointer) -> Int32
    ) async throws(LibvirtError) {
        _ = try await call(operation) { handle in checkStatus(body(handle), operation) }
    }
}
