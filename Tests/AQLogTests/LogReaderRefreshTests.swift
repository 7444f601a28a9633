import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A reader following a live writer parses only what was committed since its last refresh.
@Suite struct LogReaderRefreshTests {
    @Test func refreshParsesOnlyTheBatchesCommittedSince() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20)
        let writer = try LogWriter.open(directory: dir, options: options)
        var sent: [[UInt8]] = []
        func append(_ n: Int, size: Int = 100) throws {
            for _ in 0..<n {
                sent.append(payload(sent.count, size: size))
                _ = try writer.append(sent.last!)
            }
        }
        try append(10)
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 10)
        #expect(reader.report.bytesScanned > (1 << 20) / 2, "open scans the whole open segment")

        try append(5)
        try reader.refresh()
        #expect(reader.lastSequence == 15)
        #expect(reader.report.bytesScanned > 0 && reader.report.bytesScanned < 1024, "only the five new batches")
        #expect(try reader.record(15) == sent[14])
        try reader.refresh()
        #expect(reader.report.bytesScanned == 0)

        // Across a roll: the new open segment is scanned whole once, then followed again.
        let segments = segmentFiles(dir).count
        while segmentFiles(dir).count == segments { try append(1, size: 60_000) }
        try reader.refresh()
        #expect(reader.lastSequence == UInt64(sent.count))
        try append(3)
        try reader.refresh()
        #expect(reader.report.bytesScanned > 0 && reader.report.bytesScanned < 1024)
        var read: [[UInt8]] = []
        try reader.forEach { _, bytes in read.append(Array(bytes)); return true }
        #expect(read == sent)
        try writer.close()
    }

    /// A repair that rewrites bytes below the point a reader followed to (here: everything after
    /// record 10 zeroed) makes the next refresh scan the segment again instead of resuming.
    @Test func bytesRewrittenBelowTheFollowedPointMakeTheReaderScanAgain() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        let first = try makeLog(dir, count: 10, options: options)
        let (path, tenEnd) = try openSegmentEnd(dir)
        let writer = try LogWriter.open(directory: dir, options: options)
        for i in 0..<20 { _ = try writer.append(payload(100 + i)) }
        try writer.close()
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 30)
        let size = readFile(path).count
        patch(path, at: tenEnd, [UInt8](repeating: 0, count: size - SegmentLayout.trailerSize - tenEnd))
        // As a repair that removed records 11...30 would leave `LOCK`: they were never durable.
        let lock = try PosixStorage().lockExclusive(LogDirectoryLayout.join(dir, LogDirectoryLayout.lockFile))
        _ = try lock.startPublishing()
        lock.publish(WriterProgress(readableThrough: 10, durableThrough: 10))
        lock.release()
        try reader.refresh()
        #expect(reader.lastSequence == 10)
        var read: [[UInt8]] = []
        try reader.forEach { _, bytes in read.append(Array(bytes)); return true }
        #expect(read == first)
    }

    @Test func damageAfterTheFollowedPointEndsTheReadableRecordsWithoutAnError() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let records = try makeLog(dir, count: 30)
        let reader = try LogReader.open(directory: dir)
        let (path, end) = try openSegmentEnd(dir)
        patch(path, at: end, [0x05, 0x00, 0x00])  // a writer's batch cut short (or still being copied)
        try reader.refresh()
        #expect(reader.lastSequence == UInt64(records.count))
        #expect(reader.report.tornTail == nil, "a follower does not classify the tail")
        #expect(try LogReader.open(directory: dir).report.tornTail != nil, "a fresh open does")
    }
}
