import Logging
import Metrics

/// Sends a log's sealed segments to an archive, oldest first, each exactly once it succeeded,
/// through a `send` closure the application supplies (its own S3 client, say) or an operator's
/// command (``ShellCommand``, `aq-wal archive --command`).
///
/// | concern | rule |
/// |---|---|
/// | what is sent | every sealed segment not yet archived, oldest first; never the open segment |
/// | when it counts | once `send` returned: `ARCHIVED` then records the segment's last sequence (atomically; a crash before or just after the record may bring back the earlier one) and the segment is sent again, so `send` must accept an identical object already there |
/// | a failure | stops the run; nothing after the failed segment is sent; the next run resumes there |
/// | the segment | verified (every record, index and trailer) before it is sent: a damaged segment is never archived |
/// | compaction | from the first run on, never removes a segment not archived (``CompactionHolds/archive``) |
/// | other archivers | serialised by `ARCHIVE.LOCK`; a second one fails at once with ``LogError/logLocked(path:)`` |
/// | writers, readers, compaction | run beside it: sealed segments do not change, and compaction removes only archived ones |
///
/// ```swift
/// let archiver = LogArchiver(directory: "/var/lib/app/wal") { segment in
///     try await bucket.upload(file: segment.path, as: segment.fileName, ifAbsent: true)
/// }
/// let report = try await archiver.run()
/// ```
public struct LogArchiver: Sendable {
    /// The lock file that serialises archivers.
    public static let lockFile = "ARCHIVE.LOCK"

    /// The log directory.
    public let directory: String
    /// The storage every read and record goes through.
    public let storage: any Storage
    /// Stores one segment in the archive.
    public let send: @Sendable (ArchiveSegment) async throws -> Void
    /// A warning is logged after a run that leaves more bytes than this held on disk.
    public var heldBytesWarning: Int
    /// Where runs report (`nil` given: a logger labelled `aqlog`).
    public let logger: Logger
    let metrics: ArchiveMetrics

    /// An archiver of the log in `directory`. `heldBytesWarning`: the held bytes past which a
    /// run logs a warning (1 GiB unless given).
    public init(directory: String, storage: any Storage = PosixStorage(), heldBytesWarning: Int = 1 << 30,
                logger: Logger? = nil, metricsFactory: (any MetricsFactory)? = nil,
                send: @escaping @Sendable (ArchiveSegment) async throws -> Void) {
        self.directory = directory
        self.storage = storage
        self.send = send
        self.heldBytesWarning = heldBytesWarning
        self.logger = logger.orDefault
        metrics = ArchiveMetrics(directory: directory, factory: metricsFactory.orDefault)
    }

    /// Sends every sealed segment not yet archived, then reports. A run that sends nothing
    /// still starts archiving: from then on compaction keeps what is not archived.
    public func run() async throws(ArchiveError) -> ArchiveReport {
        let clock = ContinuousClock()
        let start = clock.now
        let lock = try takeLock()
        defer { lock.release() }
        var sent: [ArchiveSegment] = []
        do throws(ArchiveError) {
            try await sendPending(into: &sent)
        } catch {
            if Task.isCancelled {  // a closing log stopped the run: not a failure of the archive
                logger.debug("archive run cancelled", metadata: ["directory": "\(directory)"])
                throw error
            }
            metrics.failures.increment()
            if let status = try? status() { report(status, failing: error) }
            throw error
        }
        let status = try logStep { () throws(LogError) in try self.status() }
        report(status, failing: nil)
        return ArchiveReport(sent: sent, status: status, duration: clock.now - start)
    }

    /// The archive status from the segments' ends (the open segment is listed, never read:
    /// its last sequence is not known here).
    private func status() throws(LogError) -> ArchiveStatus {
        let (sealed, open) = try LogRecovery(storage: storage, directory: directory).sealedSegmentsByEnds()
        return ArchiveStatus(state: try ArchiveState.read(directory: directory, storage: storage), descriptors: sealed + (open.map { [$0] } ?? []),
                             directory: directory)
    }

    private func takeLock() throws(ArchiveError) -> any StorageLock {
        try logStep { () throws(LogError) in try storage.requireDirectory(directory) }
        let path = LogDirectoryLayout.join(directory, Self.lockFile)
        do { return try storage.lockExclusive(path) } catch {
            throw .log(error.errno == .wouldBlock ? .logLocked(path: path) : .io(error))
        }
    }

    private func sendPending(into sent: inout [ArchiveSegment]) async throws(ArchiveError) {
        // The log as a reader opens it, first: a segment before the last unsealed, a missing
        // segment, records a writer acknowledged and the files no longer hold, damage in the
        // open segment's committed batches. Refused as every other command refuses them, with
        // the same diagnosis, before the archive state is read or recorded.
        // Up to the writer's high-water mark, as readers stop, through one read buffer for the run.
        let buffer = SegmentReadBuffer()
        let opened = try logStep { () throws(LogError) in
            var recovery = LogRecovery(storage: storage, directory: directory, access: .read)
            recovery.readBuffer = buffer
            return try recovery.recoverBesideWriter(upToHighWater: true)
        }
        opened.open?.file.close()
        var through: UInt64
        switch try logStep({ () throws(LogError) in try ArchiveState.read(directory: directory, storage: storage) }) {
        case .damaged(let damage): throw .damagedState(damage)
        case .archived(let t): through = t
        case .notArchiving:
            // A log readers refuse was refused above, before its hold could keep compaction back
            // for a run that can send nothing. Damage found later, inside a segment's records,
            // stops the run after this.
            try logStep { () throws(LogError) in try ArchiveState.record(through: 0, directory: directory, storage: storage) }
            through = 0
        }
        // Listed after the hold is recorded: nothing listed here is removed by compaction.
        let listing = try logStep { () throws(LogError) in try LogRecovery(storage: storage, directory: directory).sealedSegmentsByEnds() }
        // Recorded only at a sealed segment's end: anything else is another log's or crafted.
        if case .damaged(let damage) = ArchiveState.archived(through: through)
            .checked(against: listing.sealed + (listing.open.map { [$0] } ?? []), directory: directory) {
            throw .damagedState(damage)
        }
        let pending = listing.sealed.filter { $0.lastSequence > through }
        for d in pending {
            // A closing log cancels the run: stop between segments, not after the backlog.
            if Task.isCancelled { throw .sendFailed(segment: d.path, underlying: CancellationError()) }
            // The newest sealed segment with no segment after it may be one whose seal is not
            // yet synced (a writer sealing it right now, read by a cron run): sync it first, so
            // the archive never holds a seal a power loss could undo.
            if d.path == listing.sealed.last?.path, listing.open == nil {
                try logStep { () throws(LogError) in
                    try io { () throws(IOFailure) in
                        let file = try storage.openFile(d.path, create: false)
                        defer { file.close() }
                        try file.syncData()
                    }
                }
            }
            await readPaced(d)
            if let damage = try logStep({ () throws(LogError) in
                try LogVerifier(directory: directory, storage: storage).verifySealed(d, buffer: buffer)
            }) {
                throw .log(.corruption(damage))
            }
            let segment = ArchiveSegment(path: d.path, firstSequence: d.baseSequence, lastSequence: d.lastSequence, bytes: d.segmentSize)
            do { try await send(segment) } catch { throw .sendFailed(segment: d.path, underlying: error) }
            try logStep { () throws(LogError) in try ArchiveState.record(through: d.lastSequence, directory: directory, storage: storage) }
            through = d.lastSequence
            sent.append(segment)
            metrics.segments.increment()
            metrics.bytes.increment(by: d.segmentSize)
            logger.debug("archived segment", metadata: [
                "file": "\(d.path)", "firstSequence": "\(d.baseSequence)", "lastSequence": "\(d.lastSequence)"])
        }
    }

    /// Reads `d` into the page cache in 256 KiB steps a millisecond apart, so that its
    /// verification and `send` read memory, and the device serves the writer's synced writes
    /// between the steps instead of queueing them behind one large read. Best effort: a read
    /// that fails here fails again, reported, in verification.
    private func readPaced(_ d: SegmentDescriptor) async {
        guard let file = try? storage.openFileForReading(d.path) else { return }
        defer { file.close() }
        let step = 256 << 10
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: step, alignment: SegmentLayout.blockSize)
        defer { chunk.deallocate() }
        var offset = 0
        while offset < d.segmentSize, !Task.isCancelled {
            guard let n = try? file.read(into: chunk, at: offset), n > 0 else { return }
            offset += n
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Updates the held gauges; warns when a failure leaves segments held, or the hold is past
    /// ``heldBytesWarning``.
    private func report(_ status: ArchiveStatus, failing error: ArchiveError?) {
        metrics.held(status)
        let held = status.heldBytes
        guard error != nil || held > heldBytesWarning else { return }
        var metadata: Logger.Metadata = [
            "directory": "\(directory)", "heldBytes": "\(held)", "heldSegments": "\(status.held.count)",
            "heldAgeSeconds": "\(Int(status.heldAge() ?? 0))"]
        if let error { metadata["error"] = "\(error)" }
        logger.warning(error == nil ? "archive hold past its warning size" : "archiving failed; compaction keeps what is not archived",
                       metadata: metadata)
    }
}

/// Runs one step of an archive or restore run that can fail only as the log can: its
/// ``LogError`` becomes ``ArchiveError/log(_:)``.
func logStep<T>(_ body: () throws(LogError) -> T) throws(ArchiveError) -> T {
    do { return try body() } catch { throw .log(error) }
}
