import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `verify` streams a sealed segment through windows of ``SealedSegmentStream/window`` bytes
/// (more for a larger frame), resuming mid-batch at each window's end. Its result must be
/// what one scan of the whole segment gives, wherever the windows' ends fall.
@Suite struct WindowedVerifyTests {
    /// A sealed segment of `segmentSize` bytes (several windows) of `recordSize`-byte records
    /// in batches of 7, plus the open segment after it. Returns the sealed segment's path.
    private func sealedLog(_ dir: String, segmentSize: Int = 16 << 20, recordSize: Int = 1000) throws -> String {
        var options = LogOptions(segmentSize: segmentSize, backend: .posix)
        options.initialSegmentSize = segmentSize
        let writer = try LogWriter.open(directory: dir, options: options, durability: .deferred)
        var i = 0
        while segmentFiles(dir).count < 2 {
            try writer.append(contentsOf: (0..<7).map { payload(i + $0, size: recordSize) })
            i += 7
        }
        try writer.close()
        return dir + "/" + segmentFiles(dir)[0]
    }

    /// The offset of the frame that holds byte `offset` of the segment.
    private func frame(holding offset: Int, in bytes: [UInt8]) -> Int {
        var at = SegmentLayout.dataStart
        while true {
            let size = bytes.withUnsafeBytes { FrameHeader($0, at: at).frameSize }
            if at + size > offset { return at }
            at += size
        }
    }

    @Test func aHealthyMultiWindowSegmentVerifiesClean() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir)
        #expect(readFile(sealed).count > 4 * SealedSegmentStream.window)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == nil && report.tornTail == nil)
        #expect(report.segments.first?.sealed == true && report.segments.first?.problem == nil)
    }

    /// Records larger than a window: each window grows to hold the frame it starts with.
    @Test func recordsLargerThanAWindowVerifyClean() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir, segmentSize: 32 << 20, recordSize: 3 << 20)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == nil && report.segments.first?.problem == nil)
        // A byte flipped in the middle of the second record is found at that record.
        var bytes = readFile(sealed)
        let second = frame(holding: SegmentLayout.dataStart + (3 << 20) + 100, in: bytes)
        bytes[second + (3 << 19)] ^= 1
        patch(sealed, at: second + (3 << 19), [bytes[second + (3 << 19)]])
        #expect(try LogVerifier(directory: dir).verify().corruption?.offset == second)
    }

    /// Damage in a payload, or in a header, at offsets around and between window ends: each
    /// found at its frame, exactly as a scan of the whole segment finds it.
    @Test(arguments: [(2 << 20) - 3, 2 << 20, (2 << 20) + 700, (4 << 20) - 16, 6 << 20, (9 << 20) + 12345, (15 << 20) + 999])
    func damageIsFoundWhereverTheWindowsFall(at target: Int) throws {
        for inHeader in [false, true] {
            let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
            let sealed = try sealedLog(dir)
            var bytes = readFile(sealed)
            let damaged = frame(holding: target, in: bytes)
            let at = inHeader ? damaged + 9 : max(damaged + FrameHeader.size, target)  // a sequence byte, or a payload byte
            bytes[at] ^= 0x5A
            patch(sealed, at: at, [bytes[at]])
            let whole = bytes.withUnsafeBytes { b in
                SegmentScanner(bytes: b, file: sealed, header: try! SegmentHeader.decode(b).get().0).scan()
            }
            guard case .corruption(let expected) = whole.verdict else { Issue.record("a whole scan found \(whole.verdict)"); return }
            #expect(expected.offset == damaged)
            let report = try LogVerifier(directory: dir).verify()
            #expect(report.corruption == expected, "damage at \(at) (\(inHeader ? "header" : "payload"))")
            #expect(report.segments.first?.problem == .corruption(expected))
        }
    }
}
