import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A reader keeps at most ``LogReader/mappedSegmentLimit`` segments mapped, whatever the size
/// of the log it walks, and still reads every record right, forward and back.
@Suite struct LogReaderMappingTests {
    @Test func walkingALongLogKeepsFewSegmentsMapped() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 64 * 1024, backend: .posix))
        let records = (0..<2_000).map { payload($0, size: 300) }
        for start in stride(from: 0, to: records.count, by: 100) { _ = try writer.append(contentsOf: Array(records[start..<start + 100])) }
        try writer.close()
        let reader = try LogReader.open(directory: dir)
        try #require(reader.segments.count > 6)
        var seen = 0
        var most = 0
        try reader.forEach { sequence, bytes in
            #expect(Array(bytes) == records[Int(sequence) - 1])
            seen += 1
            most = max(most, reader.mappedSegmentCount)
            return true
        }
        #expect(seen == records.count)
        #expect(most <= LogReader.mappedSegmentLimit)
        // Random access across segments (each read may map one and unmap another).
        for sequence in stride(from: UInt64(records.count), through: 1, by: -97) {
            #expect(try reader.record(sequence) == records[Int(sequence) - 1])
            #expect(reader.mappedSegmentCount <= LogReader.mappedSegmentLimit)
        }
        // A nested read inside an iteration may unmap the segment being iterated from the
        // cache, never from under the iteration.
        var checked = 0
        try reader.forEach(from: 1, through: 600) { sequence, bytes in
            let far = UInt64(records.count) - sequence
            let (a, b) = (try reader.record(far), try reader.record(far - 1))
            #expect(a == records[Int(far) - 1])
            #expect(b == records[Int(far) - 2])
            #expect(Array(bytes) == records[Int(sequence) - 1])
            checked += 1
            return true
        }
        #expect(checked == 600)
    }
}
