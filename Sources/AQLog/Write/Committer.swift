#if canImport(Glibc)
import Glibc
#endif
import CURing
import Foundation

/// The committer behind ``Log``: one dedicated thread that turns what producers staged into
/// commits, keeps up to the commit depth of them in flight, and resumes each producer once
/// its batch and every earlier one are durable. ``CommitScheduler`` decides what it does
/// next; ``LogEngine`` does it. Under `.deferred` a lone producer writes its own batch
/// (``beginInlineCommit()``).
///
/// Invariants (checked by the tests that instrument the storage):
/// - a producer is resumed only after the commit containing its record, and every earlier
///   one, completed (and was synced, unless `.deferred`), and after readers were told;
/// - sequences are handed out under the lock in staging order, so they are dense and a batch
///   append gets consecutive ones;
/// - after a failed write or sync every waiting and later producer gets the poisoning error.
///
/// Locking: everything here and every engine state change is guarded by `lock`. The log's I/O
/// runs with the lock released by the one thread holding ``ioBusy`` (the committer, or a
/// producer committing inline), on engine state producers leave alone meanwhile: the batches
/// in flight, the file, and, while ``rolling``, the active segment (producers then only
/// reserve sequences and queue records in `overflow`). `ioBusy` is set only under the lock
/// after seeing it clear.
final class Committer: @unchecked Sendable {
    let engine: LogEngine
    let policy: DurabilityPolicy
    let scheduler: CommitScheduler
    let lock = ConditionLock()
    var waiters = Waiters()
    var overflow = Overflow()
    var failure: LogError?
    var closing = false
    var rolling = false
    var ioBusy = false
    var nextTicket: UInt64 = 0
    /// Appends with records in the filling batch, and in the batch committed last: a lone
    /// producer's appends may commit inline, and a `.group` batch as large as the last one
    /// commits without waiting out the window.
    var appendsStaged = 0
    var appendsInLastBatch = 0
    var firstStaged: ContinuousClock.Instant?
    var idleSince: ContinuousClock.Instant?
    /// When the committer first saw a record written to the open segment (its age for
    /// ``LogOptions/maximumSegmentAge``); nil while it holds none.
    var segmentFilledSince: ContinuousClock.Instant?
    var closeResult: Result<Void, LogError>?
    /// A moving average of how long a commit takes (begin to completion): the early-commit
    /// rule begins another commit beside one in flight for half of it.
    var commitLatency: Duration = .microseconds(200)
    /// Which rule begins a further commit beside those in flight (measured while the log runs).
    var pacing: CommitPacing
    /// When the last commit completed (`.group` waits for producers only briefly after it).
    var lastCompletion: ContinuousClock.Instant?
    /// Vouching frames written (tests).
    var vouches = 0
    /// The back-pressure gauges' last recorded values (``recordBackPressure()``).
    var recordedBackPressure = BackPressure()
    /// The committer thread (set when it starts).
    var thread: pthread_t?

    /// The committer thread's name (in `ps -T`, `perf`, debuggers).
    static let threadName = "aqlog-committer"

    init(engine: LogEngine) {
        self.engine = engine
        policy = engine.policy
        // With one commit in flight the rules cannot differ: nothing to measure.
        pacing = CommitPacing(fixed: policy.commitDepth > 1 ? policy.commitRule : .batching)
        engine.metrics.eagerCommits.record(pacing.rule == .eager ? 1 : 0)
        scheduler = CommitScheduler(gatherDelay: policy.gatherDelay, gatherBytes: policy.gatherBytes, idleVouchDelay: policy.idleVouchDelay,
                                    maximumSegmentAge: policy.maximumSegmentAge)
        // Named from inside, with pthread: Foundation on Linux ignores a name set before
        // `start()`, and applies one set inside only if `start()` already returned.
        Thread { [self] in
            _ = curing_name_thread(Self.threadName)
            run()
        }.start()
    }

    var acknowledgedThrough: UInt64 { lock.withLock { engine.marks.acknowledged(unsynced: policy.acknowledgesUnsynced) } }
    var durableThrough: UInt64 { lock.withLock { engine.marks.durable } }
    /// The last sequence handed to a producer (staged, queued or written).
    var reservedThrough: UInt64 { lock.withLock { engine.marks.assigned } }
    /// Appends waiting for room (back-pressure) now (tests).
    var appendsWaitingForSpace: Int { lock.withLock { waiters.waitingForRoom } }
    /// The last sequence a written commit frame vouches for (tests).
    var vouchedThrough: UInt64 { lock.withLock { engine.marks.vouched } }
    /// Vouching frames written so far (tests).
    var vouchesWritten: Int { lock.withLock { vouches } }
    /// `close()` was called (tests).
    var closeRequested: Bool { lock.withLock { closing } }
    /// `flush()` calls not yet served (tests).
    var flushesPending: Int { lock.withLock { waiters.flushers.count } }

    // MARK: - Producers

    /// The first half of every append: checksums `payloads` and stages them, synchronously,
    /// while the caller's bytes are borrowed (valid only during this call; nothing keeps a
    /// pointer to them). When back-pressure leaves them unstaged (``Staging/full``), the attempt
    /// keeps a copy to retry with. ``finishAppend(_:)`` does the rest.
    func beginAppend(_ payloads: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> AppendAttempt {
        let checksums = payloads.map { CRC32C.checksum($0) }
        let staging = lock.withLock { stageOrCommitInline(payloads, checksums) }
        guard case .full = staging else { return AppendAttempt(staging: staging) }
        return AppendAttempt(staging: staging, retry: (payloads.map { Array($0) }, checksums))
    }

    /// Waits for room when the first attempt found none (restaging the attempt's copy), then
    /// for the acknowledgement; returns the records' sequences. A failure is counted
    /// (``LogMetrics/appendFailed(_:)``) and thrown.
    func finishAppend(_ attempt: AppendAttempt) async throws(LogError) -> Range<UInt64> {
        do { return try await finish(attempt) } catch {
            engine.metrics.appendFailed(error)
            throw error
        }
    }

    private func finish(_ attempt: AppendAttempt) async throws(LogError) -> Range<UInt64> {
        var staging = attempt.staging
        while true {
            switch staging {
            case .staged(let range, let ticket):
                guard !range.isEmpty else { return range }
                try await waitForAck(range.upperBound - 1, ticket: ticket)
                return range
            case .inline(let range, let commit):
                try commitInline(commit)
                return range
            case .failed(let error): throw error
            case .full:
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    lock.withLock {
                        if pendingBytes >= policy.maxPendingBytes && failure == nil && !closing { waiters.addForSpace(c) } else { c.resume() }
                    }
                }
                let (payloads, checksums) = attempt.retry!
                staging = withPayloadBytes(payloads) { p in lock.withLock { stageOrCommitInline(p, checksums) } }
            }
        }
    }

    private func waitForAck(_ sequence: UInt64, ticket: UInt64) async throws(LogError) {
        do {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
                lock.withLock {
                    if let error = waiters.takeFailure(ticket: ticket) {
                        c.resume(throwing: error)
                    } else if engine.marks.acknowledged(unsynced: policy.acknowledgesUnsynced) >= sequence {
                        c.resume()
                    } else if let failure {
                        c.resume(throwing: failure)
                    } else {
                        waiters.addProducer(.init(sequence: sequence, ticket: ticket, continuation: c))
                    }
                }
            }
        } catch { throw error as! LogError }
    }

    func flush() async throws(LogError) {
        do {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
                lock.withLock {
                    if let failure { c.resume(throwing: failure) } else if closing { c.resume(throwing: LogError.closed) } else {
                        waiters.addFlusher(c, target: engine.marks.assigned)
                        lock.signal()
                    }
                }
            }
        } catch { throw error as! LogError }
    }

    func close() async throws(LogError) {
        do {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
                lock.withLock {
                    if let closeResult { c.resume(with: closeResult.mapError { $0 as any Error }) } else {
                        closing = true
                        waiters.addCloser(c)
                        lock.signal()
                    }
                }
            }
        } catch { throw error as! LogError }
    }

    /// Closes the log when its ``Log`` was dropped without `close()`: as `close()` does (what
    /// was acknowledged stays so; a `.deferred` log is synced), then the writer's lock is
    /// released once the committer thread has stopped, so two writers never overlap. Waits for
    /// that, except on the committer's own thread (the last reference dropped there), which
    /// finishes the close after this returns.
    func closeAbandoned() {
        lock.lock()
        if closeResult == nil && !closing {
            closing = true
            engine.logger.warning("Log dropped without close(): closing it", metadata: ["directory": "\(engine.directory)"])
            lock.signal()
        }
        let onCommitterThread = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        if !onCommitterThread {
            while closeResult == nil { lock.wait() }
        }
        lock.unlock()
    }

    var pendingBytes: Int { (rolling ? 0 : engine.stagedBytes) + overflow.bytes }
}
