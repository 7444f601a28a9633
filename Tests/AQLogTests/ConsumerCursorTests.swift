import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct ConsumerCursorTests {
    @Test func compactionKeepsWhatTheSlowestConsumerHasNotProcessedUntilItAdvancesOrIsDropped() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        #expect(segs.count >= 5)
        try ConsumerCursor.register(directory: dir, name: "slow", position: 10)
        try ConsumerCursor.register(directory: dir, name: "fast", position: segs[3].lastSequence)
        try Checkpoint.write(directory: dir, sequence: 1500)

        var report = try Compactor(directory: dir).run()
        #expect(report.removed.isEmpty, "the slow consumer has not processed the first segment")
        #expect(report.heldByConsumer == "slow")
        #expect(report.consumers.map(\.name) == ["fast", "slow"])

        // The slow consumer processes the first two segments and one record of the third.
        let slow = try ConsumerCursor.open(directory: dir, name: "slow")
        try slow.commit(segs[1].lastSequence + 1)
        report = try Compactor(directory: dir).run()
        #expect(report.removed.map(\.path) == [segs[0].path, segs[1].path])
        #expect(report.heldByConsumer == "slow")
        #expect(try readNumbered(dir).map(\.1) == Array(written[Int(segs[2].baseSequence - 1)...]))

        // Dropped, it holds nothing: the fast one now bounds compaction.
        try ConsumerCursor.drop(directory: dir, name: "slow")
        #expect(throws: LogError.invalidArgument("\(dir): no consumer named slow")) { try ConsumerCursor.drop(directory: dir, name: "slow") }
        report = try Compactor(directory: dir).run()
        #expect(report.removed.map(\.path) == [segs[2].path, segs[3].path])
        #expect(report.heldByConsumer == "fast")
    }

    @Test func aCommitTornByACrashLeavesThePreviousPositionAndTwoDamagedSlotsHoldEverything() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        try ConsumerCursor.register(directory: dir, name: "c", position: 3)
        let cursor = try ConsumerCursor.open(directory: dir, name: "c")
        try cursor.commit(500)
        try cursor.commit(700)  // generation 3, in slot 0 (generation 2 went to slot 1)
        cursor.close()
        #expect(throws: LogError.closed) { try cursor.commit(800) }
        let path = ConsumerCursor.path(directory: dir, name: "c")
        #expect(try ConsumerCursor.open(directory: dir, name: "c").position == 700)

        // A torn write of the newest slot: the other still holds the previous commit.
        flipByte(path, at: 17)
        #expect(try ConsumerCursor.list(directory: dir).map(\.position) == [500])
        let reopened = try ConsumerCursor.open(directory: dir, name: "c")
        #expect(reopened.position == 500)
        try reopened.commit(900)  // goes into the damaged slot, leaving 500 in the other
        #expect(try ConsumerCursor.list(directory: dir).map(\.position) == [900])
        reopened.close()

        // Both slots damaged: listed as damaged, refused on open, and compaction removes nothing.
        flipByte(path, at: 17)
        flipByte(path, at: ConsumerCursorFormat.slotSize + 17)
        let listed = try #require(try ConsumerCursor.list(directory: dir).first)
        #expect(listed.position == nil)
        #expect(listed.damage?.reason == .badCursor("checksum mismatch"))
        #expect(throws: LogError.corruption(listed.damage!)) { try ConsumerCursor.open(directory: dir, name: "c") }
        try Checkpoint.write(directory: dir, sequence: 1500)
        #expect(try Compactor(directory: dir).run().removed.isEmpty)
        #expect(try Compactor(directory: dir, retention: .init(maxConsumerLag: 0)).run().removed.isEmpty,
                "a damaged cursor's lag is unknown: the lag limit does not drop it")

        // Registering the name again replaces the damaged file: the cursor is set again.
        try ConsumerCursor.register(directory: dir, name: "c", position: 1400)
        #expect(try ConsumerCursor.list(directory: dir).map(\.position) == [1400])
        #expect(try Compactor(directory: dir).run().removed.isEmpty == false)
    }

    @Test func theLagLimitDropsAConsumerThatIsGoneAndADryRunOnlyNamesIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        try ConsumerCursor.register(directory: dir, name: "gone", position: 0)
        try ConsumerCursor.register(directory: dir, name: "near", position: 1400)
        let compactor = Compactor(directory: dir, retention: .init(maxConsumerLag: 1000))
        // Without a checkpoint nothing would go: dropping the lagging cursor would free nothing.
        #expect(try compactor.run().droppedConsumers.isEmpty)
        #expect(try ConsumerCursor.list(directory: dir).count == 2)
        try Checkpoint.write(directory: dir, sequence: segs[1].lastSequence)
        let plan = try compactor.run(dryRun: true)
        #expect(plan.droppedConsumers.map(\.name) == ["gone"])
        #expect(plan.removed.map(\.path) == [segs[0].path, segs[1].path])
        #expect(try ConsumerCursor.list(directory: dir).count == 2, "a dry run drops nothing")
        let report = try compactor.run()
        #expect(report.droppedConsumers.map(\.name) == ["gone"])
        #expect(report.removed == plan.removed)
        #expect(try ConsumerCursor.list(directory: dir).map(\.name) == ["near"])
    }

    /// The checkpoint file records that cursors exist, in a version a binary without cursors
    /// refuses (it then compacts nothing); the record follows the cursors.
    @Test func theCheckpointFileRecordsTheHoldWhileACursorExists() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 600)
        let file = LogDirectoryLayout.join(dir, LogDirectoryLayout.checkpointFile)
        try ConsumerCursor.register(directory: dir, name: "a", position: 1)
        #expect(try content(file) == .init(sequence: nil, holds: .consumerCursors))
        #expect(version(file) == 2)
        #expect(try Checkpoint.read(directory: dir) == .absent)
        try Checkpoint.write(directory: dir, sequence: 40)
        #expect(try content(file) == .init(sequence: 40, holds: .consumerCursors), "a new checkpoint keeps the hold")
        try ConsumerCursor.drop(directory: dir, name: "a")
        #expect(try content(file) == .init(sequence: 40, holds: []))
        #expect(version(file) == 1, "without holds, the version every binary reads")

        // A checkpoint file that lost the record (written by an older binary) is repaired by compaction.
        try ConsumerCursor.register(directory: dir, name: "b", position: 1)
        try FileManager.default.removeItem(atPath: file)
        try Data(CheckpointFormat.encode(sequence: 40)).write(to: URL(fileURLWithPath: file))
        _ = try Compactor(directory: dir).run()
        #expect(try content(file) == .init(sequence: 40, holds: .consumerCursors))
        // With no sequence and no hold left, the file goes.
        try FileManager.default.removeItem(atPath: file)
        _ = try Compactor(directory: dir).run()
        try ConsumerCursor.drop(directory: dir, name: "b")
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func registrationRefusesBadNamesTakenNamesPositionsPastTheEndAndWaitsForACompaction() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 100)
        for bad in ["", ".hidden", "a/b", String(repeating: "x", count: 65), "é"] {
            #expect(throws: LogError.self) { try ConsumerCursor.register(directory: dir, name: bad, position: 0) }
        }
        #expect(throws: LogError.invalidArgument("\(dir): consumer position 101 is above the log's last durable sequence 100")) {
            try ConsumerCursor.register(directory: dir, name: "a", position: 101)
        }
        try ConsumerCursor.register(directory: dir, name: "a", position: 100)
        #expect(throws: LogError.invalidArgument("\(dir): consumer a is already registered")) {
            try ConsumerCursor.register(directory: dir, name: "a", position: 0)
        }
        #expect(throws: LogError.invalidArgument("\(dir): no consumer named b")) { try ConsumerCursor.open(directory: dir, name: "b") }
        let lock = try PosixStorage().lockExclusive(LogDirectoryLayout.join(dir, Compactor.lockFile))
        #expect(throws: LogError.logLocked(path: LogDirectoryLayout.join(dir, Compactor.lockFile))) {
            try ConsumerCursor.register(directory: dir, name: "b", position: 0, lockTimeout: .milliseconds(20))
        }
        lock.release()
        try ConsumerCursor.register(directory: dir, name: "b", position: 0, lockTimeout: .milliseconds(20))
    }

    @Test func aTailResumesAfterItsCursorAndCommitsWhatItReturned() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 300)
        try ConsumerCursor.register(directory: dir, name: "t", position: 120)
        let cursor = try ConsumerCursor.open(directory: dir, name: "t")
        var records = LogTail(resuming: cursor).makeAsyncIterator()
        #expect(records.lastReturnedSequence == 120)
        for expected in 121...150 {
            let record = try #require(try await records.next())
            #expect(record.sequence == UInt64(expected))
            #expect(record.payload == written[expected - 1])
        }
        try records.commitPosition(to: cursor)
        #expect(try ConsumerCursor.list(directory: dir).first?.position == 150)
        var resumed = LogTail(resuming: try ConsumerCursor.open(directory: dir, name: "t")).makeAsyncIterator()
        #expect(try await resumed.next()?.sequence == 151)
    }

    /// A consumer of a `.deferred` log reads records before they are durable; its commits stop
    /// at the durable point the writer records in `LOCK`, and follow it after a flush. A power
    /// loss then leaves the cursor at or below the log's end: nothing the next writer numbers
    /// again is skipped.
    @Test func aCommitNeverPassesTheDurablePoint() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: smallSegments, durability: .deferred)
        for i in 0..<100 { try writer.append(payload(i)) }
        try writer.flush()
        try ConsumerCursor.register(directory: dir, name: "c", position: 0)
        for i in 100..<150 { try writer.append(payload(i)) }
        let cursor = try ConsumerCursor.open(directory: dir, name: "c")
        var records = LogTail(resuming: cursor).makeAsyncIterator()
        for expected in 1...150 { #expect(try await records.next()?.sequence == UInt64(expected)) }
        try records.commitPosition(to: cursor)
        #expect(cursor.position == 100, "bounded by the last flush")
        #expect(try ConsumerCursor.list(directory: dir).first?.position == 100)
        try writer.flush()
        try cursor.commit(150)
        #expect(cursor.position == 150)
        try writer.close()
        // A point behind the cursor (`LOCK` stale after a power loss) holds it, never moves it
        // back; a move back the consumer asks for is made.
        func publish(durable: UInt64) {
            var record = [UInt8](repeating: 0, count: WriterProgressRecord.size)
            record.withUnsafeMutableBytes { WriterProgressRecord.encode(WriterProgress(readableThrough: 0, durableThrough: durable), into: $0) }
            patch(dir + "/LOCK", at: 0, record)
        }
        publish(durable: 120)
        try cursor.commit(200)
        #expect(cursor.position == 150)
        try cursor.commit(110)
        #expect(cursor.position == 110)
        publish(durable: 0)  // none known: not bounded
        try cursor.commit(150)
        #expect(cursor.position == 150)
    }

    private func flipByte(_ path: String, at offset: Int) {
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[offset] ^= 0xFF
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    private func content(_ file: String) throws -> CheckpointFormat.Content {
        let bytes = [UInt8](FileManager.default.contents(atPath: file)!)
        return try bytes.withUnsafeBytes { try CheckpointFormat.decode($0).get() }
    }

    private func version(_ file: String) -> UInt8 { [UInt8](FileManager.default.contents(atPath: file)!)[8] }
}
