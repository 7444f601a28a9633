import Testing
import CCRC
@testable import AQLog

/// A scan accepts a batch only when each record frame carries the next sequence, whatever the
/// checksums say: a frame's checksum covers its sequence, so a frame written with another one
/// checks, and so do the batch's commit frame and digest written over it.
@Suite struct ScannedBatchTests {
    /// An open segment holding one batch of 100-byte records staged with `sequences`.
    func image(_ sequences: [UInt64]) -> [UInt8] {
        let size = 1 << 20
        var bytes = [UInt8](repeating: 0, count: size)
        let header = SegmentHeader(maxRecordSize: 4096, logID: LogID(high: 1, low: 2), baseSequence: 1,
                                   segmentSize: UInt64(size), previousDigest: 0, commitDepth: 1, inFlightBlocks: 16)
        bytes.withUnsafeMutableBytes { _ = header.encode(into: $0) }
        let batch = BatchBuffer(capacity: 64 * 1024)
        batch.reset(at: SegmentLayout.dataStart, prefix: UnsafeRawBufferPointer(start: nil, count: 0))
        for sequence in sequences {
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 100)
            payload.withUnsafeBytes { batch.stage($0, sequence: sequence, payloadChecksum: CRC32C.checksum($0)) }
        }
        batch.finish(durableThrough: 0)
        for (i, b) in batch.writeBytes.enumerated() { bytes[batch.fileOffset + i] = b }
        return bytes
    }

    func scan(_ bytes: [UInt8]) -> SegmentScanner.Result {
        bytes.withUnsafeBytes { b in
            let header = try! SegmentHeader.decode(b).get().0
            return SegmentScanner(bytes: b, file: "seg", header: header).scan()
        }
    }

    @Test func aBatchInSequenceIsAccepted() {
        let result = scan(image(Array(1...300)))
        #expect(result.verdict == .clean)
        #expect(result.offsets.count == 300)
    }

    /// Frames out of sequence inside a batch, early and past the first few hundred (the
    /// hardware engine checks them a few hundred at a call): nothing of the batch is accepted.
    @Test func aFrameOutOfSequenceRejectsItsBatch() {
        for wrong in [1, 2, 255, 256, 257, 299] {
            var sequences = Array(UInt64(1)...300)
            sequences[wrong] += 1000
            let result = scan(image(sequences))
            #expect(result.offsets.isEmpty, "frame \(wrong): \(result.offsets.count) accepted")
            #expect(result.verdict != .clean, "frame \(wrong)")
        }
    }

    /// The hardware engine's loop (`ccrc_check_batch_frames`) over a healthy batch: every
    /// record frame passes, a few hundred a call, over the whole segment or a window of it, and
    /// it stops at the commit frame.
    @Test func theHardwareLoopPassesAHealthyBatchWhole() {
        guard CRC32C.engine == .isal else { return }
        let bytes = image(Array(1...300))
        let frame = FrameHeader.frameSize(payloadLength: 100)
        for base in [0, SegmentLayout.dataStart] {
            bytes.withUnsafeBytes { all in
                let window = UnsafeRawBufferPointer(rebasing: all[base...])
                var offsets = [UInt32](repeating: 0, count: 256), checksums = offsets
                var end = 0
                let first = ccrc_check_batch_frames(window.baseAddress, base, SegmentLayout.dataStart, all.count, 1, 4096, 256,
                                                    &offsets, &checksums, &end)
                #expect(first == 256 && end == SegmentLayout.dataStart + 256 * frame, "base \(base)")
                #expect(offsets[255] == UInt32(SegmentLayout.dataStart + 255 * frame))
                #expect(checksums[255] == all.load(fromByteOffset: Int(offsets[255]), as: UInt32.self))
                let rest = ccrc_check_batch_frames(window.baseAddress, base, end, all.count, 257, 4096, 256, &offsets, &checksums, &end)
                #expect(rest == 44 && end == SegmentLayout.dataStart + 300 * frame, "base \(base)")
            }
        }
    }
}
