import Logging
import Metrics

/// Removes a torn tail (records never acknowledged as durable: bytes after the last commit
/// point, and committed batches after damage that no commit frame vouches durable), keeping a
/// copy of the removed bytes first; refuses corruption.
///
/// First a read-only pass over every record, as ``LogVerifier`` makes (corruption anywhere is
/// thrown, nothing changed): a writer's open, which the repair is, trusts what it does not read
/// (sealed segments through their trailers, the open segment's durable prefix), and a repair
/// answers for the whole log. Then, all under the writer's `LOCK` (a running writer makes this
/// fail with ``LogError/logLocked(path:)``, before the pass, and no writer can start until it is
/// done): run a read-only recovery (corruption is thrown, nothing changed); copy the torn region to
/// `DIR/<segment>.torn-<offset>.bak` (synced, directory synced); run the writer's own
/// recovery with ``RecoveryPolicy/truncateTornTail``, which zeroes that region and syncs.
/// A healthy log is left untouched. The backup name never matches a segment name, so
/// recovery ignores it.
///
/// The committed batches it removes after damage are what a power loss leaves of a `.deferred`
/// log (acknowledged to the page cache only); the backup holds them too. Damage below a
/// durable point is refused.
///
/// ```swift
/// let report = try LogRepair.repair(directory: "/var/lib/app/wal")
/// if let backup = report.backupPath { print("torn tail saved to \(backup)") }
/// ```
public enum LogRepair {
    /// Suffix of backup files: `<segment>.torn-<offset>.bak`.
    public static let backupSuffix = TornTailBackup.suffix

    /// Repairs the log in `directory` (see the type's documentation). `policy` is
    /// ``RecoveryPolicy/truncateTornTail`` (default) or ``RecoveryPolicy/discardUnsynced``,
    /// another name for it; ``RecoveryPolicy/strict`` repairs nothing and throws
    /// ``LogError/invalidArgument(_:)``.
    /// Reports to `logger` and counts with `metricsFactory`, as a log does with
    /// ``LogOptions/logger`` and ``LogOptions/metricsFactory`` (`nil`: label `aqlog`, and
    /// `MetricsSystem.factory`).
    public static func repair(directory: String, policy: RecoveryPolicy = .truncateTornTail,
                              storage: any Storage = PosixStorage(), logger: Logger? = nil,
                              metricsFactory: (any MetricsFactory)? = nil) throws(LogError) -> RepairReport {
        guard policy != .strict else { throw .invalidArgument("\(directory): a repair under .strict would remove nothing: use .truncateTornTail or .discardUnsynced") }
        try storage.requireDirectory(directory)
        // A running writer holds the lock the repair needs: said at once, not after reading the
        // whole log beside it.
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        if case .some(.some) = try? storage.writerProgress(lockPath: lockPath) { throw .logLocked(path: directory) }
        if let damage = try LogVerifier(directory: directory, storage: storage).verify().corruption { throw .corruption(damage) }
        let logger = logger.orDefault
        var report = RepairReport()
        do {
            // Readers read nothing from the open segment while the repair may remove records;
            // the repair decides from what is durable, as a writer's open does.
            let opening = try LogOpening.begin(storage: storage, directory: directory, logger: logger)
            defer { opening.lock.release() }
            // Whole: `verify` reads the open segment to its end, and what it reports as a torn
            // tail past the high-water mark (damage at rest) must be what a repair removes.
            let outcome = try opening.recover(storage: storage, directory: directory, policy: policy, repair: false, wholeSegment: true)
            defer { outcome.open?.file.close() }
            guard let torn = outcome.report.tornTail, outcome.open != nil else { return report }
            report.tornTail = torn
            // Still locked: nothing wrote since the first pass, so this finds the same tail,
            // backs it up (``TornTailBackup``) and zeroes it.
            let repaired = try opening.recover(storage: storage, directory: directory, policy: policy, repair: true, wholeSegment: true)
            repaired.open?.file.close()
            report.backupPath = repaired.report.tornTailBackup
            report.bytesRepaired = repaired.report.bytesRepaired
        }
        let metrics = RepairMetrics(directory: directory, factory: metricsFactory.orDefault)
        metrics.repairs.increment()
        metrics.repairedBytes.increment(by: report.bytesRepaired)
        logger.notice("repaired torn tail", metadata: [
            "file": "\(report.tornTail?.file ?? "")", "offset": "\(report.tornTail?.offset ?? 0)",
            "bytes": "\(report.bytesRepaired)", "backup": "\(report.backupPath ?? "")"])
        return report
    }
}

/// What ``LogRepair/repair(directory:policy:storage:logger:metricsFactory:)-(String,_,_,_,_)`` did.
public struct RepairReport: Sendable, Equatable {
    /// The torn tail found (nil: nothing to do).
    public var tornTail: TornTail?
    /// Where the damaged bytes were copied before zeroing.
    public var backupPath: String?
    /// Bytes zeroed.
    public var bytesRepaired = 0

    /// True when a torn tail was found and removed.
    public var repaired: Bool { tornTail != nil }
}
