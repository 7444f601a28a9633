import Testing
import Foundation
import AQTestSupport
@testable import AQLog

/// A new log starts small and its segments double up to the configured size; the next segment
/// is prepared only once the active one is a quarter full.
@Suite struct SegmentGrowthTests {
    @Test func anIdleNewLogHoldsOneSmallSegmentAndNoPreparedFile() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: LogOptions(backend: .posix))
        try w.append(Array("one".utf8))
        try w.close()
        let expected = SegmentLayout.segmentSize(holding: 16 << 20)
        #expect(segmentFiles(dir) == ["00000000000000000001.seg"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/next.prealloc"), "nothing prepared for an idle log")
        #expect(try LogReader.open(directory: dir).segments.map(\.segmentSize) == [expected])
        #expect(diskBytes(dir) <= expected + (1 << 20), "what an idle new log takes on disk: \(diskBytes(dir))")
        #expect(expected < 17 << 20)
    }

    @Test func segmentsDoubleUpToTheConfiguredSizeAndEveryRecordReadsBack() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = LogOptions(segmentSize: 4 << 20, backend: .posix)
        options.maxRecordSize = 64 * 1024
        let written = (0..<40_000).map { payload($0, size: $0 % 7 * 100) }
        let writer = try LogWriter.open(directory: dir, options: options)
        for start in stride(from: 0, to: written.count, by: 500) { try writer.append(contentsOf: Array(written[start..<(start + 500)])) }
        try writer.close()
        let sizes = try LogReader.open(directory: dir).segments.map(\.segmentSize)
        #expect(Array(sizes.prefix(4)) == [1 << 20, 2 << 20, 4 << 20, 4 << 20], "\(sizes)")
        #expect(try readAll(dir) == written)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == nil && report.tornTail == nil)

        // A record of the maximum size fits the smallest segment.
        let young = tmp.sub("young")
        let big = [UInt8](repeating: 7, count: 64 * 1024)
        let w = try LogWriter.open(directory: young, options: options)
        for _ in 0..<40 { try w.append(big) }
        try w.close()
        let youngSegments = try LogReader.open(directory: young).segments
        #expect(youngSegments.first?.segmentSize == 1 << 20)
        #expect(youngSegments.map(\.recordCount).reduce(0, +) == 40)
    }

    @Test func aLogNeverGetsSmallerSegmentsAndAnExplicitFirstSizeIsChecked() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var large = LogOptions(segmentSize: 256 * 1024, backend: .posix)
        large.initialSegmentSize = 256 * 1024
        try makeLog(dir, count: 10, options: large)
        // Reopened with smaller segments asked for: the log keeps its size.
        try makeLog(dir + "", count: 3_000, options: LogOptions(segmentSize: 64 * 1024, backend: .posix), sizes: { _ in 200 })
        #expect(try LogReader.open(directory: dir).segments.allSatisfy { $0.segmentSize == 256 * 1024 })

        var bad = LogOptions(segmentSize: 256 * 1024, backend: .posix)
        for size in [100_000, 512 * 1024, 64 * 1024] {  // not a multiple of 4096; above the segment size; too small for the maximum record
            bad.initialSegmentSize = size
            #expect(throws: LogError.self) { try LogWriter.open(directory: tmp.sub("bad"), options: bad) }
        }
    }

    private func diskBytes(_ dir: String) -> Int {
        var total = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            var st = stat()
            if stat(dir + "/" + name, &st) == 0 { total += Int(st.st_blocks) * 512 }
        }
        return total
    }
}
