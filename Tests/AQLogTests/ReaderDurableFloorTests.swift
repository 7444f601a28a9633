import Testing
import Foundation
@testable import AQLog
import AQTestSupport

/// Readers hold a log to the durable point its last writer recorded in `LOCK`, as the next
/// writer's open does: records at or below it were acknowledged durable, so a log that no
/// longer holds them is corruption to `verify` and every reader, never a healthy log or a
/// torn tail.
@Suite struct ReaderDurableFloorTests {
    private static func lockPath(_ dir: String) -> String { LogDirectoryLayout.join(dir, LogDirectoryLayout.lockFile) }

    @Test func theRecordedDurablePointOutlivesItsWriter() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 300)
        let storage = PosixStorage()
        #expect(try storage.writerProgress(lockPath: Self.lockPath(dir)) == nil, "no writer holds the lock")
        #expect(try storage.recordedProgress(lockPath: Self.lockPath(dir))?.durableThrough == 300)
        #expect(try storage.recordedProgress(lockPath: tmp.sub("none")) == nil)
    }

    @Test func aLogThatEndsBeforeTheRecordedDurablePointIsCorruptionToReaders() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let files = segmentFiles(dir)
        #expect(files.count > 2)
        try FileManager.default.removeItem(atPath: dir + "/" + files.last!)
        let report = try LogVerifier(directory: dir).verify()
        // The segment before it is sealed and intact: the one after it is what is missing.
        #expect(report.corruption?.reason == .missingSegment(expectedSequence: SegmentName.baseSequence(of: files.last!)!)
                && report.corruption?.file == dir + "/" + files[files.count - 2], "\(String(describing: report.corruption))")
        #expect(report.tornTail == nil)
        #expect(throws: LogError.self) { try LogReader.open(directory: dir) }
    }

    /// A reader that read the high-water mark before a writer raised it, wrote past it and
    /// published a durable point beyond it: the pass reads the mark again after the floor, so
    /// it scans to the records the floor names instead of calling the log damaged.
    @Test func aMarkReadBeforeTheFloorDoesNotStopTheScanShortOfIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 400, options: LogOptions(segmentSize: 1 << 20, backend: .posix), sizes: { _ in 100 })
        var recovery = LogRecovery(storage: PosixStorage(), directory: dir)
        var stale = try #require(HighWaterMark.read(storage: PosixStorage(), directory: dir))
        stale.mark = SegmentLayout.dataStart + SegmentLayout.blockSize  // below most of the records
        stale.prefix = nil
        recovery.highWater = stale
        let outcome = try recovery.recoverBesideWriter(upToHighWater: true)
        #expect(outcome.open?.descriptor.lastSequence == 400)
        outcome.open?.file.close()
    }

    @Test func aLogWithEverySegmentGoneIsCorruptionNotANewLog() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 50)
        for file in segmentFiles(dir) { try FileManager.default.removeItem(atPath: dir + "/" + file) }
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption?.reason == .damagedAcknowledgedData(durableThrough: 50), "\(String(describing: report.corruption))")
        // The next writer refuses rather than hand out sequences 1...50 again.
        #expect(throws: LogError.corruption(.init(file: dir, offset: 0, reason: .damagedAcknowledgedData(durableThrough: 50)))) {
            try LogWriter.open(directory: dir, options: smallSegments)
        }
        #expect(segmentFiles(dir).isEmpty)
    }
}

/// `logLocked` names who holds the lock: the writer, a compaction, or an archive run.
@Suite struct LockHolderWordingTests {
    @Test func eachLockNamesItsHolder() {
        #expect(LogError.logLocked(path: "/srv/wal").description == "/srv/wal: log is locked: its LOCK is held by a writer, a repair or a restore")
        #expect(LogError.logLocked(path: "/srv/wal/" + CompactionLock.fileName).description.contains("locked by a compaction"))
        #expect(LogError.logLocked(path: "/srv/wal/" + LogArchiver.lockFile).description.contains("another archive run"))
    }
}
