import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `LogReader.salvaging`: a damaged log still yields every record committed before the damage,
/// wherever the damage is, and says where reading ends.
@Suite struct SalvageTests {
    /// Damage in a batch of the open segment: the batches committed before it are read.
    @Test func damageInTheOpenSegmentLeavesTheRecordsCommittedBeforeIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1_100, size: 100, batch: 50)
        let reader = try LogReader.open(directory: dir)
        let open = reader.segments.last!
        try #require(open.recordCount > 100, "the open segment holds several batches")
        // A byte inside the 61st record of the open segment (its second batch's 11th).
        let damagedSequence = open.baseSequence + 60
        let segment = readFile(open.path)
        let at = try #require(offset(of: written[Int(damagedSequence) - 1], in: segment))
        patch(open.path, at: at + 5, [segment[at + 5] ^ 0xFF])
        #expect(throws: LogError.self) { try LogReader.open(directory: dir) }

        let salvage = try LogReader.salvaging(directory: dir)
        let damage = try #require(salvage.damage)
        #expect(damage.file == open.path)
        // Reading ends at the last batch committed before the damaged one (batches of 50
        // from sequence 1).
        #expect(salvage.lastSequence == (damagedSequence - 1) / 50 * 50)
        #expect(salvage.lastSequence >= open.baseSequence)
        var seen: UInt64 = 0
        try salvage.forEach { sequence, bytes in
            #expect(Array(bytes) == written[Int(sequence) - 1])
            seen = sequence
            return true
        }
        #expect(seen == salvage.lastSequence)
    }

    /// A damaged sealed segment header: the segments before it are read, nothing after.
    @Test func aDamagedSealedHeaderLeavesTheSegmentsBeforeIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1_000, size: 100, batch: 50)
        let segments = try LogReader.open(directory: dir).segments
        try #require(segments.count >= 3)
        patch(segments[1].path, at: 0, [0xFF, 0xFF])
        let salvage = try LogReader.salvaging(directory: dir)
        #expect(salvage.damage?.file == segments[1].path)
        #expect(salvage.lastSequence == segments[0].lastSequence)
        #expect(try salvage.record(salvage.lastSequence) == written[Int(salvage.lastSequence) - 1])
    }

    @Test func aWholeLogHasNoDamage() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 300)
        let salvage = try LogReader.salvaging(directory: dir)
        #expect(salvage.damage == nil)
        #expect(salvage.lastSequence == UInt64(written.count))
    }
}
