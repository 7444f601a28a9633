import CURing
import Foundation

/// The committer behind ``Log``: one dedicated thread that turns whatever producers staged
/// into one write + sync, then wakes exactly the producers that sync covered. Under
/// `.deferred` a lone producer writes its own batch instead (``beginInlineCommit()``); one
/// thread at a time does the log's I/O (``ioBusy``).
///
/// Invariants (checked by the tests that instrument the storage):
/// - a producer is resumed only after the commit containing its record completed (and was
///   synced, unless `.deferred`);
/// - at most one batch is written but not yet synced (recovery's torn-tail rule relies on it);
/// - sequences are handed out under the lock in staging order, so they are dense and a batch
///   append gets consecutive ones;
/// - after a failed write or sync every waiting and later producer gets the poisoning error.
final class GroupCommitter: @unchecked Sendable {
    // Everything below is guarded by `lock`, except the log's I/O, done with the lock released
    // by the one thread holding `ioBusy` (the committer, or a producer committing inline):
    // `engine.write` on a batch producers no longer touch, `engine.sync` (the file and the
    // durable point, nothing producers read) and `engine.roll` while `rolling` keeps producers
    // off the filling batch and the active segment; and `acknowledge`'s
    // `engine.publishReadable()`, which reads and writes only engine state that no thread but
    // the `ioBusy` holder touches (the written and durable points, the lock file).
    //
    // The invariant: engine I/O runs either with `ioBusy` set by this thread, or with the lock
    // held after seeing `ioBusy` clear (the committer's markers and close). `ioBusy` is set
    // only under the lock after seeing it clear, and cleared by its holder after its last
    // engine access (for a commit, after the publication).
    let engine: LogEngine
    let durability: Durability
    private let maxPendingBytes: Int
    private let lock = ConditionLock()
    private var waiters: [Waiter] = []
    /// Appends whose records waited for a roll that failed: their ticket → the error.
    private var failedTickets: [UInt64: LogError] = [:]
    private var nextTicket: UInt64 = 0
    private var spaceWaiters: [UnsafeContinuation<Void, Never>] = []
    private var flushWaiters: [UnsafeContinuation<Void, any Error>] = []
    /// The last sequence assigned when the latest pending `flush()` was called: once it is
    /// written the flush is served, even while producers keep staging.
    private var flushTarget: UInt64 = 0
    private var closeWaiters: [UnsafeContinuation<Void, any Error>] = []
    /// Records whose sequence is reserved but which wait for a roll.
    private var overflow: [(payload: [UInt8], checksum: UInt32, sequence: UInt64, ticket: UInt64)] = []
    private var overflowBytes = 0
    private var failure: LogError?
    private var closing = false
    /// The committer is rolling without the lock: producers only reserve sequences and queue
    /// their records in `overflow` (non-empty while rolling, so `stage` never looks at the
    /// active segment), and leave the filling batch alone.
    private var rolling = false
    /// A thread does the log's I/O with the lock released: the committer (a commit, roll,
    /// flush or marker) or a producer committing its own `.deferred` batch
    /// (``beginInlineCommit()``). Whoever finds it set leaves the file alone; the committer
    /// waits for it to clear.
    private var ioBusy = false
    /// `.deferred` with ``LogOptions/inlineDeferredCommits``: lone producers may commit inline.
    private let inlineCommits: Bool
    /// Appends with records in the filling batch, and in the batch committed last: a lone
    /// producer's appends may commit inline (``beginInlineCommit()``), and a `.group` batch
    /// as large as the last one commits without waiting out the window.
    private var appendsStaged = 0
    private var appendsInLastBatch = 0
    private var closeResult: Result<Void, LogError>?
    private var firstStaged: ContinuousClock.Instant?
    /// How long the log must stay idle before the committer vouches for its last batch
    /// (``LogEngine/beginVouch()``); nil: never.
    private let idleVouchDelay: Duration?
    /// Vouching frames written (tests).
    private var vouches = 0
    /// When the committer last found nothing to do while the last batch was unvouched.
    private var idleSince: ContinuousClock.Instant?
    private var acked: UInt64
    private var durable: UInt64

    /// The committer thread's name (in `ps -T`, `perf`, debuggers).
    static let threadName = "aqlog-committer"

    init(engine: LogEngine, durability: Durability, maxPendingBytes: Int, idleVouchDelay: Duration? = .milliseconds(50),
         inlineCommits: Bool = true) {
        self.engine = engine
        self.inlineCommits = inlineCommits && durability == .deferred
        self.idleVouchDelay = idleVouchDelay
        self.durability = durability
        self.maxPendingBytes = max(maxPendingBytes, 64 * 1024)
        acked = engine.lastWritten
        durable = engine.durableThrough
        // Named from inside, with pthread: Foundation on Linux ignores a name set before
        // `start()`, and applies one set inside only if `start()` already returned.
        Thread { [self] in
            _ = curing_name_thread(Self.threadName)
            run()
        }.start()
    }

    var acknowledgedThrough: UInt64 { lock.withLock { acked } }
    /// The last sequence handed to a producer (staged, queued or written).
    var reservedThrough: UInt64 { lock.withLock { engine.lastAssigned } }
    var durableThrough: UInt64 { lock.withLock { durable } }
    /// The last sequence a written commit frame vouches for (tests).
    var vouchedThrough: UInt64 { lock.withLock { engine.vouchedThrough } }
    /// Vouching frames written so far (tests).
    var vouchesWritten: Int { lock.withLock { vouches } }
    /// `close()` was called (tests).
    var closeRequested: Bool { lock.withLock { closing } }
    /// `flush()` calls not yet served (tests).
    var flushesPending: Int { lock.withLock { flushWaiters.count } }

    // MARK: - Producers

    /// A producer waiting for `sequence` to be acknowledged; `ticket` identifies its append.
    private struct Waiter {
        var sequence: UInt64
        var ticket: UInt64
        var continuation: UnsafeContinuation<Void, any Error>
    }

    private enum Staging {
        case staged(Range<UInt64>, ticket: UInt64)
        /// Staged, and this producer writes the batch itself (``beginInlineCommit()``).
        case inline(Range<UInt64>, BatchBuffer)
        case full
        case failed(LogError)
    }

    func append<C: Collection>(_ payloads: C) async throws(LogError) -> Range<UInt64> where C.Element == [UInt8] {
        let checksums = payloads.map { CRC32C.checksum($0) }
        var range: Range<UInt64>
        var ticket: UInt64 = 0
        while true {
            switch lock.withLock({ stageOrCommitInline(payloads, checksums) }) {
            case .staged(let r, let t): (range, ticket) = (r, t)
            case .inline(let r, let batch):
                try commitInline(batch)
                return r
            case .failed(let error): throw error
            case .full:
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    lock.withLock {
                        if pendingBytes >= maxPendingBytes && failure == nil && !closing { spaceWaiters.append(c) } else { c.resume() }
                    }
                }
                continue
            }
            break
        }
        guard !range.isEmpty else { return range }
        try await waitForAck(range.upperBound - 1, ticket: ticket)
        return range
    }

    private var pendingBytes: Int { (rolling ? 0 : engine.stagedBytes) + overflowBytes }

    /// Under the lock: stages, then either takes the write on this producer's thread
    /// (``beginInlineCommit()``) or wakes the committer.
    private func stageOrCommitInline<C: Collection>(_ payloads: C, _ checksums: [UInt32]) -> Staging where C.Element == [UInt8] {
        let staging = stage(payloads, checksums)
        guard case .staged(let range, _) = staging, !range.isEmpty else { return staging }
        if let batch = beginInlineCommit() { return .inline(range, batch) }
        // Whoever holds the I/O looks for staged records when it lets go: an inline writer
        // signals (``releaseIO()``), the committer goes back to its loop, which looks first.
        if !ioBusy { lock.signal() }
        return staging
    }

    /// Under the lock: in `.deferred`, when nothing else is doing I/O, no other producer waits
    /// and nothing but a commit is due, begins the commit of everything staged for the calling
    /// producer to write itself.
    ///
    /// A `.deferred` append waits only for a page-cache write, microseconds, while handing it
    /// to the committer thread and back costs two thread wake-ups (tens of microseconds): one
    /// producer appending record by record would spend its time in hand-offs. So a lone producer
    /// (its append the only one staged, none waiting, and the last batch held one append too)
    /// writes its own batch. Concurrent producers leave the write to the committer: its batches
    /// gather many appends, and a producer blocked in I/O would hold a cooperative thread the
    /// others need. The write is the same one the committer would make (`LogEngine.write`), so
    /// the format, the write-back and the acknowledgement order are unchanged; rolls, flushes,
    /// markers and close stay with the committer, and a batch begun here is written before any
    /// other I/O starts (``ioBusy``).
    private func beginInlineCommit() -> BatchBuffer? {
        guard inlineCommits, appendsStaged == 1, appendsInLastBatch <= 1, waiters.isEmpty, !ioBusy, !rolling,
              !closing, failure == nil, overflow.isEmpty, flushWaiters.isEmpty else { return nil }
        ioBusy = true
        return beginBatch()
    }

    /// Under the lock: closes the filling batch for a commit (``LogEngine/beginCommit()``).
    private func beginBatch() -> BatchBuffer {
        firstStaged = nil
        appendsInLastBatch = appendsStaged
        appendsStaged = 0
        return engine.beginCommit()
    }

    /// Writes a batch begun by ``beginInlineCommit()`` (lock not held) and acknowledges it.
    private func commitInline(_ batch: BatchBuffer) throws(LogError) {
        let ioFailure = engine.write(batch, sync: false)
        lock.lock()
        do throws(LogError) {
            try engine.completeCommit(batch, synced: false, failure: ioFailure, publish: false)
        } catch {
            failure = error
            releaseIO()
            failAll()
            lock.unlock()
            throw error
        }
        lock.unlock()
        acknowledge(through: batch.lastSequence, synced: false, releasingIO: true)
    }

    /// Under the lock: ends a lock-released I/O and wakes the committer if anything waits for it.
    private func releaseIO() {
        ioBusy = false
        if engine.stagedRecords > 0 || !overflow.isEmpty || !flushWaiters.isEmpty || closing || failure != nil {
            lock.signal()
        }
    }

    /// Under the lock: reserve sequences and copy the payloads into the filling batch.
    private func stage<C: Collection>(_ payloads: C, _ checksums: [UInt32]) -> Staging where C.Element == [UInt8] {
        if let failure { return .failed(failure) }
        if closing { return .failed(.closed) }
        for p in payloads where p.count > engine.maxRecordSize {
            return .failed(.recordTooLarge(size: p.count, limit: engine.maxRecordSize))
        }
        if pendingBytes >= maxPendingBytes { return .full }
        let first = engine.lastAssigned &+ 1
        var stagedDirectly = false
        nextTicket &+= 1
        for (p, crc) in zip(payloads, checksums) {
            if !rolling && overflow.isEmpty && engine.fitsInActive(payloadLength: p.count) {
                _ = p.withUnsafeBytes { engine.stage($0, payloadChecksum: crc) }
                stagedDirectly = true
            } else {
                overflow.append((p, crc, engine.assignSequence(), nextTicket))
                overflowBytes += p.count
            }
        }
        if stagedDirectly { appendsStaged += 1 }
        if firstStaged == nil { firstStaged = ContinuousClock.now }
        return .staged(first..<(engine.lastAssigned &+ 1), ticket: nextTicket)
    }

    private func waitForAck(_ sequence: UInt64, ticket: UInt64) async throws(LogError) {
        do {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
                lock.withLock {
                    if let error = failedTickets.removeValue(forKey: ticket) {
                        c.resume(throwing: error)
                    } else if acked >= sequence {
                        c.resume()
                    } else if let failure {
                        c.resume(throwing: failure)
                    } else {
                        waiters.append(Waiter(sequence: sequence, ticket: ticket, continuation: c))
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
                        flushWaiters.append(c)
                        flushTarget = max(flushTarget, engine.lastAssigned)
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
                        closeWaiters.append(c)
                        lock.signal()
                    }
                }
            }
        } catch { throw error as! LogError }
    }

    // MARK: - The committer thread

    private func run() {
        lock.lock()
        while true {
            if ioBusy {  // a producer is writing its own batch (beginInlineCommit)
                lock.wait()
                continue
            }
            let staged = engine.stagedRecords > 0
            let work = staged || !overflow.isEmpty || !flushWaiters.isEmpty
            if failure != nil {
                // Poisoned: refuse what is pending, then idle until close.
                if work { failAll(); continue }
                if closing { break }
                lock.wait()
                continue
            }
            if !work {
                if closing { break }  // everything staged is written
                if let delay = idleVouchDelay, engine.needsVouching, vouchWhenIdle(after: delay) { continue }
                lock.wait()
                continue
            }
            idleSince = nil
            // `.group` waits for more producers, but not for more than came last time: once the
            // batch holds as many appends as the last one, its producers are all back and
            // waiting longer only adds latency (one sequential producer would wait every time).
            if staged, case .group(let maxDelay, let maxBytes) = durability, overflow.isEmpty, flushWaiters.isEmpty, !closing,
               engine.stagedBytes < maxBytes, appendsInLastBatch == 0 || appendsStaged < appendsInLastBatch,
               let first = firstStaged {
                let remaining = maxDelay - (ContinuousClock.now - first)
                if remaining > .zero {
                    lock.wait(nanoseconds: max(remaining.nanoseconds, 1_000))
                    continue
                }
            }
            // A flush is served as soon as what it covers is written, not when producers pause
            // (under steady load they never do).
            if !flushWaiters.isEmpty && engine.lastWritten >= flushTarget {
                syncForFlush()
            } else if staged {
                commitStaged()
            } else if !overflow.isEmpty {
                rollAndStageOverflow()
            } else {
                syncForFlush()
            }
        }
        let closed: Result<Void, LogError> = Result { () throws(LogError) in try engine.close() }
        let result: Result<Void, LogError> = if let failure, failure != .closed { .failure(failure) } else { closed }
        closeResult = result
        if failure == nil { failure = .closed }
        let closers = closeWaiters
        closeWaiters = []
        let rest = takeAllWaiters()
        lock.unlock()
        for c in closers { c.resume(with: result.mapError { $0 as any Error }) }
        resume(rest, with: .closed)
    }

    /// Idle with the last batch unvouched: waits out `delay` (returns true to re-check for
    /// work), then writes and syncs the vouching frame with the lock released, as a commit:
    /// producers arriving meanwhile stage into the next batch. Returns false when there is
    /// nothing left to do but sleep.
    private func vouchWhenIdle(after delay: Duration) -> Bool {
        let now = ContinuousClock.now
        let since = idleSince ?? now
        idleSince = since
        let remaining = delay - (now - since)
        if remaining > .zero {
            lock.wait(nanoseconds: max(remaining.nanoseconds, 1_000))
            return true
        }
        idleSince = nil
        guard let marker = engine.beginVouch() else { return false }
        ioBusy = true
        lock.unlock()
        let ioFailure = engine.write(marker, sync: true)
        lock.lock()
        ioBusy = false
        do throws(LogError) {
            try engine.completeCommit(marker, synced: true, failure: ioFailure)
            vouches += 1
        } catch {
            failure = error  // the loop fails what is pending
        }
        return true
    }

    /// Writes the filling batch (lock released during the I/O) and acknowledges its producers.
    ///
    /// While producers keep the next batch staged, commits chain: the lock hold that completes
    /// one batch begins the next, and the completed batch is acknowledged while the next one's
    /// write is in flight (``StorageFile/write(_:at:newBytesFrom:sync:whileInFlight:)``; just
    /// before it, for a blocking write).
    /// Between two writes the committer then neither wins the lock back from staging producers
    /// (a futex sleep and wake-up) nor spends the `LOCK` publication and the resumptions'
    /// wake-ups.
    private func commitStaged() {
        let sync = durability.syncsEachCommit
        var batch = beginBatch()
        ioBusy = true
        var completed: UInt64? = nil  // the last sequence of the batch acknowledged during this write
        lock.unlock()
        while true {
            var acknowledged = false
            let ioFailure = engine.write(batch, sync: sync, whileInFlight: completed.map { last in
                { acknowledged = true; self.acknowledge(through: last, synced: sync) }
            })
            // A third-party `StorageFile` that broke the exactly-once contract must not cost a
            // durable batch its acknowledgement (it would be failed by the poisoning below).
            if let completed, !acknowledged { acknowledge(through: completed, synced: sync) }
            lock.lock()
            do throws(LogError) {
                try engine.completeCommit(batch, synced: sync, failure: ioFailure, publish: false)
            } catch {
                failure = error
                ioBusy = false
                failAll()
                return
            }
            // `.group` goes back to the loop to wait out its window; a flush whose records are
            // all written, to be served.
            let flushDue = !flushWaiters.isEmpty && engine.lastWritten >= flushTarget
            guard engine.stagedRecords > 0 && !durability.gathers && !flushDue else {
                lock.unlock()
                acknowledge(through: batch.lastSequence, synced: sync, releasingIO: true)
                lock.lock()
                return
            }
            completed = batch.lastSequence  // read now: beginCommit recycles the buffer
            batch = beginBatch()
            lock.unlock()
        }
    }

    /// Acknowledges a completed commit (lock not held): publishes it to readers first, so a
    /// resumed producer can read its record, then advances the acknowledged point and resumes
    /// the producers it covers. `releasingIO` ends the caller's hold on the I/O (``ioBusy``)
    /// in the same lock hold, after the publication (which writes `LOCK`).
    private func acknowledge(through last: UInt64, synced: Bool, releasingIO: Bool = false) {
        engine.publishReadable()
        let (ready, space) = lock.withLock {
            acked = max(acked, last)
            if synced { durable = max(durable, last) }
            if releasingIO { releaseIO() }
            return (takeWaiters(through: acked), takeSpaceWaiters())
        }
        for w in ready { w.continuation.resume() }
        for s in space { s.resume() }
    }

    /// Seals the full segment, rolls, and stages the records that waited for room. The lock
    /// is released for the roll's syncs (milliseconds): producers keep staging, into `overflow`.
    private func rollAndStageOverflow() {
        rolling = true
        ioBusy = true
        lock.unlock()
        let rolled = Result { () throws(LogError) in try engine.roll() }
        lock.lock()
        rolling = false
        ioBusy = false
        do throws(LogError) {
            try rolled.get()
        } catch {
            if case .poisoned = error { failure = error; failAll(); return }
            // The next segment could not be prepared (e.g. ENOSPC): fail the waiting records
            // cleanly, give their sequences back, keep the log usable.
            // Tickets, not sequences, name the victims: the sequences are given back and reused.
            let failed = Set(overflow.map(\.ticket))
            overflow.removeAll()
            overflowBytes = 0
            engine.releaseReservedSequences()
            flushTarget = min(flushTarget, engine.lastAssigned)  // given back: a flush no longer waits for them
            let victims = waiters.filter { failed.contains($0.ticket) }
            waiters.removeAll { failed.contains($0.ticket) }
            for t in failed where !victims.contains(where: { $0.ticket == t }) { failedTickets[t] = error }
            let space = takeSpaceWaiters()
            lock.unlock()
            resume(victims, with: error)
            for s in space { s.resume() }
            lock.lock()
            return
        }
        durable = engine.durableThrough
        while let next = overflow.first, engine.fitsInActive(payloadLength: next.payload.count) {
            overflow.removeFirst()
            overflowBytes -= next.payload.count
            next.payload.withUnsafeBytes { engine.stage($0, payloadChecksum: next.checksum, sequence: next.sequence) }
        }
        if firstStaged == nil { firstStaged = ContinuousClock.now }
    }

    /// Syncs for `flush()` with the lock released (producers keep staging meanwhile), then
    /// marks the flush unless a batch is already staged to carry the claim.
    private func syncForFlush() {
        let flushers = flushWaiters
        flushWaiters = []
        flushTarget = 0
        let before = engine.durableThrough
        ioBusy = true
        lock.unlock()
        let synced = Result { () throws(LogError) in try engine.sync() }
        lock.lock()
        ioBusy = false
        do throws(LogError) {
            try synced.get()
            try engine.markFlushed(since: before)
            durable = engine.durableThrough
            lock.unlock()
            for c in flushers { c.resume() }
            lock.lock()
        } catch {
            failure = error
            lock.unlock()
            for c in flushers { c.resume(throwing: error) }
            lock.lock()
            failAll()
        }
    }

    /// Fails every waiting producer and flusher with `failure` (lock held on entry and exit).
    private func failAll() {
        let error = failure ?? .closed
        let rest = takeAllWaiters()
        let flushers = flushWaiters
        flushWaiters = []
        overflow.removeAll()
        overflowBytes = 0
        lock.unlock()
        resume(rest, with: error)
        for c in flushers { c.resume(throwing: error) }
        lock.lock()
        if engine.stagedRecords > 0 { engine.discardStaged() }
        appendsStaged = 0
    }

    private func takeWaiters(through sequence: UInt64) -> [Waiter] {
        // Waiters are appended in staging order, so the ready ones form a prefix... except
        // reserved (overflow) records, so filter rather than split.
        let ready = waiters.filter { $0.sequence <= sequence }
        waiters.removeAll { $0.sequence <= sequence }
        return ready
    }

    private func takeAllWaiters() -> [Waiter] {
        let all = waiters
        waiters = []
        let space = takeSpaceWaiters()
        for s in space { s.resume() }
        return all
    }

    private func takeSpaceWaiters() -> [UnsafeContinuation<Void, Never>] {
        let s = spaceWaiters
        spaceWaiters = []
        return s
    }

    private func resume(_ list: [Waiter], with error: LogError) {
        for w in list { w.continuation.resume(throwing: error) }
    }
}
