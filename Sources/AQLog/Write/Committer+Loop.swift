#if canImport(Glibc)
import Glibc
#endif
/// The committer thread: asks ``CommitScheduler`` what to do, does it.
extension Committer {
    func run() {
        lock.lock()
        thread = pthread_self()
        while true {
            let action = scheduler.next(state())
            if case .wait = action {} else { idleSince = nil }
            switch action {
            case .wait(let limit):
                // Idle: waiting for producers with nothing to commit (not `.group` gathering a
                // batch, nor a producer writing its own): the producers set the rate then.
                let idle = engine.inFlight.isEmpty && engine.stagedRecords == 0 && !ioBusy
                let since = ContinuousClock.now
                if let limit { lock.wait(nanoseconds: max(limit.nanoseconds, 1_000)) } else { lock.wait() }
                if idle { pacing.idled(.now - since) }
            case .commit: commit()
            case .reap(let timeout): reap(timeout: timeout)
            case .roll: rollAndStageOverflow()
            case .sync: syncForFlush()
            case .serveFlush: serveFlush()
            case .vouch: vouch()
            case .failPending: failAll()
            case .close:
                finishClose()
                return
            }
        }
    }

    /// What the scheduler decides from (lock held).
    private func state() -> CommitScheduler.State {
        let now = ContinuousClock.now
        let marks = engine.marks
        let target = waiters.flushTarget
        var s = CommitScheduler.State()
        s.writingInline = ioBusy
        s.failed = failure != nil
        s.closing = closing
        s.stagedRecords = engine.stagedRecords
        s.stagedBytes = engine.stagedBytes
        s.appendsStaged = appendsStaged
        s.appendsInLastBatch = appendsInLastBatch
        s.stagedFor = firstStaged.map { now - $0 } ?? .zero
        s.idleDeviceFor = lastCompletion.map { now - $0 } ?? .seconds(1)
        s.overflow = !overflow.isEmpty
        s.flushPending = waiters.hasFlushers
        s.flushTargetWritten = marks.written >= target
        s.flushTargetDurable = marks.durable >= target && policy.syncsEachCommit
        s.inFlight = engine.inFlight.count
        s.canBeginCommit = engine.canBeginCommit
        s.oldestInFlightFor = engine.inFlight.first.map { now - $0.began } ?? .zero
        s.earlyCommitAge = commitLatency / 2
        s.eager = pacing.activeRule == .eager
        s.unsyncedWrites = marks.durable < marks.written
        s.needsVouching = engine.needsVouching
        if s.needsVouching && idleSince == nil { idleSince = now }
        s.idleFor = idleSince.map { now - $0 } ?? .zero
        if let limit = policy.maximumSegmentAge {
            if segmentFilledSince == nil, marks.written >= engine.active.descriptor.baseSequence { segmentFilledSince = now }
            s.segmentAge = segmentFilledSince.map { now - $0 }
            // Due: later records wait for the next segment, so the roll comes under steady load.
            if let age = s.segmentAge, age >= limit, !closing { engine.sealPending = true }
        }
        return s
    }

    /// Begins a commit of what is staged and submits it (lock released for the submission).
    /// A blocking backend completes it inside the submission: it is completed at once.
    private func commit() {
        let commit = beginCommit()
        ioBusy = true
        lock.unlock()
        let done = engine.submit(commit)
        lock.lock()
        ioBusy = false
        if let done { completeAndResume(done) }
    }

    /// Waits (lock released) for a completion, at most `timeout`, and completes it, resuming
    /// the producers it acknowledges before the loop looks for the next commit: their tasks are
    /// scheduled a submission earlier (tens of microseconds on a virtual machine), and where the
    /// next commit waits (beside one in flight under the batching rule, or `.group` gathering)
    /// the records they append meanwhile ride in it instead of the one after it.
    private func reap(timeout: Duration?) {
        ioBusy = true
        lock.unlock()
        let completion = engine.awaitCompletion(timeout: timeout)
        lock.lock()
        ioBusy = false
        guard let completion else { return }
        var r = Resumptions()
        complete(completion, into: &r)
        resume(r)
    }

    func completeAndResume(_ completion: WriteCompletion) {
        var r = Resumptions()
        complete(completion, into: &r)
        resume(r)
    }

    /// Runs `r` with the lock released.
    func resume(_ r: Resumptions) {
        guard !r.isEmpty else { return }
        lock.unlock()
        r.run()
        lock.lock()
    }

    /// Under the lock: records a completion; when batches completed in order, publishes them
    /// to readers and takes their producers into `r`. A failure poisons the log: everything
    /// pending fails (the scheduler reaps what is still in flight first).
    func complete(_ completion: WriteCompletion, into r: inout Resumptions) {
        let began = engine.inFlight.first { $0.tag == completion.tag }?.began
        let written = engine.marks.written
        do throws(LogError) {
            guard try engine.complete(completion) else { return }
        } catch {
            if failure == nil { failure = error }
            waiters.failAll(with: failure!, into: &r)
            return
        }
        lastCompletion = .now
        if let began { commitLatency = (commitLatency * 7 + (lastCompletion! - began)) / 8 }
        let rule = pacing.rule
        pacing.completed(records: Int(engine.marks.written &- written), at: lastCompletion!, typicalCommit: commitLatency)
        if pacing.rule != rule { engine.metrics.eagerCommits.record(pacing.rule == .eager ? 1 : 0) }
        acknowledge(into: &r)
    }

    /// Under the lock: publishes the acknowledged point and takes the producers it covers
    /// (and those waiting for room), after recording the back-pressure they saw.
    func acknowledge(into r: inout Resumptions) {
        engine.publishReadable()
        recordBackPressure()
        waiters.acknowledge(through: engine.marks.acknowledged(unsynced: policy.acknowledgesUnsynced), into: &r)
    }

    /// Seals the full segment, rolls, and stages the records that waited for room. The lock
    /// is released for the roll's I/O (milliseconds): producers keep staging, into `overflow`.
    /// Everything written is durable first (the scheduler syncs a `.deferred` log before).
    private func rollAndStageOverflow() {
        let nextBase = engine.marks.written &+ 1
        rolling = true
        ioBusy = true
        lock.unlock()
        let rolled = Result { () throws(LogError) in try engine.sealAndActivate(nextBase: nextBase) }
        lock.lock()
        rolling = false
        ioBusy = false
        var r = Resumptions()
        do throws(LogError) {
            try rolled.get()
        } catch {
            if case .poisoned = error {
                failure = error
                failAll()
                return
            }
            // The next segment could not be prepared (e.g. ENOSPC): fail the waiting records
            // cleanly, give their sequences back, keep the log usable. Tickets, not sequences,
            // name the victims: the sequences are given back and reused. A roll by age is
            // tried again one age later, not at once.
            if engine.sealPending {
                engine.sealPending = false
                segmentFilledSince = .now
                engine.logger.warning("sealing by age failed; trying again later", metadata: ["error": "\(error)"])
            }
            let failed = overflow.tickets
            overflow.removeAll()
            engine.releaseReservedSequences()
            waiters.lowerFlushTarget(to: engine.marks.assigned)
            waiters.fail(tickets: failed, with: error, into: &r)
            waiters.releaseSpace(into: &r)
            resume(r)
            return
        }
        engine.finishRoll()
        segmentFilledSince = nil
        acknowledge(into: &r)
        var appends = Set<UInt64>()
        while let next = overflow.records.first, engine.fitsInActive(payloadLength: next.payload.count) {
            _ = overflow.removeFirst()
            next.payload.withUnsafeBytes { engine.stage($0, payloadChecksum: next.checksum, sequence: next.sequence) }
            appends.insert(next.ticket)
        }
        appendsStaged += appends.count  // the scheduler weighs a batch by its appends
        if firstStaged == nil, engine.stagedRecords > 0 { firstStaged = .now }
        resume(r)
    }

    /// Syncs with the lock released (producers keep staging meanwhile), for a flush or before
    /// a `.deferred` roll, then marks the flush unless a batch is already staged to carry the
    /// claim, and serves the flushes waiting.
    private func syncForFlush() {
        let before = engine.marks.durable
        let (written, vouched) = (engine.marks.written, engine.marks.vouched)
        ioBusy = true
        lock.unlock()
        let synced = Result { () throws(LogError) in try engine.syncFile() }
        lock.lock()
        ioBusy = false
        var r = Resumptions()
        do throws(LogError) {
            try synced.get()
            engine.markSynced(written: written, vouched: vouched)
            try engine.markFlushed(since: before)
            acknowledge(into: &r)
            waiters.takeFlushers(failing: nil, into: &r)
            resume(r)
        } catch {
            failure = error
            failAll()
        }
    }

    /// Serves the pending flushes whose records a synced commit already made durable.
    private func serveFlush() {
        var r = Resumptions()
        acknowledge(into: &r)
        waiters.takeFlushers(failing: nil, into: &r)
        resume(r)
    }

    /// Writes and syncs the frame vouching for an idle log's last batch, with the lock
    /// released, as a commit: producers arriving meanwhile stage into the next batch.
    private func vouch() {
        idleSince = nil
        guard let marker = engine.beginVouch() else { return }
        ioBusy = true
        lock.unlock()
        let done = engine.submit(marker) ?? engine.awaitCompletion()!
        lock.lock()
        ioBusy = false
        completeAndResume(done)
        if failure == nil { vouches += 1 }
    }

    /// Fails every waiting producer and flusher with `failure`, drops what is staged and
    /// queued (lock held on entry and exit).
    func failAll() {
        let error = failure ?? .closed
        var r = Resumptions()
        waiters.failAll(with: error, into: &r)
        overflow.removeAll()
        if engine.stagedRecords > 0 { engine.discardStaged() }
        appendsStaged = 0
        resume(r)
    }

    /// Closes the engine and answers every closer, waiter and later caller (lock held; the
    /// thread ends after this).
    private func finishClose() {
        let closed: Result<Void, LogError> = Result { () throws(LogError) in try engine.close() }
        let result: Result<Void, LogError> = if let failure, failure != .closed { .failure(failure) } else { closed }
        closeResult = result
        if failure == nil { failure = .closed }
        var r = Resumptions()
        waiters.takeClosers(result, into: &r)
        waiters.failAll(with: .closed, into: &r)
        recordBackPressure(BackPressure())  // nothing is staged or waits once closed
        lock.signal()  // a dropped `Log` waits for this (``Committer/closeAbandoned()``)
        lock.unlock()
        r.run()
    }
}
