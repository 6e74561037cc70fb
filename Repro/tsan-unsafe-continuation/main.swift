import Foundation

// A pool thread that runs closures; tasks await it through withUnsafeContinuation, as
// LibvirtExecutor.run does.
final class Pool: @unchecked Sendable {
    private let lock = NSCondition()
    private var queue: [() -> Void] = []
    init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.start()
    }
    func submit(_ work: @escaping () -> Void) {
        lock.lock(); queue.append(work); lock.signal(); lock.unlock()
    }
    private func loop() {
        while true {
            lock.lock()
            while queue.isEmpty { lock.wait() }
            let work = queue.removeFirst()
            lock.unlock()
            work()
        }
    }
    func run<T>(_ body: @escaping @Sendable () -> T) async -> T {
        await withUnsafeContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }
}

let pool = Pool()
let total = await withTaskGroup(of: Int.self) { group in
    for i in 0..<8 {
        group.addTask {
            var sum = 0
            for j in 0..<2000 {
                sum += await pool.run { i + j }
                let s: String = await pool.run { "x\(j)" }
                sum += s.count
            }
            return sum
        }
    }
    var total = 0
    for await value in group { total += value }
    return total
}
print("total", total)
