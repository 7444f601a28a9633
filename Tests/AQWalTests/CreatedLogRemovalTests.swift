import Testing
import AQTestSupport
import AQLog
import Foundation
@testable import aq_wal

/// `import-v5` and `restore` remove a log they created and then gave up on, after their own
/// writer let the lock go: a process that took the lock in between and wrote records owns
/// the log from then on, and its records stay.
@Suite struct CreatedLogRemovalTests {
    private func log(_ dir: String, records: Int) throws {
        let writer = try LogWriter.open(directory: dir, options: testOptions)
        for i in 0..<records { _ = try writer.append(record(i)) }
        try writer.close()
    }

    @Test func aLogWithRecordsPastTheRunsOwnIsLeftWhole() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try log(dir, records: 5)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        // Nothing written by the run (its open found the lock taken), or fewer than the log holds.
        for written in [UInt64(0), 3] {
            removeCreatedLog(dir, written: written)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == names)
            #expect(try LogReader.open(directory: dir).lastSequence == 5)
        }
        // The records are the run's own: the log goes, and the directory the run made with it.
        removeCreatedLog(dir, written: 5)
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func aLogThatCannotBeReadIsLeftWhole() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try log(dir, records: 5)
        let segment = dir + "/" + segmentFiles(dir)[0]
        patch(segment, at: 0, [0xFF, 0xFF])
        removeCreatedLog(dir, written: 5)
        #expect(FileManager.default.fileExists(atPath: segment))
    }
}
