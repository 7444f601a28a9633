import Logging
import Metrics

/// Removes whole sealed segments at or below the checkpoint, safely beside a live writer and
/// live readers in other processes.
///
/// Decisions (see `docs/OPERATIONS.md`):
///
/// | concern | rule |
/// |---|---|
/// | what may go | sealed segments whose last sequence ≤ the checkpoint (or outside the ``RetentionPolicy`` floors when there is no checkpoint), oldest first, stopping at the first one that may not: never a hole |
/// | what never goes | the last segment in the directory (open or just sealed): it carries the log's position, so sequences survive compaction |
/// | writer | untouched: it only appends to the last segment and creates newer ones, and compaction never touches the last segment it listed. No writer `LOCK` is taken |
/// | other compactors | serialised by an exclusive, non-blocking lock (`flock` and an OFD `fcntl` lock, as the writer's `LOCK`) on `COMPACT.LOCK`; a second one fails with ``LogError/logLocked(path:)`` naming that file |
/// | readers | a mapped segment stays readable after `unlink` (Linux keeps the pages); a reader that lists a segment which then disappears retries its refresh (``LogReader/refresh()``) |
/// | crashes | each removal is `unlink` then directory `fsync` before the next, so at most one removal is ever undurable, and it is always the oldest remaining: any crash leaves a missing *head*, which recovery accepts. Rerunning finishes the job |
/// | damaged checkpoint | treated as no checkpoint, and then nothing is removed at all (not even by retention) until it is rewritten |
/// | archive | once archiving began (``ArchiveState``), nothing not yet archived goes, whatever the checkpoint; a damaged `ARCHIVED` removes nothing |
/// | consumer cursors | nothing above the slowest ``ConsumerCursor``'s position goes; a cursor lagging more than ``RetentionPolicy/maxConsumerLag`` records is dropped first (logged as a warning); a damaged cursor file removes nothing until it is set again or dropped |
///
/// ```swift
/// let report = try Compactor(directory: "/var/lib/app/wal").run()
/// print(report.removed.count, report.bytesFreed)
/// ```
public struct Compactor: Sendable {
    /// The compaction lock file, separate from the writer's `LOCK`.
    public static let lockFile = CompactionLock.fileName

    /// The log directory.
    public let directory: String
    /// The storage every listing, removal and sync goes through.
    public let storage: any Storage
    /// History kept in addition to what the checkpoint requires.
    public let retention: RetentionPolicy
    /// Where runs report each removed segment, the summary and a damaged checkpoint: a logger
    /// labelled `aqlog` unless one was given.
    public let logger: Logger
    /// The swift-metrics factory of the compaction instruments: `MetricsSystem.factory` (as
    /// read when the compactor was made) unless one was given.
    public let metricsFactory: any MetricsFactory
    /// Held bytes past which a run warns that the archive hold keeps segments (1 GiB, as
    /// ``LogArchiver/heldBytesWarning``'s default).
    public static let archiveHoldWarning = 1 << 30
    /// Test hook: stop (as if the process died) after this many removals.
    var stopAfterRemovals: Int?

    /// A compactor for the log in `directory`, reporting to `logger` and counting with
    /// `metricsFactory` (`nil`: as ``LogOptions/logger`` and ``LogOptions/metricsFactory``).
    public init(directory: String, retention: RetentionPolicy = .init(), storage: any Storage = PosixStorage(),
                logger: Logger? = nil, metricsFactory: (any MetricsFactory)? = nil) {
        self.directory = directory
        self.retention = retention
        self.storage = storage
        self.logger = logger.orDefault
        self.metricsFactory = metricsFactory.orDefault
    }

    /// Plans and (unless `dryRun`) performs the removals. Idempotent: a second run removes
    /// nothing more. Throws ``LogError/notFound(path:)``, ``LogError/logLocked(path:)`` (another
    /// compaction runs), the recovery error of a corrupt log (nothing removed), or
    /// ``LogError/io(_:)``.
    public func run(dryRun: Bool = false) throws(LogError) -> CompactionReport {
        let clock = ContinuousClock()
        let start = clock.now
        try storage.requireDirectory(directory)
        let held = dryRun ? nil : try CompactionLock.take(directory: directory, storage: storage)
        defer { held?.release() }
        var report = try plan()
        report.dryRun = dryRun
        let metrics = CompactionMetrics(directory: directory, factory: metricsFactory)
        if !dryRun {
            for consumer in report.droppedConsumers {
                do throws(LogError) { try ConsumerCursor.remove(directory: directory, name: consumer.name, storage: storage) } catch {
                    guard case .invalidArgument = error else { throw error }  // dropped meanwhile
                }
                logger.warning("consumer dropped: lag above the retention limit", metadata: [
                    "consumer": "\(consumer.name)", "position": "\(consumer.position ?? 0)",
                    "lastSequence": "\(report.lastSequence)", "maxConsumerLag": "\(retention.maxConsumerLag ?? 0)"])
            }
            // Keeps the checkpoint file's record of holds true for binaries that do not know them.
            try Checkpoint.recordHolds(directory: directory, storage: storage)
            for (i, segment) in report.removed.enumerated() {
                if let stop = stopAfterRemovals, i >= stop {
                    report.removed.removeLast(report.removed.count - i)
                    break
                }
                try remove(segment)
                metrics.removed(bytes: segment.bytes)
                logger.debug("compacted segment", metadata: [
                    "file": "\(segment.path)", "firstSequence": "\(segment.firstSequence)",
                    "lastSequence": "\(segment.lastSequence)", "bytes": "\(segment.bytes)"])
            }
        }
        if !dryRun {
            // The archive as the run leaves it: the segments it removed are gone from it.
            let removed = Set(report.removed.map(\.fileName))
            report.archive?.segments.removeAll { removed.contains($0.fileName) }
        }
        report.duration = clock.now - start
        if !dryRun { metrics.finished(report) }
        if case .damaged(let damage) = report.checkpoint {
            logger.warning("compaction skipped: damaged checkpoint", metadata: ["file": "\(damage.file)", "reason": "\(damage.reason)"])
        }
        if let archive = report.archive, archive.heldBytes > Self.archiveHoldWarning {
            // Also when nothing archives the log any more: its own runs would warn, but a
            // stopped archive cron runs none.
            logger.warning("archive hold keeps segments not yet archived", metadata: [
                "directory": "\(directory)", "heldBytes": "\(archive.heldBytes)", "heldSegments": "\(archive.held.count)",
                "heldAgeSeconds": "\(Int(archive.heldAge() ?? 0))"])
        }
        logger.debug("compaction finished", metadata: [
            "directory": "\(directory)", "dryRun": "\(dryRun)", "removed": "\(report.removed.count)",
            "bytesFreed": "\(report.bytesFreed)", "duration": "\(report.duration)"])
        return report
    }

    /// What a run would remove, oldest first, from a read-only recovery pass; changes nothing.
    public func plan() throws(LogError) -> CompactionReport {
        try storage.requireDirectory(directory)
        var report = CompactionReport()
        report.retention = retention
        // Both state files before the segments: each records only sequences already durable
        // (ARCHIVED: already sealed), and the log only grows, so the listing after them covers
        // what they name even while a writer seals and an archiver records meanwhile.
        report.checkpoint = try Checkpoint.read(directory: directory, storage: storage, logger: logger)
        let archiveState = try ArchiveState.read(directory: directory, storage: storage)
        // The cursors too: each is set, and committed while `LOCK` records a durable point, only
        // at or below a durable sequence, so a cursor read here lies past the end the listing
        // below finds only when it belongs to another log (``ConsumerCursor/Status/checked(logEnd:)``);
        // and `COMPACT.LOCK`, held through this run, keeps cursors from being set or dropped.
        let consumers = try ConsumerCursor.list(directory: directory, storage: storage, syncing: true)
        let outcome = try LogRecovery(storage: storage, directory: directory).recoverBesideWriter()
        outcome.open?.file.close()
        let all = outcome.sealed + (outcome.open.map { [$0.descriptor] } ?? [])
        report.segmentsBefore = all.count
        report.lastSequence = outcome.report.lastSequence
        // Beyond the log's end either belongs to another log or was crafted: acted on as a
        // damaged file is (nothing removed for it). The end from the segments themselves: an
        // empty open segment at base B ends the log at B - 1 (the recovery report says 0 for a
        // log without records).
        let logEnd = max(all.last?.lastSequence ?? 0, report.lastSequence)
        report.consumers = consumers.map { $0.checked(logEnd: logEnd) }
        let hold = consumerHold(lastSequence: report.lastSequence, into: &report)
        report.checkpoint = report.checkpoint.checked(logEnd: all.last?.lastSequence ?? 0, directory: directory)
        let archive = ArchiveStatus(state: archiveState, descriptors: all, directory: directory)
        report.archive = archive
        var remainingSegments = all.count
        var remainingBytes = all.reduce(0) { $0 + $1.segmentSize }
        // Never the last segment: it is open, or the newest sealed one that fixes the log's position.
        for d in all.dropLast() where d.isSealed {
            guard mayRemove(d, checkpoint: report.checkpoint),
                  retention.allows(remainingSegments: remainingSegments - 1, remainingBytes: remainingBytes - d.segmentSize) else { break }
            if let hold, d.lastSequence > hold.through {
                report.heldByConsumer = hold.name
                break
            }
            if archive.state != .notArchiving, !archive.state.hasArchived(lastSequence: d.lastSequence) {
                report.heldByArchive = true
                break
            }
            report.removed.append(.init(path: d.path, firstSequence: d.baseSequence, lastSequence: d.lastSequence, bytes: d.segmentSize))
            remainingSegments -= 1
            remainingBytes -= d.segmentSize
        }
        // A cursor past the lag limit is dropped only when that frees something: when a segment
        // planned for removal holds records it has not processed. Otherwise it stays, and holds
        // nothing this run removes.
        let removedThrough = report.removed.last?.lastSequence ?? 0
        report.droppedConsumers.removeAll { ($0.position ?? 0) >= removedThrough }
        let kept = all.dropFirst(report.removed.count)
        report.firstSequenceAfter = kept.first(where: { $0.recordCount > 0 })?.baseSequence ?? 0
        return report
    }

    /// The slowest of `report`'s cursors that still holds (name and position), after setting
    /// aside those past the lag limit (candidates for ``CompactionReport/droppedConsumers``); a
    /// position of 0 for a damaged one, which holds everything.
    private func consumerHold(lastSequence: UInt64, into report: inout CompactionReport) -> (name: String, through: UInt64)? {
        var hold: (name: String, through: UInt64)?
        for consumer in report.consumers {
            let through = consumer.position ?? 0
            if let lag = consumer.lag(lastSequence: lastSequence), let limit = retention.maxConsumerLag, lag > limit {
                report.droppedConsumers.append(consumer)
                continue
            }
            if hold == nil || through < hold!.through { hold = (consumer.name, through) }
        }
        return hold
    }

    private func mayRemove(_ d: SegmentDescriptor, checkpoint: CheckpointStatus) -> Bool {
        switch checkpoint {
        case .recorded(let through): return d.lastSequence <= through
        case .absent: return retention.isSet
        case .damaged: return false
        }
    }

    /// One durable step: unlink the segment's torn-tail backups (``TornTailBackup``: they go
    /// with their segment, first, so a crash leaves none orphaned), then the segment, then sync
    /// the directory before anything else is removed.
    private func remove(_ segment: CompactionReport.RemovedSegment) throws(LogError) {
        let name = LogDirectoryLayout.name(of: segment.path)
        let names = try io { () throws(IOFailure) in try storage.listDirectory(directory) }
        for backup in names where TornTailBackup.isBackup(backup, of: name) {
            do { try storage.removeFile(LogDirectoryLayout.join(directory, backup)) } catch {
                if error.errno != .noSuchFileOrDirectory { throw .io(error) }
            }
        }
        do { try storage.removeFile(segment.path) } catch {
            // Already gone (e.g. an earlier run removed it but died before reporting): fine.
            if error.errno != .noSuchFileOrDirectory { throw .io(error) }
        }
        try io { () throws(IOFailure) in try storage.syncDirectory(directory) }
    }
}
