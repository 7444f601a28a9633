import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `verify` checks a sealed segment's frames window by window as it reads them
/// (``SegmentReadBuffer/window`` bytes at a time), resuming mid-batch and mid-frame at each
/// window's end. Its result must be what one scan of the whole segment gives, wherever the
/// window boundaries fall.
@Suite struct WindowedVerifyTests {
    /// A sealed 4 MiB segment (four windows) of 1000-byte records in batches of 7, plus the
    /// open segment after it. Returns the sealed segment's path.
    private func sealedLog(_ dir: String) throws -> String {
        var options = LogOptions(segmentSize: 4 << 20, backend: .posix)
        options.initialSegmentSize = 4 << 20
        let writer = try LogWriter.open(directory: dir, options: options, durability: .deferred)
        var i = 0
        while segmentFiles(dir).count < 2 {
            try writer.append(contentsOf: (0..<7).map { payload(i + $0, size: 1000) })
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
        #expect(readFile(sealed).count > 3 * SegmentReadBuffer.window)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == nil && report.tornTail == nil)
        #expect(report.segments.first?.sealed == true && report.segments.first?.problem == nil)
    }

    /// Damage in the frame that straddles a window boundary, in the header of the frame just
    /// after one, and deep in the last window: each found at that frame, as a whole scan finds it.
    @Test(arguments: [(1 << 20, 20), (2 << 20, 0), (3 << 20 + 12345, 100)])
    func damageIsFoundWhereverTheWindowsFall(boundary: Int, into: Int) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir)
        var bytes = readFile(sealed)
        let damaged = into == 0 ? frame(holding: boundary, in: bytes) + bytes.withUnsafeBytes { FrameHeader($0, at: frame(holding: boundary, in: bytes)).frameSize }
                                : frame(holding: boundary, in: bytes)
        let at = into == 0 ? damaged + 9 : damaged + FrameHeader.size + into  // a sequence byte, or a payload byte
        bytes[at] ^= 0x5A
        patch(sealed, at: at, [bytes[at]])
        let whole = bytes.withUnsafeBytes { b in
            SegmentScanner(bytes: b, file: sealed, header: try! SegmentHeader.decode(b).get().0).scan()
        }
        guard case .corruption(let expected) = whole.verdict else { Issue.record("a whole scan found \(whole.verdict)"); return }
        #expect(expected.offset == damaged)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == expected)
        #expect(report.segments.first?.problem == .corruption(expected))
    }
}
