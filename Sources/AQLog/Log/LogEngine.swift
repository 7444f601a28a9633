import Logging

/// The log's state machine: staging, committing, rolling, poisoning. Not thread-safe: the
/// single-owner ``LogWriter`` calls it directly, the concurrent ``Log`` under its lock, except
/// the I/O steps and ``publishReadable()``, which ``Log`` calls from one thread at a time (the
/// one holding its I/O: the committer, or a producer writing its own `.deferred` batch), on
/// state no other thread touches meanwhile.
///
/// A commit has three steps so the concurrent log can write one batch while producers fill
/// the next: ``beginCommit()`` (finish the batch, swap buffers; under the lock),
/// ``BatchBuffer`` written by ``write(_:sync:)`` (outside the lock), ``completeCommit(_:synced:)``
/// (under the lock). At most one batch is ever written but not yet synced (recovery relies on it).
final class LogEngine {
    let storage: any Storage
    let directory: String
    let options: LogOptions
    let maxRecordSize: Int
    /// Size of every segment of this log (fixed when the log was created).
    let segmentSize: Int
    let logger = Logger(label: "aqlog")
    private var lock: (any StorageLock)?
    /// Segments this writer knows of (for the segments gauge; compaction may remove older ones).
    private var segmentCount: Int
    private(set) var active: ActiveSegment
    private let preparer: SegmentPreparer
    /// The batch producers stage into.
    private(set) var filling: BatchBuffer
    /// The other buffer: being written, or idle.
    private var spare: BatchBuffer
    /// Last sequence handed out (staged or committed).
    private(set) var lastAssigned: UInt64
    /// Last sequence whose batch reached the file.
    private(set) var lastWritten: UInt64
    /// Last sequence known synced.
    private(set) var durableThrough: UInt64
    /// Last sequence a commit frame written by this writer (or a seal) claims durable. A
    /// `.sync` batch is vouched for only by the next frame, so the last one of an idle log is
    /// not, until ``beginVouch()``.
    private(set) var vouchedThrough: UInt64 = 0
    /// The part of ``vouchedThrough`` a sync or seal has made durable: a close has nothing to
    /// add from here (an unsynced flush marker moves ``vouchedThrough`` alone).
    private(set) var durablyVouchedThrough: UInt64 = 0
    /// What the frame being written claims durable (moves ``vouchedThrough`` once written).
    private var inFlightClaim: UInt64 = 0
    private(set) var poison: IOFailure?
    private(set) var isClosed = false
    private(set) var writeInFlight = false
    /// Records in the batch being written (counted against the segment's index room).
    private var inFlightRecords = 0
    let recoveryReport: RecoveryReport
    let metrics: LogMetrics
    /// True for deferred logs: they acknowledge (and let readers see) records before syncing.
    private let acknowledgesUnsynced: Bool
    /// What was last published in the lock.
    private var published: WriterProgress?

    var logID: LogID { active.descriptor.header.logID }

    /// Opens (creating when allowed) the log in `directory`, recovering it first.
    /// `syncsEachCommit` is the durability's: such logs zero-fill new segments (cheaper syncs),
    /// deferred logs only reserve them and start write-back as they go.
    init(directory: String, options: LogOptions, storage: any Storage, backgroundPreparation: Bool = true,
         syncsEachCommit: Bool = true) throws(LogError) {
        guard options.segmentSize >= SegmentLayout.minimumSegmentSize, options.segmentSize <= SegmentLayout.maximumSegmentSize,
              options.segmentSize % SegmentLayout.blockSize == 0 else {
            throw .invalidOptions("segment size must be a multiple of 4096 between \(SegmentLayout.minimumSegmentSize) and \(SegmentLayout.maximumSegmentSize)")
        }
        if let m = options.maxRecordSize, m > SegmentLayout.largestRecord(segmentSize: options.segmentSize) || m < 0 {
            throw .invalidOptions("max record size \(m) does not fit a \(options.segmentSize)-byte segment (largest \(SegmentLayout.largestRecord(segmentSize: options.segmentSize)))")
        }
        self.storage = storage
        self.directory = directory
        self.options = options
        acknowledgesUnsynced = !syncsEachCommit
        metrics = LogMetrics(directory: directory)
        if !storage.isDirectory(directory) {
            guard options.createIfMissing else { throw .notFound(path: directory) }
            // The new directory's entry is durable only once its parent is synced.
            try io { () throws(IOFailure) in
                try storage.createDirectory(directory)
                try storage.syncDirectory(parentDirectory(of: directory))
            }
        }
        let opening = try LogOpening.begin(storage: storage, directory: directory)
        let held = opening.lock
        lock = held
        do {
            let outcome = try opening.recover(storage: storage, directory: directory, policy: options.recoveryPolicy, repair: true)
            var report = outcome.report
            segmentCount = outcome.sealed.count + 1
            let segmentSize = outcome.open?.descriptor.segmentSize ?? outcome.sealed.last?.segmentSize ?? options.segmentSize
            preparer = SegmentPreparer(storage: storage, directory: directory, size: segmentSize,
                                       background: backgroundPreparation, zeroFill: syncsEachCommit)
            let buffered = 2 * SegmentLayout.blockSize + 64 * 1024
            filling = BatchBuffer(capacity: buffered)
            spare = BatchBuffer(capacity: buffered)
            if let open = outcome.open {
                // Already durable: settled before recovery, and recovery's repairs write synced.
                active = ActiveSegment(file: open.file, descriptor: open.descriptor, offsets: open.offsets,
                                       segmentDigest: open.segmentDigest)
                durableThrough = open.descriptor.lastSequence
                maxRecordSize = Int(open.descriptor.header.maxRecordSize)
            } else {
                let previous = outcome.sealed.last
                let logID = previous?.header.logID ?? LogID.random()
                let max = previous.map { Int($0.header.maxRecordSize) } ?? options.effectiveMaxRecordSize(segmentSize: options.segmentSize)
                active = try Self.activate(storage: storage, directory: directory, preparer: preparer, logID: logID,
                                           maxRecordSize: max, base: (previous?.lastSequence ?? 0) &+ 1,
                                           previousDigest: previous?.trailerChecksum ?? 0)
                durableThrough = previous?.lastSequence ?? 0
                maxRecordSize = max
                report.segments += 1
            }
            self.segmentSize = segmentSize
            lastAssigned = active.descriptor.lastSequence
            lastWritten = lastAssigned
            // What the frames on disk already claim (a sealed predecessor vouches for its own
            // records): a crash inside the idle window left the last batch unvouched, and
            // this writer's next frame covers it (settled before recovery, the records are on
            // the medium).
            vouchedThrough = max(outcome.open?.scan.durableThrough ?? 0, active.descriptor.baseSequence &- 1)
            durablyVouchedThrough = vouchedThrough  // settled before recovery: on the medium
            recoveryReport = report
            let prefix = try Self.tailPrefix(of: active)
            prefix.withUnsafeBytes { filling.reset(at: active.dataEnd, prefix: $0) }
            preparer.start()
        } catch {
            held.release()
            throw error
        }
        publishReadable()
        metrics.recovered(recoveryReport)
        if let torn = recoveryReport.tornTail {
            logger.warning("repaired torn tail on open", metadata: ["tail": "\(torn)", "bytes": "\(recoveryReport.bytesRepaired)"])
        }
        logger.debug("opened log", metadata: [
            "directory": "\(directory)", "segments": "\(recoveryReport.segments)",
            "lastSequence": "\(lastAssigned)", "repairedBytes": "\(recoveryReport.bytesRepaired)",
            "duration": "\(recoveryReport.duration)"])
    }

    /// The bytes of the active segment's last partial block (carried into the next batch).
    private static func tailPrefix(of segment: ActiveSegment) throws(LogError) -> [UInt8] {
        let start = alignDown(segment.dataEnd, SegmentLayout.blockSize)
        var bytes = [UInt8](repeating: 0, count: segment.dataEnd - start)
        guard !bytes.isEmpty else { return bytes }
        var read = Result<Int, IOFailure>.success(0)
        bytes.withUnsafeMutableBytes { b in read = Result { () throws(IOFailure) in try segment.file.read(into: b, at: start) } }
        let n = try io { () throws(IOFailure) in try read.get() }
        guard n == bytes.count else { throw .io(IOFailure("pread", path: segment.path, errno: .ioError, offset: start)) }
        return bytes
    }

    /// Turns a prepared zero-filled file into the segment starting at `base`: header, sync,
    /// rename to its final name, directory sync.
    private static func activate(storage: any Storage, directory: String, preparer: SegmentPreparer, logID: LogID,
                                 maxRecordSize: Int, base: UInt64, previousDigest: UInt32) throws(LogError) -> ActiveSegment {
        let (file, preparedPath) = try io { () throws(IOFailure) in try preparer.take() }
        do {
            let size = try io { () throws(IOFailure) in try file.size() }
            let header = SegmentHeader(maxRecordSize: UInt32(maxRecordSize), logID: logID, baseSequence: base,
                                       segmentSize: UInt64(size), previousDigest: previousDigest)
            let block = AlignedBuffer(capacity: SegmentLayout.blockSize)
            let crc = header.encode(into: block.mutableBytes)
            let path = LogDirectoryLayout.join(directory, SegmentName.fileName(baseSequence: base))
            try io { () throws(IOFailure) in
                try file.write(block.bytes(0..<SegmentLayout.blockSize), at: 0, newBytesFrom: 0, sync: true)
                try storage.rename(preparedPath, to: path)
                try storage.syncDirectory(directory)
            }
            let descriptor = SegmentDescriptor(path: path, header: header, headerChecksum: crc, trailer: nil, trailerChecksum: nil,
                                               lastSequence: base &- 1, dataEnd: SegmentLayout.dataStart)
            return ActiveSegment(file: file, descriptor: descriptor, offsets: [], segmentDigest: 0)
        } catch {
            file.close()
            throw error
        }
    }

    // MARK: - Checks

    func checkWritable() throws(LogError) {
        if isClosed { throw .closed }
        if let cause = poison { throw .poisoned(cause: cause) }
    }

    func checkSize(_ count: Int) throws(LogError) {
        if count > maxRecordSize { throw .recordTooLarge(size: count, limit: maxRecordSize) }
    }

    // MARK: - Staging

    /// Whether a record of `payloadLength` bytes fits in the active segment after what is
    /// staged and what is being written, leaving room for the batch's commit frame and one
    /// more: the marker a flush, a deferred roll or a close writes after the last batch (a
    /// segment sealed without it would leave its last batch unvouched for `discardUnsynced`).
    func fitsInActive(payloadLength: Int) -> Bool {
        let end = filling.fileEnd + FrameHeader.frameSize(payloadLength: payloadLength) + 2 * BatchBuffer.commitCost
        return active.fits(end: end, additionalRecords: inFlightRecords + filling.recordCount + 1)
    }

    /// Stages a record into the filling batch; the caller checked size, writability and fit.
    func stage(_ payload: UnsafeRawBufferPointer, payloadChecksum: UInt32) -> UInt64 {
        lastAssigned &+= 1
        filling.stage(payload, sequence: lastAssigned, payloadChecksum: payloadChecksum)
        return lastAssigned
    }

    /// Reserves the next sequence for a record staged later with ``stage(_:payloadChecksum:sequence:)``
    /// (records waiting for a roll keep their place in line).
    func assignSequence() -> UInt64 {
        lastAssigned &+= 1
        return lastAssigned
    }

    /// Stages a record under a sequence reserved by ``assignSequence()``; reserved sequences
    /// must be staged in order, after everything staged directly.
    func stage(_ payload: UnsafeRawBufferPointer, payloadChecksum: UInt32, sequence: UInt64) {
        precondition(sequence == (filling.isEmpty ? lastWritten : filling.lastSequence) &+ 1)
        filling.stage(payload, sequence: sequence, payloadChecksum: payloadChecksum)
    }

    /// Gives back reserved sequences that will never be staged (their appends failed).
    func releaseReservedSequences() {
        precondition(filling.isEmpty && !writeInFlight)
        lastAssigned = lastWritten
    }

    var stagedRecords: Int { filling.recordCount }

    /// Drops staged records after the log failed (their producers get the error).
    func discardStaged() {
        precondition(poison != nil || isClosed)
        let prefix = Array(UnsafeRawBufferPointer(rebasing: filling.writeBytes[0..<filling.carried]))
        prefix.withUnsafeBytes { filling.reset(at: filling.fileOffset + filling.carried, prefix: $0) }
        lastAssigned = lastWritten
    }
    var stagedBytes: Int { filling.stagedBytes }

    // MARK: - Committing

    /// Finishes the filling batch with its commit frame and swaps buffers; the returned batch
    /// must be written with ``write(_:sync:)`` and then passed to ``completeCommit(_:result:)``.
    func beginCommit() -> BatchBuffer {
        precondition(!writeInFlight && !filling.isEmpty)
        let batch = filling
        batch.finish(durableThrough: durableThrough)
        inFlightClaim = durableThrough
        spare.reset(at: batch.fileEnd, prefix: batch.tailPrefix)
        filling = spare
        spare = batch
        writeInFlight = true
        inFlightRecords = batch.recordCount
        return batch
    }

    /// Like ``beginCommit()`` for a close marker: an empty commit frame vouching for everything written.
    private func beginCommitMarker() -> BatchBuffer {
        precondition(!writeInFlight && filling.isEmpty)
        let batch = filling
        batch.finish(durableThrough: lastWritten, markerSequence: lastWritten)
        inFlightClaim = lastWritten
        spare.reset(at: batch.fileEnd, prefix: batch.tailPrefix)
        filling = spare
        spare = batch
        writeInFlight = true
        return batch
    }

    /// The I/O of a commit. Safe to call without the caller's lock by the one thread doing the
    /// log's I/O: touches the batch, the file, the write-back point and the metrics (and
    /// whatever `whileInFlight` does), none of which producers touch.
    /// `whileInFlight` (run exactly once) overlaps the caller's work with the I/O where the backend can;
    /// its time is left out of the commit-duration metric.
    func write(_ batch: BatchBuffer, sync: Bool, whileInFlight: (() -> Void)? = nil) -> IOFailure? {
        let clock = ContinuousClock()
        let start = clock.now
        var overlapped = Duration.zero
        do throws(IOFailure) {
            let newBytesFrom = batch.fileOffset + batch.carried
            if let whileInFlight {
                try active.file.write(batch.writeBytes, at: batch.fileOffset, newBytesFrom: newBytesFrom, sync: sync) {
                    let t = clock.now
                    whileInFlight()
                    overlapped = clock.now - t
                }
            } else {
                try active.file.write(batch.writeBytes, at: batch.fileOffset, newBytesFrom: newBytesFrom, sync: sync)
            }
        } catch {
            var named = error
            named.path = active.path  // the handle may still carry its pre-rename name
            return named
        }
        if !sync { startWritebackIfDue(upTo: batch.fileEnd) }
        if batch.recordCount > 0 {  // markers are not commits of records
            metrics.committed(records: batch.recordCount, bytes: batch.stagedBytes, synced: sync, duration: clock.now - start - overlapped)
        }
        return nil
    }

    /// Unsynced bytes after which a deferred log starts write-back, so the sync at the next
    /// roll, flush or close finds little left to write (instead of a whole segment).
    static let writebackChunk = 8 << 20
    /// Start of the written range whose write-back has not been started (the I/O thread only).
    private var writebackFrom = SegmentLayout.dataStart

    private func startWritebackIfDue(upTo end: Int) {
        if end < writebackFrom { writebackFrom = SegmentLayout.dataStart }  // a new segment
        guard end - writebackFrom >= Self.writebackChunk else { return }
        let start = alignDown(writebackFrom, SegmentLayout.blockSize)
        active.file.startWriteback(from: start, length: end - start)
        writebackFrom = end
    }

    /// Records the outcome of a commit's I/O. On failure the log is poisoned (fail closed):
    /// the kernel may have dropped the dirty pages, so nothing later may be acknowledged.
    /// With `publish: false` the caller calls ``publishReadable()`` itself, before it acknowledges
    /// the batch (the committer does it while the next write is in flight).
    func completeCommit(_ batch: BatchBuffer, synced: Bool, failure: IOFailure?, publish: Bool = true) throws(LogError) {
        writeInFlight = false
        inFlightRecords = 0
        if let failure {
            poisonLog(failure, unwrittenFrom: batch)
            throw .poisoned(cause: failure)
        }
        active.committed(batch)
        vouchedThrough = max(vouchedThrough, inFlightClaim)
        lastWritten = max(lastWritten, batch.lastSequence)
        if synced {
            durableThrough = batch.lastSequence
            // No frame claims past `durableThrough` (commit frames claim it, markers are
            // written only when everything is durable), so this synced frame's claim is the
            // highest yet, and it is durable now.
            durablyVouchedThrough = vouchedThrough
        }
        if publish { publishReadable() }
    }

    /// Lets readers read through what is acknowledged: the durable records, or every written
    /// one in a log that acknowledges before syncing (SPEC §5: readers never see a record
    /// before it is durable, unless deferred mode says otherwise), and says what is durable
    /// (checkpoints stay below it). Readers in any process read both from the lock; in-process
    /// tails are also woken.
    func publishReadable() {
        let progress = WriterProgress(readableThrough: acknowledgesUnsynced ? lastWritten : durableThrough, durableThrough: durableThrough)
        guard progress != published, lock?.publish(progress) == true else { return }  // a failure is retried next time
        let wake = progress.readableThrough > (published?.readableThrough ?? 0)
        published = progress
        if wake { DurabilityNotifier.shared.published(directory: directory, durableThrough: progress.readableThrough) }
    }

    /// Stages nothing; makes everything written durable.
    func sync() throws(LogError) {
        try checkWritable()
        guard durableThrough < lastWritten else {
            publishReadable()  // retries a publication that failed
            return
        }
        try syncActiveSegment()
        durableThrough = lastWritten
        publishReadable()
    }

    /// `fdatasync` of the active segment: every byte written to it durable, records and frames
    /// (also a deferred flush's unsynced marker when every record already is). A failure
    /// poisons the log.
    private func syncActiveSegment() throws(LogError) {
        do throws(IOFailure) { try active.file.syncData() } catch {
            var named = error
            named.path = active.path  // the handle may still carry its pre-rename name
            poisonLog(named, unwrittenFrom: nil)
            throw .poisoned(cause: named)
        }
        durablyVouchedThrough = vouchedThrough
    }

    /// ``sync()``, then an empty commit frame vouching for everything now durable, so that
    /// recovery can tell these records from never-synced ones (``RecoveryPolicy/discardUnsynced``)
    /// even when nothing is appended after the flush. The frame is not synced: its claim is
    /// already true, and if a power loss drops it the records stay durable, only unvouched.
    func flush() throws(LogError) {
        let before = durableThrough
        try sync()
        try markFlushed(since: before)
    }

    /// The marker of a flush whose ``sync()`` made records durable since `before` (nothing
    /// when records are staged: the next commit frame carries the claim).
    func markFlushed(since before: UInt64) throws(LogError) {
        guard durableThrough > before, canWriteMarker else { return }
        try commitMarker(beginCommitMarker(), synced: false)
    }

    /// True when everything written is durable but the last batch has no commit frame after
    /// it saying so (an idle `.sync` log): ``beginVouch()`` would start one.
    var needsVouching: Bool { vouchedThrough < durableThrough && durableThrough == lastWritten && poison == nil && !isClosed }

    /// Starts an empty commit frame vouching for everything written, all of it already
    /// durable, so that damage to the last batch later reads as corruption (refused, with its
    /// location) instead of a torn tail (repaired away with acknowledged records in it); nil
    /// when there is nothing to vouch for or no room (the roll's seal will vouch). Written like
    /// a commit (``write(_:sync:whileInFlight:)``, ``completeCommit(_:synced:failure:publish:)``)
    /// and synced: an unsynced frame followed by the next batch is two writes in flight, and a
    /// crash keeping the batch but not the frame leaves a hole recovery rightly refuses (the
    /// concurrent crash cycles found it). A crash during it only loses the frame: rewriting the
    /// tail block rewrites the last batch's bytes unchanged.
    func beginVouch() -> BatchBuffer? {
        guard needsVouching, canWriteMarker else { return nil }
        return beginCommitMarker()
    }

    /// Writes and syncs ``beginVouch()``'s frame, if the last batch needs one: what `Log`'s
    /// committer does once idle, for a writer without a thread of its own
    /// (``LogWriter/markIdle()``).
    func vouchIfNeeded() throws(LogError) {
        try checkWritable()
        guard let marker = beginVouch() else { return }
        try commitMarker(marker, synced: true)
    }

    /// Writes a marker and completes it on the caller's thread (flush, vouch, close).
    private func commitMarker(_ marker: BatchBuffer, synced: Bool) throws(LogError) {
        let ioFailure = write(marker, sync: synced)
        try completeCommit(marker, synced: synced, failure: ioFailure)
    }

    /// The active segment has room for one more marker frame after what is written and staged.
    var hasRoomForMarker: Bool { active.fits(end: filling.fileEnd + BatchBuffer.commitCost, additionalRecords: 0) }

    /// A marker may follow now: nothing staged or in flight, a record in this segment to vouch
    /// for, and room for the frame.
    private var canWriteMarker: Bool {
        filling.isEmpty && !writeInFlight && lastWritten >= active.descriptor.baseSequence
            && hasRoomForMarker
    }

    private func poisonLog(_ failure: IOFailure, unwrittenFrom batch: BatchBuffer?) {
        poison = failure
        logger.error("log poisoned", metadata: ["cause": "\(failure)", "directory": "\(directory)"])
        metrics.poisoned()
        // Best effort: clear a batch whose write or sync failed so a later recovery cannot
        // take a complete-looking copy of it for acknowledged data (after a failed sync its
        // pages may sit in the cache, clean, until a power loss drops them, while the next
        // writer's commit frames would claim them durable). Its sync is not retried: the
        // zeros get a sync of their own.
        if let batch {
            let zeros = AlignedBuffer(capacity: batch.used)
            if batch.carried > 0 {
                zeros.mutableBytes.baseAddress!.copyMemory(from: batch.writeBytes.baseAddress!, byteCount: batch.carried)
            }
            try? active.file.write(zeros.bytes(0..<batch.used), at: batch.fileOffset,
                                   newBytesFrom: batch.fileOffset + batch.carried, sync: true)
        }
    }

    // MARK: - Rolling

    /// Seals the active segment and continues in the prepared next one. Requires nothing
    /// staged and no write in flight. When the next file cannot be prepared (e.g. `ENOSPC`)
    /// this throws with the active segment untouched; the next attempt retries.
    func roll() throws(LogError) {
        precondition(filling.isEmpty && !writeInFlight)
        try checkWritable()
        // Prepare first: a failure here leaves the log fully usable.
        let (nextFile, preparedPath) = try io { () throws(IOFailure) in try preparer.take() }
        if durableThrough < lastWritten {
            // Deferred: make the data durable and say so in a marker before the index goes
            // down, so a seal interrupted after its index sync still shows a durable claim
            // (else damage to those records would look never-synced to `discardUnsynced`).
            do throws(LogError) { try flush() } catch {
                nextFile.close()
                throw error
            }
        }
        let sealedDescriptor: SegmentDescriptor
        do throws(IOFailure) { sealedDescriptor = try active.seal() } catch {
            nextFile.close()
            poisonLog(error, unwrittenFrom: nil)
            throw .poisoned(cause: error)
        }
        durableThrough = lastWritten
        vouchedThrough = lastWritten  // the seal vouches for the whole segment
        durablyVouchedThrough = lastWritten
        publishReadable()
        let header = SegmentHeader(maxRecordSize: UInt32(maxRecordSize), logID: logID, baseSequence: lastWritten &+ 1,
                                   segmentSize: UInt64(segmentSize), previousDigest: sealedDescriptor.trailerChecksum!)
        let path = LogDirectoryLayout.join(directory, SegmentName.fileName(baseSequence: header.baseSequence))
        let block = AlignedBuffer(capacity: SegmentLayout.blockSize)
        let crc = header.encode(into: block.mutableBytes)
        do throws(IOFailure) {
            try nextFile.write(block.bytes(0..<SegmentLayout.blockSize), at: 0, newBytesFrom: 0, sync: true)
            try storage.rename(preparedPath, to: path)
            try storage.syncDirectory(directory)
        } catch {
            nextFile.close()
            poisonLog(error, unwrittenFrom: nil)
            throw .poisoned(cause: error)
        }
        active.file.close()
        segmentCount += 1
        let descriptor = SegmentDescriptor(path: path, header: header, headerChecksum: crc, trailer: nil, trailerChecksum: nil,
                                           lastSequence: header.baseSequence &- 1, dataEnd: SegmentLayout.dataStart)
        active = ActiveSegment(file: nextFile, descriptor: descriptor, offsets: [], segmentDigest: 0)
        filling.reset(at: active.dataEnd, prefix: UnsafeRawBufferPointer(start: nil, count: 0))
        preparer.start()
        metrics.rolled(segments: segmentCount)
        logger.debug("rolled segment", metadata: ["sealed": "\(sealedDescriptor.fileName)", "next": "\(descriptor.fileName)"])
    }

    // MARK: - Closing

    /// Syncs what was written, releases the lock and closes files. Idempotent.
    func close() throws(LogError) {
        guard !isClosed else { return }
        precondition(!writeInFlight)
        if !filling.isEmpty {
            // Staged records whose append already failed: never written.
            let prefix = Array(UnsafeRawBufferPointer(rebasing: filling.writeBytes[0..<filling.carried]))
            prefix.withUnsafeBytes { filling.reset(at: filling.fileOffset + filling.carried, prefix: $0) }
            lastAssigned = lastWritten
        }
        var failure: LogError?
        if poison == nil, durableThrough < lastWritten {
            // Deferred mode leaves written batches unsynced: sync them before the marker below
            // vouches for them. Written first, a marker could reach the disk while they do not
            // (a power loss inside the close), and recovery would have to call their damage
            // corruption below a durable point.
            do throws(LogError) { try sync() } catch { failure = error }
        }
        if failure == nil, poison == nil, lastWritten >= active.descriptor.baseSequence, durablyVouchedThrough < lastWritten {
            if hasRoomForMarker {
                // A synced close marker: vouches for the last batch (see BatchBuffer.finish),
                // unless a synced frame already does (an idle marker, ``vouchIfNeeded()``, the
                // marker of an earlier close found at open). Also after a session that appended
                // nothing: a batch a crash left unvouched is vouched for now (open synced it),
                // and a log reopened and closed again writes nothing.
                do throws(LogError) { try commitMarker(beginCommitMarker(), synced: true) } catch { failure = error }
            } else if vouchedThrough > durablyVouchedThrough {
                // No room for a marker (a deferred flush's marker took the segment's last
                // reserve): make that unsynced frame durable instead.
                do throws(LogError) { try syncActiveSegment() } catch { failure = error }
            }
        }
        isClosed = true
        preparer.cancel()
        active.file.close()
        lock?.release()
        lock = nil
        if let failure { throw failure }
    }

}
