import Logging

/// The first steps of every open that may change a log, shared by the writer (`LogEngine`)
/// and `LogRepair`: take the writer's lock, learn what the previous writer made durable,
/// stop readers from trusting its readable point, and settle what recovery will read.
///
/// The order matters. The previous writer's durable point is read from `LOCK` before anything
/// touches the log: after a process crash it is the one record of which batches were
/// acknowledged but not yet vouched for by a later frame, and recovery must refuse, never
/// cut, damage at or below it. Settling (``LogRecovery/settleLastSegment(storage:directory:logger:)``)
/// then makes the bytes recovery trusts durable and drops clean cached pages, so the scan
/// reads the medium.
struct LogOpening {
    /// The exclusive writer's lock, held; the caller releases it.
    let lock: any StorageLock
    /// The durable point the previous writer published (0 when it published none).
    let previousDurable: UInt64
    /// Wall time of settling (``LogRecovery/settleLastSegment(storage:directory:logger:)``).
    var settleDuration: Duration = .zero
    /// The `HIGHWATER` record, read under the lock (nil when there is none that reads whole).
    var highWater: HighWaterMark?
    /// Where settling began to drop the last segment's cached pages (its durable prefix's end;
    /// 0: all of them).
    var pagesDroppedFrom = 0

    /// Locks `directory`'s log and settles it, reporting to `logger`. Throws
    /// ``LogError/logLocked(path:)`` when a writer (or a repair) holds it.
    static func begin(storage: any Storage, directory: String, logger: Logger) throws(LogError) -> LogOpening {
        let lockPath = LogDirectoryLayout.join(directory, LogDirectoryLayout.lockFile)
        let held: any StorageLock
        do { held = try storage.lockExclusive(lockPath) } catch {
            if error.errno == .wouldBlock { throw .logLocked(path: directory) }
            throw .io(error)
        }
        do {
            let clock = ContinuousClock()
            var settled = Duration.zero
            var settledState: (highWater: HighWaterMark?, pagesDroppedFrom: Int) = (nil, 0)
            let previous = try io { () throws(IOFailure) in
                let previous = try held.startPublishing()
                let start = clock.now
                settledState = try LogRecovery.settleLastSegment(storage: storage, directory: directory, logger: logger)
                settled = clock.now - start
                return previous
            }
            return LogOpening(lock: held, previousDurable: previous.durableThrough, settleDuration: settled,
                              highWater: settledState.highWater, pagesDroppedFrom: settledState.pagesDroppedFrom)
        } catch {
            held.release()
            throw error
        }
    }

    /// Recovers the log under this opening's lock, never below the previous writer's durable point.
    /// What it must read of the open segment is read `readWindow` bytes at a time (``SegmentStream``).
    /// `wholeSegment`: scan the open segment to its end, past the high-water mark (a repair).
    func recover(storage: any Storage, directory: String, policy: RecoveryPolicy, repair: Bool,
                 readWindow: Int = SegmentStream.window, wholeSegment: Bool = false) throws(LogError) -> LogRecovery.Outcome {
        var recovery = LogRecovery(storage: storage, directory: directory)
        recovery.highWater = highWater
        recovery.scansPastMark = wholeSegment
        recovery.trustsDurablePrefix = true
        recovery.streamWindow = readWindow
        recovery.pagesDroppedFrom = pagesDroppedFrom
        return try recovery.recover(policy: policy, repair: repair, durableFloor: previousDurable)
    }
}
