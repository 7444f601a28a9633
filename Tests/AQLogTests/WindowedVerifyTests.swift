import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `verify` streams a sealed segment through windows of ``SegmentStream/window`` bytes
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
        let size = readFile(sealed).count
        #expect(size >= 4 * SegmentStream.window)
        let storage = RecordingStorage()
        let report = try LogVerifier(directory: dir, storage: storage).verify()
        #expect(report.corruption == nil && report.tornTail == nil)
        #expect(report.segments.first?.sealed == true && report.segments.first?.problem == nil)
        // Each byte read once, but for the frame each window cuts (read again with the next
        // one) and the segment's ends, which recovery reads before the stream.
        let read = storage.state.withLock { $0.bytesRead[LogDirectoryLayout.name(of: sealed)] ?? 0 }
        #expect(read >= size && read <= size + 8 * SegmentLayout.blockSize, "\(read) bytes read of \(size)")
    }

    /// Each window after the first is read ahead on another thread while the one before it is
    /// checked. A read-ahead that fails is read again in line: a failure that passes costs
    /// nothing, one that persists is reported as the I/O error it is, at its offset.
    @Test(arguments: [1, 3])
    func aFailedReadAheadIsReadAgainAndOnlyAPersistentFailureIsReported(times: Int) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir)
        let storage = RecordingStorage()
        let offset = 2 * SegmentStream.window + 4096
        storage.state.withLock { $0.failReads = (LogDirectoryLayout.name(of: sealed), offset, times) }
        if times == 1 {
            let report = try LogVerifier(directory: dir, storage: storage).verify()
            #expect(report.corruption == nil && report.segments.first?.problem == nil)
        } else {
            #expect {
                _ = try LogVerifier(directory: dir, storage: storage).verify()
            } throws: { error in
                guard case LogError.io(let failure) = error else { return false }
                return failure.errno == .ioError && failure.path == sealed
            }
        }
        // Read ahead, then read again in line (and, when that failed too, no more): the window
        // read again is the only one read twice.
        #expect(storage.state.withLock { $0.readsOfFailingOffset } == 2)
        if times == 1 {
            let size = readFile(sealed).count
            let read = storage.state.withLock { $0.bytesRead[LogDirectoryLayout.name(of: sealed)] ?? 0 }
            #expect(read >= size && read <= size + 8 * SegmentLayout.blockSize, "\(read) bytes read of \(size)")
        }
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
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7].map { [w = SegmentStream.window] i in
        [w - 3, w, w + 700, 2 * w - 16, 5 * w / 2, 3 * w - 999, 3 * w + 12345][i - 1]
    })
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

    /// Damage inside the last batch of a sealed `.sync` segment, nothing committed after it and
    /// no frame claiming the batch durable: where an open segment would have a torn tail from
    /// the batch's start, a sealed one has corruption at the damaged frame, and `verify` counts
    /// the records committed before that batch.
    @Test func damageInASealedSegmentsLastBatchIsNamedAtItsFrame() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: smallSegments, durability: .sync)
        _ = try writer.append(contentsOf: (0..<3).map { payload($0, size: 100) })
        _ = try writer.append(contentsOf: (3..<303).map { payload($0, size: 100) })
        // Does not fit: its first records end the first segment, as a batch of their own, and
        // the rest go on in the next.
        _ = try writer.append(contentsOf: (303..<503).map { payload($0, size: 100) })
        try writer.close()
        let sealed = dir + "/" + segmentFiles(dir)[0]
        let reader = try LogReader.open(directory: dir)
        let last = reader.segments[0].lastSequence
        try #require(reader.segments.count == 2 && last > 400 && last < 503, "\(reader.segments.map { ($0.baseSequence, $0.lastSequence) })")
        let damaged = try reader.view(0).frameOffset(of: 400)
        patch(sealed, at: damaged + FrameHeader.size + 40, [readFile(sealed)[damaged + FrameHeader.size + 40] ^ 0x01])
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == CorruptionDiagnosis(file: sealed, offset: damaged, reason: .checksumMismatch))
        #expect(report.recordsVerified == 303 + (503 - Int(last)))
    }
}
