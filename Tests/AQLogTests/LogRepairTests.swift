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
}
