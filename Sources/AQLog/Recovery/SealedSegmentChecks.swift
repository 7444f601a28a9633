import Dispatch
import Synchronization

/// One check of each sealed segment, run on several cores at once, results in the segments'
/// order: `verify` proves sealed segments this way.
///
/// Sealed segments are independent of each other (each carries its own index, digest and
/// data end), so they need not be read one after another. Each worker reads its segments on its
/// own thread, a window at a time small enough to stay in its core's cache between the read's
/// copy and the checks (``SegmentReadBuffer/init(readingAhead:)``); one core's worth of
/// checking, the copy included, is what the `pread` and checksum loop it is compared with does
/// (docs/BENCHMARKS.md). With one core, or one segment, segments are read one after another
/// through a buffer that reads the next window ahead.
struct SealedSegmentChecks<Checked: Sendable>: Sendable {
    typealias Check = @Sendable (SegmentDescriptor, SegmentReadBuffer) throws(LogError) -> Checked

    /// At most this many workers: past it, memory bandwidth, not cores, sets the pace.
    static var maxWorkers: Int { 4 }

    let segments: [SegmentDescriptor]
    let check: Check

    init(_ segments: [SegmentDescriptor], _ check: @escaping Check) {
        self.segments = segments
        self.check = check
    }

    /// Each segment's outcome, in order, checked on `requested` workers at most (by default one
    /// a processor this process may run on).
    func run(workers requested: Int = Syscalls.usableProcessors) -> [Result<Checked, LogError>] {
        let workers = min(segments.count, requested, Self.maxWorkers)
        if workers <= 1 {
            let buffer = SegmentReadBuffer()
            return segments.map { d in Result { () throws(LogError) in try check(d, buffer) } }
        }
        let outcomes = Outcomes(count: segments.count)
        let work = { @Sendable in
            let buffer = SegmentReadBuffer(readingAhead: false)
            while case let i = outcomes.next.add(1, ordering: .relaxed).oldValue, i < segments.count {
                outcomes.slots[i] = Result { () throws(LogError) in try check(segments[i], buffer) }
            }
        }
        // The caller's thread is one of the workers; each other one runs on a serial queue of
        // its own, whose thread is made when needed: the shared pool's threads may all be busy
        // (an embedding program's work, tasks blocked in I/O), and workers queued behind them
        // would leave the caller to check every segment alone.
        let others = DispatchGroup()
        for n in 1..<workers { DispatchQueue(label: "aqlog.verify.\(n)").async(group: others, execute: work) }
        work()
        others.wait()
        return outcomes.slots.map { $0! }
    }

    /// Runs ``run(workers:)`` on another thread; ``Pending/wait()`` gives each segment with its
    /// outcome.
    func start(workers: Int = Syscalls.usableProcessors) -> Pending {
        let pending = Pending()
        pending.finished.enter()
        DispatchQueue(label: "aqlog.verify.early").async {
            pending.outcomes = Array(zip(segments, run(workers: workers)))
            pending.finished.leave()
        }
        return pending
    }

    /// Checks started by ``start(workers:)``.
    final class Pending: @unchecked Sendable {
        // Written by the thread running the checks before it leaves `finished`, read after it.
        fileprivate var outcomes: [(SegmentDescriptor, Result<Checked, LogError>)] = []
        fileprivate let finished = DispatchGroup()

        /// Waits for every check; each segment and its outcome, in order.
        func wait() -> [(SegmentDescriptor, Result<Checked, LogError>)] {
            finished.wait()
            return outcomes
        }
    }

    /// The workers' shared state: the next segment to take, and one slot a segment, written by
    /// the one worker that took it and read by the caller after every worker returned.
    private final class Outcomes: @unchecked Sendable {
        let next = Atomic<Int>(0)
        let slots: UnsafeMutableBufferPointer<Result<Checked, LogError>?>
        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }
        deinit {
            slots.deinitialize()
            slots.deallocate()
        }
    }
}
