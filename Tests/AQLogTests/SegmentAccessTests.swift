import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// ``SegmentAccess/read``: the same records as a mapped reader, and a segment shrunk beneath
/// the reader (which would raise `SIGBUS` through a mapping) is a thrown error.
@Suite struct SegmentAccessTests {
    @Test func aCopyingReaderReadsWhatAMappedOneReads() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1_000, size: 120)
        let mapped = try LogReader.open(directory: dir)
        let copied = try LogReader.open(directory: dir, access: .read)
        #expect(copied.lastSequence == mapped.lastSequence)
        var n = 0
        try copied.forEach { sequence, bytes in
            #expect(Array(bytes) == written[Int(sequence) - 1])
            n += 1
            return true
        }
        #expect(n == written.count)
        // The span forms read the same bytes.
        let fifth = try copied.withRecordSpan(5) { span in span.withUnsafeBytes { Array($0) } }
        #expect(fifth == written[4])
        var spans = 0
        try mapped.forEachSpan(from: 990) { sequence, span in
            #expect(span.byteCount == written[Int(sequence) - 1].count)
            spans += 1
            return true
        }
        #expect(spans == 11)
    }

    @Test func aSegmentShrunkBeneathACopyingReaderIsAnError() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try makeBatchedLog(dir, count: 1_000, size: 120)
        let reader = try LogReader.open(directory: dir, access: .read)
        let first = reader.segments[0]
        // Another program cuts the sealed segment in half before it is first read.
        #expect(truncate(first.path, off_t(first.segmentSize / 2)) == 0)
        #expect(throws: LogError.self) { try reader.record(first.baseSequence) }
        // verify reads the same way: a report, not a crash.
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption != nil)
    }
}
