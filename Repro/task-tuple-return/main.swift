// A Swift 6.3.1 (Linux x86_64) optimizer defect, reduced from kinvm's `cluster create` crash.
//
// A closure that runs as a task (Task { }, group.addTask { }) and returns a tuple built around
// `try await` inside `do`/`catch` gets a corrupted result under -O and -Osize: the program
// crashes (SIGSEGV/SIGILL) or reads a wrong value. -Onone is correct. See README.md; run.sh
// builds every variant below and reports which ones fail.

@inline(never) func value(_ i: Int) async throws -> String { "value-\(i)" }

@inline(never) func call(_ body: @escaping @Sendable () async -> (String, String)) async -> (String, String) { await body() }

@inline(never) func once(_ i: Int) async -> (String, String) {
    #if LOCAL_FIRST
        // Await into a local first, then build the tuple: correct.
        await Task { () -> (String, String) in
            do {
                let v = try await value(i)
                return ("key", v)
            } catch {
                return ("key", "")
            }
        }.value
    #elseif NO_DO_CATCH
        // The same tuple in a throwing task, no do/catch: correct.
        try! await Task { () throws -> (String, String) in ("key", try await value(i)) }.value
    #elseif NOT_A_TASK
        // The same closure called directly instead of running as a task: correct.
        await call { () -> (String, String) in
            do { return ("key", try await value(i)) } catch { return ("key", "") }
        }
    #elseif TASK_GROUP
        // A task-group child: miscompiled (kinvm's case).
        await withTaskGroup(of: (String, String).self) { group in
            group.addTask {
                do { return ("key", try await value(i)) } catch { return ("key", "") }
            }
            return await group.next()!
        }
    #else
        // An unstructured task: miscompiled.
        await Task { () -> (String, String) in
            do {
                return ("key", try await value(i))
            } catch {
                return ("key", "")
            }
        }.value
    #endif
}

var wrong = 0
for i in 0..<10_000 where await once(i) != ("key", "value-\(i)") { wrong += 1 }
print("wrong results: \(wrong) of 10000")
