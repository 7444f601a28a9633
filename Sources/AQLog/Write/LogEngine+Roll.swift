/// Rolling to the next segment, and closing.
extension LogEngine {
    /// Seals the active segment and continues in the prepared next one (``LogWriter``; `Log`'s
    /// committer runs the steps itself, the I/O with its lock released). Requires nothing
    /// staged and nothing in flight. When the next file cannot be prepared (e.g. `ENOSPC`)
    /// this throws with the active segment untouched; the next attempt retries.
    func roll() throws(LogError) {
        if marks.durable < marks.written {
            // Deferred: make the data durable and say so in a marker before the index goes
            // down, so a seal interrupted after its index sync still shows a durable claim
            // (else damage to those records would look never-synced, and recovery would remove
            // them with the batches after them).
            try flush()
        }
        try sealAndActivate(nextBase: marks.written &+ 1)
        finishRoll()
    }

    /// The I/O of a roll, touching no watermark: takes the prepared file, seals the active
    /// segment (index, then trailer, each synced) and activates the next one, whose first
    /// record will be `nextBase`. Requires nothing staged or in flight and everything written
    /// durable; producers leave the active segment and the filling batch alone meanwhile.
    func sealAndActivate(nextBase: UInt64) throws(LogError) {
        precondition(filling.isEmpty && inFlight.isEmpty)
        try checkWritable()
        // Prepare first: a failure here leaves the log fully usable.
        let nextSize = nextSegmentSize
        let (nextFile, preparedPath) = try io { () throws(IOFailure) in try preparer.take(size: nextSize) }
        let sealed: SegmentDescriptor
        // The footer goes at the segment's end: the mark first covers the whole segment, so
        // a seal cut short leaves its index where recovery looks.
        do throws(IOFailure) {
            try raiseHighWater(through: active.size, withPrefix: false)
            sealed = try active.seal()
        } catch {
            nextFile.close()
            poisonLog(error)
            throw .poisoned(cause: error)
        }
        let (depth, blocks) = policy.headerDepth
        let header = SegmentHeader(maxRecordSize: UInt32(maxRecordSize), logID: logID, baseSequence: nextBase,
                                   segmentSize: UInt64(nextSize), previousDigest: sealed.trailerChecksum!,
                                   commitDepth: depth, inFlightBlocks: blocks)
        let next: ActiveSegment
        do throws(IOFailure) {
            next = try SegmentActivation.activate(storage: storage, directory: directory, file: nextFile,
                                                  preparedPath: preparedPath, header: header)
        } catch {
            nextFile.close()
            poisonLog(error)
            throw .poisoned(cause: error)
        }
        active.file.close()
        active = next
        sealPending = false
        segmentCount += 1
        filling.reset(at: active.dataEnd, prefix: UnsafeRawBufferPointer(start: nil, count: 0))
        if preparer.background { startPreparationIfDue() } else { preparer.start(size: nextSegmentSize) }
        metrics.rolled(segments: segmentCount)
        logger.debug("rolled segment", metadata: ["sealed": "\(sealed.fileName)", "next": "\(next.descriptor.fileName)"])
    }

    /// After ``sealAndActivate(nextBase:)``: the seal made everything written durable and
    /// vouches for it; readers are told.
    func finishRoll() {
        advance { m in
            m.durable = m.written
            m.vouched = m.written
            m.durablyVouched = m.written
        }
        publishReadable()
        sealObserver?()
    }

    /// Syncs what was written, vouches for it, releases the lock and closes files. Idempotent:
    /// a later call returns what the first did (its failure, thrown again). Requires nothing in
    /// flight.
    func close() throws(LogError) {
        guard !isClosed else {
            if let closeFailure { throw closeFailure }
            return
        }
        precondition(inFlight.isEmpty)
        if !filling.isEmpty { discardStaged() }  // records whose appends already failed: never written
        var failure: LogError?
        if poison == nil, marks.durable < marks.written {
            // Deferred mode leaves written batches unsynced: sync them before the marker below
            // vouches for them. Written first, a marker could reach the disk while they do not
            // (a power loss inside the close), and recovery would have to call their damage
            // corruption below a durable point.
            do throws(LogError) { try sync() } catch { failure = error }
        }
        if failure == nil, poison == nil, marks.written >= active.descriptor.baseSequence, marks.durablyVouched < marks.written {
            if hasRoomForMarker {
                // A synced close marker: vouches for the last batch (see BatchBuffer.finish),
                // unless a synced frame already does (an idle marker, ``vouchIfNeeded()``, the
                // marker of an earlier close found at open). Also after an open that appended
                // nothing: a batch a crash left unvouched is vouched for now (open synced it),
                // and a log reopened and closed again writes nothing.
                do throws(LogError) { try commitNow(beginMarker(synced: true)) } catch { failure = error }
            } else if marks.vouched > marks.durablyVouched {
                // No room for a marker (a deferred flush's marker took the segment's last
                // reserve): make that unsynced frame durable instead.
                let vouched = marks.vouched
                do throws(LogError) {
                    try syncFile()
                    markSynced(written: marks.written, vouched: vouched)
                } catch { failure = error }
            }
        }
        if failure == nil { publishReadable() }
        isClosed = true
        preparer.cancel()
        active.file.close()
        highWaterFile?.close()
        publisher.release()
        closeFailure = failure
        if let failure { throw failure }
    }
}
