#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool of dedicated OS threads on which every blocking libvirt call runs.
///
/// libvirt calls block (an RPC to libvirtd can take seconds), so they must never run on Swift's
/// cooperative thread pool, whose few threads every task shares. Each async method of the binding
/// hops to one of these threads, runs the C call and copies libvirt's per-thread error there, then
/// resumes the caller.
///
/// The executor is also a `TaskExecutor`: code that makes many libvirt calls in a row can run inside
/// `withTaskExecutorPreference(executor) { ... }`; its awaits then already run on a libvirt thread
/// and every call proceeds directly, without a thread hop (this is how the benchmark matches raw C).
public final class LibvirtExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: all mutable state is guarded by `lock`, and the threads it owns are only
    // reached through the job queue.

    /// The executor used when none is given: up to 16 threads, started on demand.
    public static let shared = LibvirtExecutor(maxThreads: 16)

    private enum Work {
        case closure(() -> Void)
        case job(UnownedJob)
    }

    private let maxThreads: Int
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUp: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [Work] = []
    private var queueHead = 0
    private var threads = 0
    private var idle = 0

    /// Creates a pool that starts threads on demand, up to `maxThreads` (at least 1).
    public init(maxThreads: Int) {
        self.maxThreads = max(1, maxThreads)
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        wakeUp = .allocate(capacity: 1)
        wakeUp.initialize(to: pthread_cond_t())
        pthread_cond_init(wakeUp, nil)
    }

    // The pool's threads hold a strong reference to it and never exit, so a pool lives for the
    // whole process; `deinit` exists only for completeness.
    deinit {
        pthread_cond_destroy(wakeUp)
        wakeUp.deallocate()
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Whether the calling thread is one of this pool's threads.
    public var isCurrent: Bool {
        guard let marker = pthread_getspecific(Self.threadKey) else { return false }
        return marker == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Runs a blocking body on a pool thread and returns its result to the awaiting task.
    ///
    /// When the caller already runs on one of this pool's threads, the body runs in place.
    ///
    /// The result crosses threads in a ``Handover`` (a pthread mutex), not in the continuation:
    /// the ordering a continuation's resume gives is made inside libswift_Concurrency, which
    /// ThreadSanitizer does not see, so it reported every call (and everything the pool thread
    /// did before it, such as initialising a `Connection`) as a data race
    /// (`Repro/tsan-unsafe-continuation`). A mutex is ordering it does see, and costs one
    /// uncontended lock per call.
    func run<T>(_ body: @escaping @Sendable () -> Result<T, LibvirtError>) async throws(LibvirtError) -> T {
        if isCurrent { return try body().get() }
        let handover = Handover<Result<T, LibvirtError>>()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            submit(.closure {
                handover.put(body())
                continuation.resume()
            })
        }
        return try handover.take().get()
    }

    /// Runs a blocking body on a pool thread, for work that must not wait for a task (deinit, callbacks).
    func runDetached(_ body: @escaping @Sendable () -> Void) {
        if isCurrent { body() } else { submit(.closure(body)) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    private func submit(_ work: Work) {
        pthread_mutex_lock(lock)
        queue.append(work)
        let spawn = idle == 0 && threads < maxThreads
        if spawn { threads += 1 }
        pthread_cond_signal(wakeUp)
        pthread_mutex_unlock(lock)
        if spawn { startThread() }
    }

    private func next() -> Work {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while queueHead == queue.count {
            idle += 1
            pthread_cond_wait(wakeUp, lock)
            idle -= 1
        }
        let work = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 1024, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return work
    }

    private func loop() -> Never {
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        let executor = asUnownedTaskExecutor()
        while true {
            switch next() {
            case .closure(let body): body()
            case .job(let job): job.runSynchronously(on: executor)
            }
        }
    }

    private func startThread() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { box in
            let pool = Unmanaged<LibvirtExecutor>.fromOpaque(box!).takeRetainedValue()
            pool.loop()
        }, box)
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "LibvirtExecutor: pthread_create failed with \(status)")
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "LibvirtExecutor: pthread_key_create failed")
        return key
    }()
}

/// One value handed from a pool thread to the task it resumes, under a pthread mutex (ordering
/// ThreadSanitizer sees, unlike a continuation's resume).
private final class Handover<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched with `lock` held. The mutex lives at a fixed
    // address of its own (a stored property's address is not guaranteed to stay put).
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value?

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func put(_ newValue: Value) {
        pthread_mutex_lock(lock)
        value = newValue
        pthread_mutex_unlock(lock)
    }

    func take() -> Value {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let value else { preconditionFailure("LibvirtExecutor: resumed before the result was handed over") }
        return value
    }
}
