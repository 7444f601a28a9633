/// A batch begun by ``LogEngine/beginCommit(synced:)`` and not yet completed.
struct InFlightCommit {
    let batch: BatchBuffer
    /// What its commit frame claims durable (moves the vouched point once it completes).
    let claim: UInt64
    let synced: Bool
    let tag: UInt64
    let began: ContinuousClock.Instant
    /// Set when its write completed; applied once every earlier batch completed too.
    var outcome: IOFailure?? = nil
}

extension LogEngine {
    /// Most commits in flight in the active segment: the policy's, capped by the header's
    /// (a segment records the depth it was written with; recovery relies on it).
    var commitDepth: Int { min(policy.commitDepth, active.descriptor.header.commitDepth) }

    var inFlightRecords: Int { inFlight.reduce(0) { $0 + $1.batch.recordCount } }

    /// Whether another batch may be begun now: fewer than ``commitDepth`` in flight, and,
    /// beside others, the batch still fits the segment on a fresh block and the bytes past the
    /// oldest one's end stay within the header's bound.
    var canBeginCommit: Bool {
        guard let oldest = inFlight.first else { return true }
        guard inFlight.count < commitDepth else { return false }
        let padding = filling.carried > 0 ? SegmentLayout.blockSize - filling.carried : 0
        let end = filling.fileEnd + padding + 2 * BatchBuffer.commitCost
        let bound = active.descriptor.header.inFlightBlocks * SegmentLayout.blockSize
        return end - oldest.batch.fileEnd <= bound
            && active.fits(end: end, additionalRecords: inFlightRecords + filling.recordCount)
    }

    /// Finishes the filling batch with its commit frame and hands it to the caller to
    /// ``submit(_:)``; producers stage into a fresh buffer meanwhile. A batch begun beside
    /// another in flight starts on the next block, so no block is shared by two writes in
    /// flight (docs/FORMAT.md).
    func beginCommit(synced: Bool) -> InFlightCommit {
        precondition(!filling.isEmpty && canBeginCommit)
        return begin(filling, claim: marks.durable, synced: synced) { $0.finish(durableThrough: marks.durable) }
    }

    /// Like ``beginCommit(synced:)`` for a marker: an empty commit frame vouching for
    /// everything written (a flush, vouch or close marker). Nothing may be staged or in flight.
    func beginMarker(synced: Bool) -> InFlightCommit {
        precondition(filling.isEmpty && inFlight.isEmpty)
        let last = marks.written
        return begin(filling, claim: last, synced: synced) { $0.finish(durableThrough: last, markerSequence: last) }
    }

    private func begin(_ batch: BatchBuffer, claim: UInt64, synced: Bool, finish: (BatchBuffer) -> Void) -> InFlightCommit {
        if !inFlight.isEmpty { batch.moveToFreshBlock() }
        finish(batch)
        let next = spares.popLast() ?? BatchBuffer(capacity: batch.capacity)
        next.reset(at: batch.fileEnd, prefix: batch.tailPrefix)
        filling = next
        nextTag &+= 1
        let commit = InFlightCommit(batch: batch, claim: claim, synced: synced, tag: nextTag, began: .now)
        inFlight.append(commit)
        return commit
    }

    /// Starts the commit's write (and sync). The I/O thread only, lock released. Returns its
    /// completion when the backend finished it inside this call (blocking backends), nil
    /// when ``awaitCompletion()`` will report it.
    func submit(_ commit: InFlightCommit) -> WriteCompletion? {
        let batch = commit.batch
        do throws(IOFailure) { try raiseHighWater(through: batch.fileEnd) } catch {
            return WriteCompletion(tag: commit.tag, failure: error)
        }
        let done = active.file.submitWrite(batch.writeBytes, at: batch.fileOffset, newBytesFrom: batch.fileOffset + batch.carried,
                                           sync: commit.synced, tag: commit.tag)
        if !commit.synced && done?.failure == nil { startWritebackIfDue(upTo: batch.fileEnd) }
        return done
    }

    /// Waits for the next write in flight to complete (any of them). The I/O thread only,
    /// lock released.
    func awaitCompletion(timeout: Duration? = nil) -> WriteCompletion? { active.file.awaitWriteCompletion(timeout: timeout) }

    /// Records a completion and applies every batch now complete in order: the segment's
    /// index, and the written, durable and vouched points. Returns true when the points moved
    /// (the caller publishes and acknowledges). Fails closed: once a batch failed, no later
    /// completion, however successful, acknowledges anything; when the last batch in flight
    /// has completed, the failed batch and every later one are zeroed (best effort).
    @discardableResult
    func complete(_ completion: WriteCompletion) throws(LogError) -> Bool {
        guard let i = inFlight.firstIndex(where: { $0.tag == completion.tag }) else {
            preconditionFailure("completion of a write not in flight")
        }
        var failure = completion.failure
        // The segment's handle may still carry its pre-rename name; a failure of `HIGHWATER`
        // keeps its own.
        if let path = failure?.path, LogDirectoryLayout.name(of: path) == LogDirectoryLayout.preparedSegment { failure?.path = active.path }
        inFlight[i].outcome = .some(failure)
        if poison != nil {
            if inFlight.allSatisfy({ $0.outcome != nil }) { zeroFailedBatches() }
            throw .poisoned(cause: poison!)
        }
        var moved = false
        while let head = inFlight.first, let outcome = head.outcome {
            if let failure = outcome {
                poisonLog(failure)
                if inFlight.allSatisfy({ $0.outcome != nil }) { zeroFailedBatches() }
                throw .poisoned(cause: failure)
            }
            inFlight.removeFirst()
            apply(head)
            moved = true
        }
        return moved
    }

    private func apply(_ commit: InFlightCommit) {
        let batch = commit.batch
        active.committed(batch, claim: commit.claim)
        // Applied in order: a synced batch's completion makes every earlier one durable too.
        if commit.synced { active.committedIsDurable() }
        advance { m in
            m.vouched = max(m.vouched, commit.claim)
            m.written = max(m.written, batch.lastSequence)
            if commit.synced {
                m.durable = max(m.durable, batch.lastSequence)
                // No frame claims past the durable point when its batch begins, so this
                // synced frame's claim, and every earlier one, is durable now.
                m.durablyVouched = m.vouched
            }
        }
        if batch.recordCount > 0 {  // markers are not commits of records
            metrics.committed(records: batch.recordCount, bytes: batch.stagedBytes, synced: commit.synced, duration: .now - commit.began)
        }
        spares.append(batch)
        startPreparationIfDue()
    }

    /// Writes, waits for and completes one commit on the caller's thread (``LogWriter``, and
    /// the markers of flush, vouch and close). Nothing else may be in flight.
    func commitNow(_ commit: InFlightCommit) throws(LogError) {
        let completion = submit(commit) ?? awaitCompletion()!
        try complete(completion)
    }

    /// Unsynced bytes after which a deferred log starts write-back, so the sync at the next
    /// roll, flush or close finds little left to write (instead of a whole segment).
    static let writebackChunk = 8 << 20

    /// Write-back stops short of the block the next batch continues in: a write into a page
    /// under write-back waits for that I/O to finish (stable pages), which would stall every
    /// later append for a disk write.
    private func startWritebackIfDue(upTo end: Int) {
        if end < writebackFrom { writebackFrom = SegmentLayout.dataStart }  // a new segment
        let stop = alignDown(end, SegmentLayout.blockSize)
        guard stop - writebackFrom >= Self.writebackChunk else { return }
        let start = alignDown(writebackFrom, SegmentLayout.blockSize)
        active.file.startWriteback(from: start, length: stop - start)
        writebackFrom = stop
    }

    /// Fails the log closed: the kernel may have dropped the dirty pages, so nothing later may
    /// be acknowledged, and the sync is never retried.
    func poisonLog(_ failure: IOFailure) {
        guard poison == nil else { return }
        poison = failure
        logger.error("log poisoned", metadata: ["cause": "\(failure)", "directory": "\(directory)"])
        metrics.poisoned()
    }

    /// Best effort, once nothing is in flight: clears every batch from the first that failed
    /// on, so a later recovery cannot take a complete-looking copy of one for acknowledged
    /// data (after a failed sync its pages may sit in the cache, clean, until a power loss
    /// drops them, while the next writer's frames would claim them durable). The zeros get a
    /// sync of their own; the failed one is not retried.
    private func zeroFailedBatches() {
        let failed = inFlight
        inFlight.removeAll()
        guard let first = failed.first?.batch, let end = failed.map({ $0.batch.fileEnd }).max() else { return }
        let length = alignUp(end, SegmentLayout.blockSize) - first.fileOffset
        let zeros = AlignedBuffer(capacity: length)
        if first.carried > 0 {
            zeros.mutableBytes.baseAddress!.copyMemory(from: first.writeBytes.baseAddress!, byteCount: first.carried)
        }
        try? active.file.write(zeros.bytes(0..<length), at: first.fileOffset, newBytesFrom: first.fileOffset + first.carried, sync: true)
        for commit in failed { spares.append(commit.batch) }
    }
}
