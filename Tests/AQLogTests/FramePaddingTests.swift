import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A frame ends on an 8-byte boundary, and the bytes between its payload and that boundary are
/// zero on disk (docs/FORMAT.md), whatever the writer's staging memory held before: no byte of
/// one record ever lands in another's frame.
@Suite struct FramePaddingTests {
    @Test(arguments: [AQLog.Backend.posix, .uring])
    func paddingAfterEveryPayloadIsZeroOnDisk(_ backend: AQLog.Backend) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: backend),
                                        durability: .deferred)
        // Long records of 0xFF first, so the staging memory holds non-zero bytes where the
        // padding of the shorter records after them falls; then short ones of every length mod 8.
        for _ in 0..<4 { try writer.append(contentsOf: (0..<64).map { _ in [UInt8](repeating: 0xFF, count: 999) }) }
        for _ in 0..<4 { try writer.append(contentsOf: (0..<64).map { i in [UInt8](repeating: 0x11, count: 1 + i % 23) }) }
        try writer.close()
        let bytes = readFile(dir + "/" + segmentFiles(dir)[0])
        var at = SegmentLayout.dataStart, frames = 0, padded = 0
        bytes.withUnsafeBytes { b in
            while at + FrameHeader.size <= b.count {
                let h = FrameHeader(b, at: at)
                if h.length == 0 && !h.isCommit && h.sequence == 0 { break }  // the end of what was written
                let payloadEnd = at + FrameHeader.size + Int(h.length)
                let nonzero = (payloadEnd..<(at + h.frameSize)).filter { b[$0] != 0 }
                #expect(nonzero.isEmpty, "frame at \(at) (sequence \(h.sequence)): padding bytes \(nonzero) not zero")
                if payloadEnd < at + h.frameSize { padded += 1 }
                frames += 1
                at += h.frameSize
                // Pipelined batches may start on the next block: zeros up to it.
                if b.u64(at: at) == 0 && b.u64(at: at + 8) == 0 && at % SegmentLayout.blockSize != 0 {
                    let next = alignUp(at, SegmentLayout.blockSize)
                    if next + 16 <= b.count, b.u64(at: next) != 0 { at = next }
                }
            }
        }
        #expect(frames >= 512 && padded >= 200, "\(frames) frames walked, \(padded) of them padded")
    }
}
