import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// Nothing past a live writer's last commit was acknowledged, and a writer's open repairs a real
/// torn tail before it writes: `verify` looks again at a torn-looking tail while a writer holds
/// `LOCK` (its batch being copied in), and one still there is the writer's, not reported. With no
/// writer it is reported at once.
@Suite struct VerifyBesideAWriterTests {
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
}
