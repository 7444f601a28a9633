import Testing
import AQTestSupport
import CCRC
import Foundation
@testable import AQLog

/// A walk checks records a run at a time in C (`SegmentView.checkRun`) and reads the record a
/// run stops at on its own: healthy runs pass whole, runs end at their byte bound, damage
/// stops the walk where a single read would, and the caller's own errors and early stops come
/// back unchanged.
@Suite struct WalkRunTests {
    /// A log whose first segment is sealed, of 1,200 records of 100 bytes; its first segment's path.
    func sealedLog(_ dir: String) throws -> (records: [[UInt8]], path: String) {
        let records = try makeLog(dir, count: 1200, sizes: { _ in 100 })
        return (records, dir + "/" + segmentFiles(dir)[0])
    }

    @Test func aHealthyRunPassesWholeAndALargeOneStopsAtItsByteBound() throws {
        let tmp = TemporaryDirectory()
        let (dir, big) = (tmp.sub("log"), tmp.sub("big"))
        _ = try sealedLog(dir)
        let out = UnsafeMutablePointer<ccrc_payload>.allocate(capacity: SegmentView.runCapacity)
        defer { out.deallocate() }
        let view = try LogReader.open(directory: dir).view(0)
        let hardware = CRC32C.engine == .isal
        #expect(view.checkRun(from: view.baseSequence, count: SegmentView.runCapacity, verify: true, into: out)
                == (hardware ? SegmentView.runCapacity : 0))
        if hardware {
            #expect(out[3].length == 100 && Int(out[3].offset) == view.frameOffset(of: view.baseSequence + 3) + FrameHeader.size)
        }
        // 100 KiB records: a run ends once its frames reach 256 KiB, after the third.
        try makeLog(big, count: 8, options: LogOptions(segmentSize: 4 << 20, backend: .posix), sizes: { _ in 100 << 10 })
        let bigView = try LogReader.open(directory: big).view(0)
        #expect(bigView.checkRun(from: 1, count: 8, verify: true, into: out) == (hardware ? 3 : 0))
        #expect(bigView.checkRun(from: 7, count: 2, verify: false, into: out) == (hardware ? 2 : 0))
    }

    @Test func anUncheckedWalkReturnsDamagedBytesAndACheckedOneStopsAtThem() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (records, path) = try sealedLog(dir)
        let frame = try LogReader.open(directory: dir).view(0).frameOffset(of: 100)
        patch(path, at: frame + FrameHeader.size + 7, [records[99][7] ^ 0xFF])
        let reader = try LogReader.open(directory: dir)
        reader.verifyChecksums = false
        var read: [[UInt8]] = []
        try reader.forEach(through: 200) { _, bytes in read.append(Array(bytes)); return true }
        #expect(read.count == 200)
        #expect(read[99] != records[99] && read[98] == records[98] && read[100] == records[100])
        reader.verifyChecksums = true
        var seen = 0
        #expect(performing: { try reader.forEach { _, _ in seen += 1; return true } }, throws: { error in
            guard case LogError.corruption(let d) = error, d.reason == .checksumMismatch else { return false }
            return d.file == path && d.offset == frame
        })
        #expect(seen == 99)
    }

    struct Stop: Error, Equatable { let at: UInt64 }

    @Test func theCallersErrorAndEarlyStopEndTheWalkWhereTheyHappen() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (records, _) = try sealedLog(dir)
        let reader = try LogReader.open(directory: dir)
        var seen: [UInt64] = []
        #expect(throws: Stop(at: 70)) {
            try reader.forEach { sequence, bytes in
                #expect(Array(bytes) == records[Int(sequence) - 1])
                if sequence == 70 { throw Stop(at: sequence) }
                seen.append(sequence)
                return true
            }
        }
        #expect(seen == Array(1...69))
        seen = []
        #expect(throws: Stop(at: 130)) {
            try reader.forEachSpan(from: 65) { sequence, _ in
                if sequence == 130 { throw Stop(at: sequence) }
                seen.append(sequence)
                return true
            }
        }
        #expect(seen == Array(65...129))
        var last: UInt64 = 0
        try reader.forEach(from: 3) { sequence, _ in last = sequence; return sequence < 64 }
        #expect(last == 64)
    }
}
