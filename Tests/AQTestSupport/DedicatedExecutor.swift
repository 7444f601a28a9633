import Foundation

/// A task executor on a thread of its own, outside the cooperative pool and libdispatch's
/// worker threads: tests whose tasks must make progress while synchronous tests hold every
/// pool thread for tens of seconds (two on this machine). A serial dispatch queue is not
/// enough: its blocks run on the same few worker threads, and a task enqueued there waited
/// 50 s in the full suite.
///
/// ```swift
/// let executor = DedicatedExecutor()
/// let task = Task(executorPreference: executor) { try await log.append(bytes) }
/// ```
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    /// Jobs for the thread; it exits once the executor is gone and the queue is empty.
    private final class Jobs: @unchecked Sendable {
        let condition = NSCondition()
        var pending: [UnownedJob] = []
        var closed = false
    }
    private let jobs = Jobs()

    public init() {
        let jobs = self.jobs
        let executor = asUnownedTaskExecutor()  // tasks preferring this executor keep it alive
        let thread = Thread {
            while true {
                jobs.condition.lock()
                while jobs.pending.isEmpty && !jobs.closed { jobs.condition.wait() }
                if jobs.pending.isEmpty {
                    jobs.condition.unlock()
                    return
                }
                let job = jobs.pending.removeFirst()
                jobs.condition.unlock()
                job.runSynchronously(on: executor)
            }
        }
        thread.name = "aq-test-executor"
        thread.start()
    }

    deinit {
        jobs.condition.lock()
        jobs.closed = true
        jobs.condition.signal()
        jobs.condition.unlock()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.condition.lock()
        jobs.pending.append(job)
        jobs.condition.signal()
        jobs.condition.unlock()
    }
}
