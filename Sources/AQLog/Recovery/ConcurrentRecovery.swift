#if canImport(Glibc)
import Glibc
#endif

extension LogRecovery {
    /// A read-only recovery pass that tolerates a live writer and a live compaction.
    ///
    /// A reader scanning the open segment can overlap a writer's `pwrite`: the kernel copies a
    /// batch into the page cache with no ordering guarantee a concurrent reader can rely on,
    /// so for a few microseconds a later commit frame may be visible before the records it
    /// covers, which the scanner rightly calls corruption. A segment may also be removed by
    /// compaction between listing and opening (`ENOENT`). Both are transient: the pass is
    /// repeated with a short backoff (0.5 ms doubling, about 15 ms in all; for a vanished
    /// segment, 20 ms apart for up to ``compactionPatience``); damage
    /// that is still there after the last attempt is reported as usual. Corruption, and (with
    /// `retryingTornTail`) a torn tail, are retried only when a writer held `LOCK` before or
    /// after the pass: without one, nothing was mid-write. A torn tail still there after the
    /// last attempt while a writer holds `LOCK` is its own unacknowledged bytes: not reported.
    /// `writerBefore`: whether the caller just found a writer holding `LOCK` (saves the first probe).
    /// `upToHighWater`: scan the open segment only up to the writer's high-water mark.
    ///
    /// Records at or below the durable point `LOCK` records (the last writer's, live or not)
    /// were acknowledged durable: damage there, or a log that ends before it, is corruption to
    /// readers as to the next writer's open, never a torn tail. Read before the directory is
    /// listed: a live writer publishes a point only once its records are in the files. The
    /// durable prefix `HIGHWATER` records is a floor for the open segment in every pass too,
    /// whether or not it stops at the mark.
    func recoverBesideWriter(attempts: Int = 6, following: ScanPoint? = nil, upToHighWater: Bool = false,
                             writerBefore known: Bool? = nil, retryingTornTail: Bool = false) throws(LogError) -> Outcome {
        var delay: UInt32 = 500
        var attempt = 1
        // A segment gone between listing and opening is compaction at work: the pass lists again
        // for as long as it takes compaction to remove what it removes (one run can take a few
        // hundred files), not for a fixed number of attempts.
        let clock = ContinuousClock()
        let listingDeadline = clock.now + Self.compactionPatience
        while true {
            let writerBefore = attempt == 1 ? known ?? writerMayBeWriting() : writerMayBeWriting()
            // The floor first, then the high-water mark: a writer raises its mark before it
            // writes past it and publishes a durable point after those writes' sync, so a mark
            // read after the floor covers every record the floor names (one read earlier could
            // stop the scan short of them).
            let floor = try recordedDurable()
            var pass = self
            // A pass that continues an earlier one classifies no tail: it needs neither.
            let record = following == nil ? HighWaterMark.read(storage: storage, directory: directory) : nil
            pass.highWater = upToHighWater ? record : nil
            pass.markMayMove = writerBefore
            pass.floorRecord = record
            do {
                var outcome = try pass.recover(policy: .truncateTornTail, repair: false, following: following, durableFloor: floor)
                // A torn-looking tail beside a live writer is its batch being copied in: a
                // writer's open repairs a real one before it writes, and nothing past its last
                // commit was acknowledged. Callers that report a torn tail (`verify`) look again,
                // and one still there while the writer holds `LOCK` is the writer's, not
                // reported; a reader reads up to the last commit either way.
                guard retryingTornTail, outcome.report.tornTail != nil else { return outcome }
                let writerNow = writerMayBeWriting()
                guard writerBefore || writerNow else { return outcome }
                if attempt == attempts {
                    if writerNow { outcome.report.tornTail = nil }
                    return outcome
                }
                outcome.open?.file.close()
            } catch {
                guard Self.mayBeTransient(error) else { throw error }
                if case .io = error {
                    // Only while the directory is there: a log gone whole is no compaction.
                    guard clock.now < listingDeadline, (try? storage.requireDirectory(directory)) != nil else { throw error }
                } else {
                    guard attempt < attempts else { throw error }
                    // A writer present at either end of the pass may have been mid-write during it.
                    if case .corruption = error, !writerBefore, !writerMayBeWriting() { throw error }
                }
            }
            usleep(delay)
            delay = Swift.min(delay * 2, 20_000)
            attempt += 1
        }
    }

    /// How long a pass keeps listing again while segments vanish under it (compaction).
    static let compactionPatience: Duration = .seconds(5)

    /// The durable point `LOCK` records; 0 when there is none (no file, or no whole record).
    /// A `LOCK` that cannot be read (no permission) is an error, never a floor of 0: without
    /// it a damaged acknowledged batch would pass for a torn tail.
    private func recordedDurable() throws(LogError) -> UInt64 {
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        return try io { () throws(IOFailure) in try storage.recordedProgress(lockPath: lockPath)?.durableThrough ?? 0 }
    }

    /// True unless the log's `LOCK` is known to be free (an unreadable lock counts as held).
    private func writerMayBeWriting() -> Bool {
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        do { return try storage.writerProgress(lockPath: lockPath) != nil } catch { return true }
    }

    /// Errors a concurrent writer or compaction can cause for an instant.
    static func mayBeTransient(_ error: LogError) -> Bool {
        switch error {
        case .io(let failure): return failure.errno == .noSuchFileOrDirectory
        case .corruption: return true
        default: return false
        }
    }
}
