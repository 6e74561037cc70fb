import CLibvirt
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide libvirt set-up, done once before the first connection opens.
///
/// - `virInitialize` makes libvirt safe to use from many threads.
/// - `virSetErrorFunc` with a handler that does nothing: by default libvirt prints every error to
///   stderr; the binding reports errors as `LibvirtError` values instead.
/// - `virEventRegisterDefaultImpl` plus a dedicated thread running `virEventRunDefaultImpl`: the
///   event loop that delivers domain events and keeps remote connections alive. It must be
///   registered before a connection is opened for events on that connection to work.
enum LibvirtRuntime {
    private static let initialized: Result<Void, LibvirtError> = {
        guard virInitialize() == 0 else {
            return .failure(.capture(operation: "virInitialize"))
        }
        virSetErrorFunc(nil, { _, _ in })
        guard virEventRegisterDefaultImpl() == 0 else {
            return .failure(.capture(operation: "virEventRegisterDefaultImpl"))
        }
        startEventLoopThread()
        return .success(())
    }()

    /// Performs the one-time set-up; every entry point that opens a connection calls this first.
    static func ensureInitialized() throws(LibvirtError) {
        try initialized.get()
    }

    private static func startEventLoopThread() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { _ in
            while true {
                // Each iteration waits for and dispatches one batch of events and timers.
                if virEventRunDefaultImpl() < 0 {
                    virResetLastError()
                }
            }
        }, nil)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "libvirt event loop: pthread_create failed with \(status)")
    }
}
