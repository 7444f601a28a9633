import Dispatch

/// A task executor on its own serial dispatch queue, outside the cooperative pool: tests whose
/// tasks must make progress while synchronous tests (run on the pool, two threads on this
/// machine) hold every pool thread for tens of seconds.
///
/// ```swift
/// let executor = DedicatedExecutor()
/// let task = Task(executorPreference: executor) { try await log.append(bytes) }
/// ```
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "aq-test-executor")

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
