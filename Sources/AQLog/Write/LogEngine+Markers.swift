/// Syncs and the empty commit frames (markers) that say what is durable: flush, the idle
/// vouch, and the close marker.
extension LogEngine {
    /// Makes everything written durable (`fdatasync` of the active segment). A failure
    /// poisons the log.
    func sync() throws(LogError) {
        try checkWritable()
        guard marks.durable < marks.written else { return }
        let (written, vouched) = (marks.written, marks.vouched)
        try syncFile()
        markSynced(written: written, vouched: vouched)
    }

    /// The I/O of a sync, touching no watermark (`Log`'s committer runs it with its lock
    /// released, then ``markSynced(written:vouched:)`` under the lock): `fdatasync` of the
    /// active segment, every byte written to it durable, records and frames. A failure
    /// poisons the log.
    func syncFile() throws(LogError) {
        do throws(IOFailure) { try active.file.syncData() } catch {
            var named = error
            named.path = active.path  // the handle may still carry its pre-rename name
            poisonLog(named)
            throw .poisoned(cause: named)
        }
    }

    /// After ``syncFile()``: what was written and vouched for when it began is durable.
    func markSynced(written: UInt64, vouched: UInt64) {
        // Nothing is applied while a sync runs (the I/O is the syncing thread's), so the
        // segment's committed state is what the sync covered, unless a roll intervened.
        if active.descriptor.lastSequence == written { active.committedIsDurable() }
        advance { m in
            m.durable = max(m.durable, written)
            m.durablyVouched = max(m.durablyVouched, vouched)
        }
    }

    /// ``sync()``, then an empty commit frame vouching for everything now durable, so that
    /// recovery can tell these records from never-synced ones (which it removes after damage)
    /// even when nothing is appended after the flush. The frame is not synced: its claim is
    /// already true, and if a power loss drops it the records stay durable, only unvouched.
    func flush() throws(LogError) {
        let before = marks.durable
        try sync()
        try markFlushed(since: before)
        publishReadable()
    }

    /// The marker of a flush whose ``sync()`` made records durable since `before` (nothing
    /// when records are staged or in flight: the next commit frame carries the claim).
    func markFlushed(since before: UInt64) throws(LogError) {
        guard marks.durable > before, canWriteMarker else { return }
        try commitNow(beginMarker(synced: false))
    }

    /// True when everything written is durable but the last batch has no commit frame after
    /// it saying so (an idle `.sync` log): ``beginVouch()`` would start one.
    var needsVouching: Bool {
        marks.vouched < marks.durable && marks.durable == marks.written && poison == nil && !isClosed
    }

    /// Starts an empty commit frame vouching for everything written, all of it already
    /// durable, so that damage to the last batch later reads as corruption (refused, with its
    /// location) instead of a torn tail (repaired away with acknowledged records in it); nil
    /// when there is nothing to vouch for or no room (the roll's seal will vouch). Synced: an
    /// unsynced frame followed by the next batch would be a write recovery could see without
    /// it, and a crash keeping the batch but not the frame leaves a hole recovery must refuse.
    /// A crash during it only loses the frame: rewriting the tail block rewrites the last
    /// batch's bytes unchanged.
    func beginVouch() -> InFlightCommit? {
        guard needsVouching, canWriteMarker else { return nil }
        return beginMarker(synced: true)
    }

    /// Writes and syncs ``beginVouch()``'s frame, if the last batch needs one: what `Log`'s
    /// committer does once idle, for a writer without a thread of its own
    /// (``LogWriter/markIdle()``).
    func vouchIfNeeded() throws(LogError) {
        try checkWritable()
        guard let marker = beginVouch() else { return }
        try commitNow(marker)
    }

    /// The active segment has room for one more marker frame after what is written and staged.
    var hasRoomForMarker: Bool { active.fits(end: filling.fileEnd + BatchBuffer.commitCost, additionalRecords: 0) }

    /// A marker may follow now: nothing staged or in flight, a record in this segment to vouch
    /// for, and room for the frame.
    var canWriteMarker: Bool {
        filling.isEmpty && inFlight.isEmpty && marks.written >= active.descriptor.baseSequence && hasRoomForMarker
    }
}
