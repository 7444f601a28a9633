import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct CompactorTests {
    @Test func removesOnlyWholeSealedSegmentsAtOrBelowTheCheckpointOldestFirst() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        #expect(segs.count >= 5)
        // Checkpoint in the middle of the third segment: only the first two go.
        let third = segs[2]
        try Checkpoint.write(directory: dir, sequence: third.baseSequence + 1)
        let plan = try Compactor(directory: dir).run(dryRun: true)
        #expect(plan.removed.map(\.path) == [segs[0].path, segs[1].path])
        #expect(segmentFiles(dir).count == segs.count, "a dry run removes nothing")
        let report = try Compactor(directory: dir).run()
        #expect(report.removed == plan.removed)
        #expect(report.bytesFreed == segs[0].segmentSize + segs[1].segmentSize)
        #expect(report.firstSequenceAfter == third.baseSequence)
        let after = try readNumbered(dir)
        #expect(after.first?.0 == third.baseSequence)
        #expect(after.map(\.1) == Array(written[Int(third.baseSequence - 1)...]))
        // Idempotent.
        #expect(try Compactor(directory: dir).run().removed.isEmpty)
        // The writer reopens and sequences continue.
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(try w.append(payload(1)) == 1501)
        try w.close()
    }

    @Test func neverRemovesTheLastSegmentEvenWhenTheCheckpointCoversIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 900)
        try Checkpoint.write(directory: dir, sequence: 900)
        let segs = try descriptors(dir)
        let report = try Compactor(directory: dir).run()
        #expect(report.removed.count == segs.count - 1)
        #expect(segmentFiles(dir) == [segs.last!.fileName])
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w.nextSequence == 901, "sequences survive compaction")
        try w.close()
    }

    /// A crash between seal and roll leaves a sealed last segment: it still carries the log's
    /// position, so it must stay even when the checkpoint covers it.
    @Test func keepsASealedLastSegmentSoSequencesSurvive() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 900)
        let open = try descriptors(dir).last!
        try FileManager.default.removeItem(atPath: open.path)
        forgetPublishedProgress(dir)  // as a crash between seal and roll leaves it
        let sealed = try descriptors(dir)
        #expect(sealed.allSatisfy { $0.isSealed })
        try Checkpoint.write(directory: dir, sequence: sealed.last!.lastSequence)
        let report = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 0)).run()
        #expect(report.removed.count == sealed.count - 1)
        #expect(segmentFiles(dir) == [sealed.last!.fileName])
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w.nextSequence == sealed.last!.lastSequence + 1)
        try w.close()
    }

    @Test func withoutACheckpointNothingGoesUnlessRetentionIsSet() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        #expect(try Compactor(directory: dir).run().removed.isEmpty)
        let bySegments = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 3)).run(dryRun: true)
        #expect(bySegments.removed.count == segs.count - 3)
        #expect(bySegments.segmentsAfter == 3)
        let size = segs[0].segmentSize
        let byBytes = try Compactor(directory: dir, retention: RetentionPolicy(keepBytes: 2 * size + 1)).run(dryRun: true)
        #expect(byBytes.segmentsAfter == 3, "keeping 2 segments + 1 byte needs 3 segments")
        let both = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 2, keepBytes: 4 * size)).run(dryRun: true)
        #expect(both.segmentsAfter == 4, "the larger floor wins")
        let zero = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 0)).run()
        #expect(zero.segmentsAfter == 1, "the open segment always stays")
    }

    @Test func retentionFloorsKeepHistoryBelowTheCheckpoint() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        try Checkpoint.write(directory: dir, sequence: segs[3].lastSequence)
        #expect(try Compactor(directory: dir).run(dryRun: true).removed.count == 4)
        let kept = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: segs.count - 1)).run(dryRun: true)
        #expect(kept.removed.count == 1)
        // With a checkpoint, retention never removes above it.
        try Checkpoint.write(directory: dir, sequence: segs[0].lastSequence)
        #expect(try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 1)).run().removed.count == 1)
    }

    @Test func aSecondCompactionIsRefusedWhileOneHoldsTheLock() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        let lockPath = dir + "/" + Compactor.lockFile
        let held = try PosixStorage().lockExclusive(lockPath)
        #expect(throws: LogError.logLocked(path: lockPath)) { try Compactor(directory: dir).run() }
        #expect(try Compactor(directory: dir).run(dryRun: true).removed.isEmpty, "a dry run needs no lock")
        held.release()
        _ = try Compactor(directory: dir).run()
    }

    @Test func runsBesideAnOpenWriterWithoutTakingItsLock() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1000)
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        try Checkpoint.write(directory: dir, sequence: 1000)
        let report = try Compactor(directory: dir).run()
        #expect(!report.removed.isEmpty)
        for i in 0..<600 { try w.append(payload(i, size: 200)) }
        try w.close()
        let after = try readNumbered(dir)
        #expect(after.last?.0 == 1600)
        #expect(after.map(\.0) == Array((after.first!.0)...1600), "no hole")
    }

    @Test func aReaderKeepsReadingAMappedSegmentAfterItIsRemoved() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1200)
        let reader = try LogReader.open(directory: dir)
        #expect(try reader.record(1) == written[0], "maps the first segment")
        try Checkpoint.write(directory: dir, sequence: 1200)
        #expect(try !Compactor(directory: dir).run().removed.isEmpty)
        #expect(try reader.record(2) == written[1], "the mapping outlives the unlink")
        try reader.refresh()
        #expect(reader.firstSequence > 1)
        #expect(try reader.record(1200) == written[1199])
    }

    @Test func missingDirectoryIsNotFound() {
        #expect(throws: LogError.notFound(path: "/nonexistent/aq")) { try Compactor(directory: "/nonexistent/aq").run() }
    }
}
