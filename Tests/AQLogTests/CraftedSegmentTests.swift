import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A segment's header and trailer are trusted through their checksums, which protect against
/// damage, not against crafted bytes (an archive object, a file copied in): values whose
/// checksum was fixed up are refused, located, by readers, the writer's open and `verify`
/// alike, never trapping in the arithmetic that checks them or changing the file.
@Suite struct CraftedSegmentTests {
    /// Rewrites the trailer of the segment at `path` with `change` applied, its checksum fixed.
    private func craft(_ path: String, _ change: (inout SegmentTrailer) -> Void) throws {
        var bytes = readFile(path)
        let at = bytes.count - SegmentLayout.trailerSize
        var trailer = try #require(bytes.withUnsafeBytes { SegmentTrailer.decode(UnsafeRawBufferPointer(rebasing: $0[at...])) }).0
        change(&trailer)
        bytes.withUnsafeMutableBytes { _ = trailer.encode(into: UnsafeMutableRawBufferPointer(rebasing: $0[at...])) }
        writeFile(path, bytes)
    }

    /// A log of 1,200 records of 100 bytes in `dir`: its first (sealed) segment's path, bytes
    /// and trailer.
    private func sealedFirstSegment(_ dir: String) throws -> (path: String, bytes: [UInt8], trailer: SegmentTrailer) {
        try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let path = dir + "/" + segmentFiles(dir)[0]
        let bytes = readFile(path)
        let trailer = try #require(bytes.withUnsafeBytes {
            SegmentTrailer.decode(UnsafeRawBufferPointer(rebasing: $0[(bytes.count - SegmentLayout.trailerSize)...]))
        }).0
        return (path, bytes, trailer)
    }

    private func expectRefused(_ dir: String, _ path: String) throws {
        let located = { (error: any Error) -> Bool in
            guard case LogError.corruption(let d) = error, case .badFooter = d.reason else { return false }
            return d.file == path
        }
        #expect(performing: { _ = try LogReader.open(directory: dir) }, throws: located)
        #expect(performing: { _ = try LogWriter.open(directory: dir, options: smallSegments) }, throws: located)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption?.file == path, "\(String(describing: report.corruption))")
    }

    @Test func aRecordCountThatCannotFitIsRefused() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 1200, sizes: { _ in 100 })
        let path = dir + "/" + segmentFiles(dir)[0]
        try craft(path) { t in
            t.recordCount = 0x4000_0000
            t.lastSequence = t.firstSequence &+ UInt64(t.recordCount) &- 1
        }
        try expectRefused(dir, path)
    }

    @Test func aDataEndPastTheFileIsRefused() throws {
        for dataEnd in [UInt64(Int.max) - 100, UInt64.max, UInt64(1) << 40] {
            let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
            try makeLog(dir, count: 1200, sizes: { _ in 100 })
            let path = dir + "/" + segmentFiles(dir)[0]
            try craft(path) { $0.dataEnd = dataEnd }
            try expectRefused(dir, path)
        }
    }

    /// A header whose size (and the file's) is not whole 4096-byte blocks: refused at the size
    /// field, and the file is left as it is (the open's zeroing works in whole blocks and would
    /// extend it).
    @Test func aSegmentSizeThatIsNotWholeBlocksIsRefused() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        try makeLog(dir, count: 20, options: options, sizes: { _ in 100 })
        let path = dir + "/" + segmentFiles(dir)[0]
        var bytes = readFile(path)
        bytes.removeLast(100)
        try #require(bytes.count > SegmentLayout.minimumSegmentSize)
        bytes.withUnsafeMutableBytes { b in
            b.setU64(UInt64(b.count), at: 40)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<60])), at: 60)
        }
        writeFile(path, bytes)
        try? FileManager.default.removeItem(atPath: dir + "/HIGHWATER")
        let atSize = LogError.corruption(.init(file: path, offset: 40, reason: .badSegmentHeader))
        #expect(throws: atSize) { try LogWriter.open(directory: dir, options: options) }
        #expect(throws: atSize) { try LogReader.open(directory: dir) }
        #expect(readFile(path) == bytes)
    }

    /// A flipped byte in a sealed index entry is located at that entry, by `verify` and by a
    /// reader that follows the entry (not at the data end, or as a sequence gap in the middle
    /// of intact records).
    @Test func aDamagedIndexEntryIsLocatedAtTheEntry() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (path, bytes, trailer) = try sealedFirstSegment(dir)
        let entry = Int(trailer.indexOffset) + 2 * SegmentLayout.indexEntrySize
        patch(path, at: entry, [bytes[entry] ^ 0x01])
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption?.file == path && report.corruption?.offset == entry, "\(String(describing: report.corruption))")
        let reader = try LogReader.open(directory: dir)
        #expect(performing: { _ = try reader.record(trailer.firstSequence + 2) }, throws: { error in
            guard case LogError.corruption(let d) = error, case .badFooter = d.reason else { return false }
            return d.file == path && d.offset == entry
        })
        #expect(try reader.record(trailer.firstSequence + 3).count == 100, "the records themselves are intact")
        // An entry whose high byte flipped points past the file: still located at the entry.
        let far = Int(trailer.indexOffset) + 5 * SegmentLayout.indexEntrySize
        patch(path, at: far + 3, [bytes[far + 3] ^ 0x80])
        #expect(performing: { _ = try LogReader.open(directory: dir).record(trailer.firstSequence + 5) }, throws: { error in
            guard case LogError.corruption(let d) = error, case .badFooter = d.reason else { return false }
            return d.file == path && d.offset == far
        })
    }

    /// A walk checks records a run at a time and reads the first one that fails on its own: an
    /// index entry that points at another record's intact frame, or past the file, stops the
    /// walk there with the entry named, after every record before it, in both spellings.
    @Test func aWalkStopsAtADamagedIndexEntry() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (path, bytes, trailer) = try sealedFirstSegment(dir)
        let entrySize = SegmentLayout.indexEntrySize
        let entry = { (k: Int) in Int(trailer.indexOffset) + k * entrySize }
        // Record 70 (inside the second run of a walk from the first) points at record 71's frame.
        patch(path, at: entry(70), Array(bytes[entry(71)..<(entry(71) + entrySize)]))
        let atEntry = { (offset: Int) in { (error: any Error) -> Bool in
            guard case LogError.corruption(let d) = error, case .badFooter = d.reason else { return false }
            return d.file == path && d.offset == offset
        } }
        var seen: [UInt64] = []
        #expect(performing: { try LogReader.open(directory: dir).forEach { sequence, _ in seen.append(sequence); return true } },
                throws: atEntry(entry(70)))
        #expect(seen == Array(trailer.firstSequence..<(trailer.firstSequence + 70)))
        seen = []
        #expect(performing: { try LogReader.open(directory: dir).forEachSpan { sequence, _ in seen.append(sequence); return true } },
                throws: atEntry(entry(70)))
        #expect(seen.count == 70)
        // Walked from just past it, the walk reads on; an entry past the file stops it again.
        patch(path, at: entry(90) + 3, [bytes[entry(90) + 3] ^ 0x80])
        seen = []
        #expect(performing: { try LogReader.open(directory: dir).forEach(from: trailer.firstSequence + 71) { sequence, _ in
            seen.append(sequence); return true
        } }, throws: atEntry(entry(90)))
        #expect(seen == Array((trailer.firstSequence + 71)..<(trailer.firstSequence + 90)))
    }

    /// A block zeroed at rest from the start of a batch is located where the readable records
    /// stop, not at the first bytes after the hole.
    @Test func aZeroedHoleIsLocatedAtItsStart() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500, size: 200, batch: 50)
        let path = dir + "/" + segmentFiles(dir)[0]
        let secondBatch = SegmentLayout.dataStart + 50 * FrameHeader.frameSize(payloadLength: 200) + BatchBuffer.commitCost
        patch(path, at: secondBatch, [UInt8](repeating: 0, count: SegmentLayout.blockSize))
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption?.file == path && report.corruption?.offset == secondBatch, "\(String(describing: report.corruption))")
    }
}
