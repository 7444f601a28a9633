import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// Reads beside other processes. Nothing past a live writer's last commit was acknowledged, and
/// a writer's open repairs a real torn tail before it writes: `verify` looks again at a
/// torn-looking tail while a writer holds `LOCK` (its batch being copied in), and one still there
/// is the writer's, not reported; with no writer it is reported at once. A segment a compaction
/// removes after a reader listed it has left the log: reads go on without it.
@Suite struct ReadsBesideWritersAndCompactionTests {
    @Test func aTornTailIsTheWritersWhileItHoldsTheLockAndReportedOnceItIsGone() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 50, sizes: { _ in 100 })
        let (path, end) = try openSegmentEnd(dir)
        // Half a batch after the last commit: a frame header and part of its payload.
        patch(path, at: end, [UInt8](repeating: 0xA5, count: 40))
        let torn = try LogVerifier(directory: dir).verify()
        #expect(torn.tornTail?.offset == end && torn.corruption == nil, "no writer: reported")
        let writer = try PosixStorage().lockExclusive(dir + "/LOCK")
        let beside = try LogVerifier(directory: dir).verify()
        #expect(beside.tornTail == nil && beside.corruption == nil, "the writer's own bytes")
        #expect(beside.recordsVerified == 50)
        writer.release()
        #expect(try LogVerifier(directory: dir).verify().tornTail?.offset == end, "the writer gone: reported again")
    }

    /// A segment compaction removes after the pass listed it: `verify` leaves it out (it left the
    /// log) instead of failing on its open, and checks the rest.
    @Test func aSegmentRemovedByCompactionMeanwhileIsLeftOut() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let segments = try LogReader.open(directory: dir).segments
        try #require(segments.count >= 3)
        let storage = RecordingStorage()
        // Its second open is verify's own, after recovery read its ends.
        storage.state.withLock { $0.removeBeforeOpening = (segments[0].fileName, 2) }
        let report = try LogVerifier(directory: dir, storage: storage).verify()
        #expect(report.corruption == nil && report.tornTail == nil)
        #expect(report.segments.map(\.fileName) == segments.dropFirst().map(\.fileName))
        #expect(report.recordsVerified == 1200 - segments[0].recordCount)
    }

    /// A walk that reaches a segment compaction removed after the reader listed it: from the
    /// first record left when asked to start there, else the records reported compacted.
    @Test func aWalkPastASegmentRemovedMeanwhileGoesOnFromTheFirstRecordLeft() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let records = try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let segments = try LogReader.open(directory: dir).segments
        try #require(segments.count >= 3)
        let first = segments[1].baseSequence
        for compactedStart in [LogReader.CompactedStart.startAtFirstAvailable, .throw] {
            let copy = tmp.sub("copy-\(compactedStart == .throw)")
            try FileManager.default.copyItem(atPath: dir, toPath: copy)
            let storage = RecordingStorage()
            // Its second open is the walk's, after the reader's open read its ends.
            storage.state.withLock { $0.removeBeforeOpening = (segments[0].fileName, 2) }
            let reader = try LogReader(directory: copy, storage: storage)
            var seen: [UInt64] = []
            if compactedStart == .throw {
                #expect(throws: LogError.compacted(requested: 1, firstAvailable: first)) {
                    try reader.forEach(from: 1, ifCompacted: .throw) { sequence, _ in seen.append(sequence); return true }
                }
                #expect(seen.isEmpty)
            } else {
                try reader.forEach(from: 1, ifCompacted: .startAtFirstAvailable) { sequence, bytes in
                    #expect(Array(bytes) == records[Int(sequence) - 1])
                    seen.append(sequence)
                    return true
                }
                #expect(seen == Array(first...1200))
            }
        }
    }
}
