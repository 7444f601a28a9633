import Logging

/// The log's state machine: staging, committing (several batches in flight), rolling,
/// poisoning. Not thread-safe: the single-owner ``LogWriter`` calls it directly; the
/// concurrent ``Log``'s ``Committer`` calls it under its lock, except the I/O steps
/// (``submit(_:)``, ``awaitCompletion()``, a roll's seal and activation, a flush's sync),
/// which one thread at a time (the one holding the log's I/O) runs with the lock released,
/// on state producers do not touch meanwhile: the batches in flight and their buffers, the
/// file, the write-back point.
///
/// Progress lives in ``marks`` (``Watermarks``) alone; the durability policy in ``policy``.
final class LogEngine {
    let storage: any Storage
    let directory: String
    let policy: DurabilityPolicy
    let maxRecordSize: Int
    /// The size this log's segments grow towards: ``LogOptions/segmentSize``, or the current
    /// segment's size when that is larger (a log's segments never shrink).
    let targetSegmentSize: Int
    /// ``LogOptions/logger`` (or the default): the writer's, its committer's and its recovery's.
    let logger: Logger
    let recoveryReport: RecoveryReport
    let metrics: LogMetrics
    let publisher: Publisher
    let preparer: SegmentPreparer
    /// Segments this writer knows of (for the segments gauge; compaction may remove older ones).
    var segmentCount: Int
    var active: ActiveSegment
    private(set) var marks: Watermarks
    /// The batch producers stage into.
    var filling: BatchBuffer
    /// Buffers free for the next filling batch (one per commit that may be in flight).
    var spares: [BatchBuffer]
    /// Batches begun and not yet completed, oldest first.
    var inFlight: [InFlightCommit] = []
    var nextTag: UInt64 = 0
    /// Start of the written range whose write-back has not been started (`.deferred`).
    var writebackFrom = SegmentLayout.dataStart
    var poison: IOFailure?
    var isClosed = false
    /// What the first ``close()`` threw, thrown again by every later one.
    var closeFailure: LogError?
    /// `HIGHWATER`, opened at the first raise of the mark (``raiseHighWater(through:)``).
    var highWaterFile: (any StorageFile)?
    /// ``LogOptions/highWaterStep``.
    let highWaterStep: Int
    /// Told after each roll that a segment was sealed (the log's background archiver).
    var sealObserver: (@Sendable () -> Void)?
    /// The active segment is to be sealed (it reached ``LogOptions/maximumSegmentAge``): no
    /// record is staged into it any more, so the roll comes even under steady load.
    var sealPending = false

    /// Opens (creating when allowed) the log in `directory`, recovering it first.
    init(directory: String, options: LogOptions, policy: DurabilityPolicy, storage: any Storage,
         backgroundPreparation: Bool = true, notifier: DurabilityNotifier = .shared) throws(LogError) {
        guard options.segmentSize >= SegmentLayout.minimumSegmentSize, options.segmentSize <= SegmentLayout.maximumSegmentSize,
              options.segmentSize % SegmentLayout.blockSize == 0 else {
            throw .invalidOptions("segment size must be a multiple of 4096 between \(SegmentLayout.minimumSegmentSize) and \(SegmentLayout.maximumSegmentSize)")
        }
        if let m = options.maxRecordSize, m > SegmentLayout.largestRecord(segmentSize: options.segmentSize) || m < 0 {
            throw .invalidOptions("max record size \(m) does not fit a \(options.segmentSize)-byte segment (largest \(SegmentLayout.largestRecord(segmentSize: options.segmentSize)))")
        }
        try options.validateInitialSegmentSize()
        if let age = options.maximumSegmentAge, age <= .zero { throw .invalidOptions("maximum segment age must be positive") }
        self.storage = storage
        self.directory = directory
        self.policy = policy
        highWaterStep = max(SegmentLayout.blockSize, options.highWaterStep)
        logger = options.logger.orDefault
        metrics = LogMetrics(directory: directory, factory: options.metricsFactory.orDefault)
        if !storage.isDirectory(directory) {
            guard options.createIfMissing else { throw storage.whyNotADirectory(directory) }
            // The new directory's entry is durable only once its parent is synced.
            do throws(IOFailure) {
                try storage.createDirectory(directory)
                try storage.syncDirectory(parentDirectory(of: directory))
            } catch where error.errno == .fileExists {
                throw .notADirectory(path: directory)  // a file (or a dangling link) is there
            } catch { throw .io(error) }
        }
        let opening = try LogOpening.begin(storage: storage, directory: directory, logger: logger)
        publisher = Publisher(lock: opening.lock, channel: notifier.channel(for: directory))
        var clearsPrefix = false
        // Closed if the open fails after taking it (the catch cannot reach `active`).
        var activeFile: (any StorageFile)?
        do {
            let outcome = try opening.recover(storage: storage, directory: directory, policy: options.recoveryPolicy, repair: true,
                                           readWindow: options.recoveryReadWindow)
            var report = outcome.report
            report.settleDuration = opening.settleDuration
            segmentCount = outcome.sealed.count + 1
            let target = max(options.segmentSize, outcome.open?.descriptor.segmentSize ?? outcome.sealed.last?.segmentSize ?? 0)
            targetSegmentSize = target
            preparer = SegmentPreparer(storage: storage, directory: directory, background: backgroundPreparation,
                                       zeroFill: policy.zeroFillsSegments)
            let buffered = 2 * SegmentLayout.blockSize + 64 * 1024
            filling = BatchBuffer(capacity: buffered)
            spares = (0..<policy.commitDepth).map { _ in BatchBuffer(capacity: buffered) }
            if let open = outcome.open {
                // Already durable: settled before recovery, and recovery's repairs write synced.
                activeFile = open.file
                active = ActiveSegment(file: open.file, descriptor: open.descriptor, offsets: open.offsets, segmentDigest: open.segmentDigest,
                                       claimed: open.scan.durableThrough, lastCommitChecksum: open.lastCommitChecksum,
                                       highWater: opening.highWater?.mark(for: open.descriptor))
                if let prefix = open.trustedPrefix {
                    active.indexInHighWater = (prefix.recordCount, prefix.indexChecksum)
                } else {
                    clearsPrefix = opening.highWater?.prefix?.names(open.descriptor) == true
                }
                maxRecordSize = Int(open.descriptor.header.maxRecordSize)
            } else {
                let previous = outcome.sealed.last
                let max = previous.map { Int($0.header.maxRecordSize) } ?? options.effectiveMaxRecordSize(segmentSize: options.segmentSize)
                let (depth, blocks) = policy.headerDepth
                let size = previous.map { Self.grown($0.segmentSize, target: target) } ?? options.initialSegmentSize(maxRecordSize: max)
                let header = SegmentHeader(maxRecordSize: UInt32(max), logID: previous?.header.logID ?? LogID.random(),
                                           baseSequence: (previous?.lastSequence ?? 0) &+ 1, segmentSize: UInt64(size),
                                           previousDigest: previous?.trailerChecksum ?? 0, commitDepth: depth, inFlightBlocks: blocks)
                active = try Self.activate(storage: storage, directory: directory, preparer: preparer, header: header)
                activeFile = active.file
                maxRecordSize = max
                report.segments += 1
            }
            // What the frames on disk already claim (a sealed predecessor vouches for its own
            // records): a crash inside the idle window left the last batch unvouched, and
            // this writer's next frame covers it (settled before recovery, the records are on
            // the medium, so the claim is durable too).
            marks = Watermarks(through: active.descriptor.lastSequence,
                               vouched: max(outcome.open?.scan.durableThrough ?? 0, active.descriptor.baseSequence &- 1))
            recoveryReport = report
            let prefix = try Self.tailPrefix(of: active)
            prefix.withUnsafeBytes { filling.reset(at: active.dataEnd, prefix: $0) }
            // Preparing in the foreground is for callers that want it done before the first
            // append (benchmarks, simulations): do it now, as part of opening.
            if clearsPrefix { try io { () throws(IOFailure) in try clearUntrustedPrefix() } }
            if backgroundPreparation { startPreparationIfDue() } else { preparer.start(size: nextSegmentSize) }
        } catch {
            activeFile?.close()
            publisher.release()
            throw error
        }
        publishReadable()
        metrics.recovered(recoveryReport)
        if let torn = recoveryReport.tornTail {
            logger.warning("repaired torn tail on open", metadata: ["tail": "\(torn)", "bytes": "\(recoveryReport.bytesRepaired)",
                                                                  "backup": "\(recoveryReport.tornTailBackup ?? "")"])
        }
        logger.debug("opened log", metadata: [
            "directory": "\(directory)", "segments": "\(recoveryReport.segments)",
            "lastSequence": "\(marks.assigned)", "repairedBytes": "\(recoveryReport.bytesRepaired)",
            "duration": "\(recoveryReport.duration)"])
    }

    /// The size of the segment after one of `size` bytes: double, up to `target` (never less
    /// than `size`). Segments so grow from a small first one, and an idle log holds little disk.
    static func grown(_ size: Int, target: Int) -> Int { min(max(target, size), 2 * size) }

    /// The size of the segment after the active one.
    var nextSegmentSize: Int { Self.grown(active.size, target: targetSegmentSize) }

    /// Starts preparing the next segment once the active one is a quarter full (an idle log
    /// keeps no second segment on disk); zero-filling it then has three quarters of a segment's
    /// appends to finish before the roll needs it. Only in the background: a foreground
    /// preparation would run here under the committer's lock, so it runs at open and right
    /// after each roll instead, with the lock released.
    func startPreparationIfDue() {
        // A log sealed by age rolls at any fill: its next segment is prepared at once, so no
        // roll waits for a zero-fill.
        guard preparer.background, !preparer.isStarted,
              policy.maximumSegmentAge != nil || active.dataEnd - SegmentLayout.dataStart >= active.size / 4 else { return }
        preparer.start(size: nextSegmentSize)
    }

    /// Takes the prepared file and activates it (``SegmentActivation``).
    static func activate(storage: any Storage, directory: String, preparer: SegmentPreparer,
                         header: SegmentHeader) throws(LogError) -> ActiveSegment {
        let (file, preparedPath) = try io { () throws(IOFailure) in try preparer.take(size: Int(header.segmentSize)) }
        do {
            return try io { () throws(IOFailure) in
                try SegmentActivation.activate(storage: storage, directory: directory, file: file, preparedPath: preparedPath, header: header)
            }
        } catch {
            file.close()
            throw error
        }
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

    var logID: LogID { active.descriptor.header.logID }

    /// Changes the watermarks, then checks their order.
    func advance(_ change: (inout Watermarks) -> Void) {
        change(&marks)
        marks.check(unsynced: policy.acknowledgesUnsynced)
    }

    /// Publishes what readers may read now (``Publisher``). Called after every change that
    /// acknowledges, before the producers it acknowledges are resumed.
    func publishReadable() {
        let progress = marks.progress(unsynced: policy.acknowledgesUnsynced)
        guard progress != marks.published, publisher.publish(progress, after: marks.published) else { return }
        advance { $0.published = progress }
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
    /// staged and in flight, leaving room for the batch's commit frame and one marker (a flush,
    /// a deferred roll or a close writes one after the last batch: a segment sealed without
    /// it would leave its last batch unvouched). A fresh block's padding is not reserved here:
    /// a batch that would not fit after it waits for the pipeline to drain
    /// (``canBeginCommit``), so a record of the maximum size still fits an empty segment.
    func fitsInActive(payloadLength: Int) -> Bool {
        !sealPending && Self.fits(payloadLength: payloadLength, after: filling, in: active, inFlightRecords: inFlightRecords)
    }

    /// The rule of ``fitsInActive(payloadLength:)``, for callers holding its parts in locals.
    private static func fits(payloadLength: Int, after batch: BatchBuffer, in segment: ActiveSegment,
                             inFlightRecords: Int) -> Bool {
        let end = batch.fileEnd + FrameHeader.frameSize(payloadLength: payloadLength) + 2 * BatchBuffer.commitCost
        return segment.fits(end: end, additionalRecords: inFlightRecords + batch.recordCount + 1)
    }

    /// Stages a record into the filling batch; the caller checked size, writability and fit.
    func stage(_ payload: UnsafeRawBufferPointer, payloadChecksum: UInt32) -> UInt64 {
        advance { $0.assigned &+= 1 }
        filling.stage(payload, sequence: marks.assigned, payloadChecksum: payloadChecksum)
        return marks.assigned
    }

    /// Stages `payloads[start...]` in order while each fits in the active segment (as
    /// ``fitsInActive(payloadLength:)`` decides), `checksum(i)` giving payload `i`'s CRC-32C;
    /// returns the index of the first not staged (`payloads.count` when all were). The batch,
    /// the segment and the sequence are held in locals for the pass, so a record costs its
    /// frame, its checksum and its copy, not a round of reference counting and watermark checks.
    func stage(_ payloads: UnsafeBufferPointer<UnsafeRawBufferPointer>, from start: Int,
               checksum: (Int) -> UInt32) -> Int {
        guard !sealPending else { return start }
        let batch = filling, segment = active
        let inFlightCount = inFlightRecords
        var sequence = marks.assigned
        var i = start
        while i < payloads.count {
            let p = payloads[i]
            guard Self.fits(payloadLength: p.count, after: batch, in: segment, inFlightRecords: inFlightCount) else { break }
            sequence &+= 1
            batch.stage(p, sequence: sequence, payloadChecksum: checksum(i))
            i += 1
        }
        if i > start { advance { $0.assigned = sequence } }
        return i
    }

    /// Reserves the next sequence for a record staged later with ``stage(_:payloadChecksum:sequence:)``
    /// (records waiting for a roll keep their place in line).
    func assignSequence() -> UInt64 {
        advance { $0.assigned &+= 1 }
        return marks.assigned
    }

    /// Stages a record under a sequence reserved by ``assignSequence()``; reserved sequences
    /// must be staged in order, after everything staged directly.
    func stage(_ payload: UnsafeRawBufferPointer, payloadChecksum: UInt32, sequence: UInt64) {
        precondition(sequence == (filling.isEmpty ? marks.written : filling.lastSequence) &+ 1 && inFlight.isEmpty)
        filling.stage(payload, sequence: sequence, payloadChecksum: payloadChecksum)
    }

    /// Gives back reserved sequences that will never be staged (their appends failed).
    func releaseReservedSequences() {
        precondition(filling.isEmpty && inFlight.isEmpty)
        advance { $0.assigned = $0.written }
    }

    var stagedRecords: Int { filling.recordCount }
    var stagedBytes: Int { filling.stagedBytes }

    /// Drops staged records whose appends failed (their producers get the error).
    func discardStaged() {
        let prefix = Array(UnsafeRawBufferPointer(rebasing: filling.writeBytes[0..<filling.carried]))
        prefix.withUnsafeBytes { filling.reset(at: filling.fileOffset + filling.carried, prefix: $0) }
        advance { $0.assigned = $0.written }
    }
}
