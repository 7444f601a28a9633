import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct LogRepairTests {
    /// The torn tail is gone before the lock is released: no writer can open the log between
    /// the backup and the zeroing (it would repair the tail itself, and the backup would then
    /// describe bytes already gone).
    @Test func repairZeroesTheTornTailBeforeReleasingTheLock() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let records = try makeLog(dir, count: 40)
        let (path, end) = try openSegmentEnd(dir)
        patch(path, at: end, [0x05, 0x00, 0x00])  // a frame header cut short after the last commit
        let storage = RecordingStorage()
        let atRelease = Collector<String>()
        storage.beforeLockRelease.withLock {
            $0 = {
                let report = try? LogVerifier(directory: dir).verify()
                atRelease.add(report == nil ? "unreadable" : (report!.tornTail == nil ? "healthy" : "torn"))
            }
        }
        let report = try LogRepair.repair(directory: dir, storage: storage)
        #expect(report.repaired && report.bytesRepaired > 0)
        #expect(atRelease.all == ["healthy"], "one lock, released only after the zeroing")
        let backup = try #require(report.backupPath)
        #expect(readFile(backup).prefix(3) == [0x05, 0x00, 0x00])
        #expect(try readAll(dir) == records)
        #expect(try LogRepair.repair(directory: dir).repaired == false)
    }

    /// Bytes past the high-water mark were never a writer's: a writer's open does not read them,
    /// but `verify` reads the whole segment and calls them a torn tail, so a repair reads there
    /// too and removes them (backed up): after it, `verify` finds the log healthy.
    @Test func damagePastTheHighWaterMarkIsWhatVerifyReportsAndRepairRemoves() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 16 << 20, backend: .posix)
        let records = try makeLog(dir, count: 3, options: options)
        let path = dir + "/" + segmentFiles(dir)[0]
        patch(path, at: 8 << 20, [UInt8](repeating: 0xDE, count: 256))
        let before = try LogVerifier(directory: dir).verify()
        #expect(before.tornTail?.file == path && before.corruption == nil, "\(String(describing: before.tornTail))")
        let report = try LogRepair.repair(directory: dir)
        #expect(report.repaired && report.backupPath != nil)
        let after = try LogVerifier(directory: dir).verify()
        #expect(after.tornTail == nil && after.corruption == nil)
        #expect(try readAll(dir) == records)
    }
}
