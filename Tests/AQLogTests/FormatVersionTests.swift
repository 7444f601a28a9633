import Foundation
import Testing
@testable import AQLog
import AQTestSupport

/// The format's one version step: version 2 readers open version-1 logs, and a segment that
/// sets a required feature this version does not know is refused, never read, repaired or
/// compacted.
@Suite struct FormatVersionTests {
    /// Rewrites every segment of `dir` as a version-1 writer wrote it (bytes 52..<60 of the
    /// header zero, version 1 in header and trailer), re-chaining the checksums.
    func downgradeToVersion1(_ dir: String) {
        var previousTrailerCRC: UInt32 = 0
        for name in segmentFiles(dir) {
            let path = dir + "/" + name
            var bytes = readFile(path)
            bytes.withUnsafeMutableBytes { b in
                b.setU32(1, at: 8)
                b.setU32(0, at: 52)
                b.setU32(0, at: 56)
                if UnsafeRawBufferPointer(b).u32(at: 48) != 0 { b.setU32(previousTrailerCRC, at: 48) }
                let headerCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<60]))
                b.setU32(headerCRC, at: 60)
                let t = b.count - SegmentLayout.trailerSize
                if UnsafeRawBufferPointer(b).u64(at: t) == SegmentTrailer.magic {
                    b.setU32(1, at: t + 8)
                    b.setU32(headerCRC, at: t + 56)
                    previousTrailerCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[t..<(t + 60)]))
                    b.setU32(previousTrailerCRC, at: t + 60)
                }
            }
            writeFile(path, bytes)
        }
    }

    @Test func aLogWrittenByVersion1OpensReadsAndGrows() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeLog(dir, count: 1500, sizes: { _ in 100 })
        #expect(segmentFiles(dir).count >= 3)
        downgradeToVersion1(dir)
        let first = try #require(segmentFiles(dir).first)
        #expect(readFile(dir + "/" + first)[8] == 1)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
        #expect(try readAll(dir) == written)
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let more = (0..<700).map { payload(5000 + $0, size: 100) }
        for p in more { try w.append(p) }  // continues the version-1 open segment, then rolls into version 2
        try w.close()
        #expect(try readAll(dir) == written + more)
        #expect(readFile(dir + "/" + segmentFiles(dir).last!)[8] == 2)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
    }

    /// A version-1 open segment continued by this version gets no high-water mark: a
    /// version-1 writer after it keeps none and may append far past any mark, so every open
    /// scans that segment whole. Emulated: this version appends the later records, then
    /// `HIGHWATER` and `LOCK` are put back as a version-1 writer would have left them.
    @Test func aContinuedVersion1SegmentIsScannedWholeWhateverHIGHWATERSays() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.highWaterStep = SegmentLayout.blockSize
        _ = try makeLog(dir, count: 20, options: options, sizes: { _ in 100 })
        #expect(segmentFiles(dir).count == 1)
        downgradeToVersion1(dir)
        try? FileManager.default.removeItem(atPath: dir + "/HIGHWATER")
        var w = try LogWriter.open(directory: dir, options: options)
        for i in 0..<20 { try w.append(payload(100 + i, size: 100)) }
        try w.close()
        let highWater = readFile(dir + "/HIGHWATER"), lock = readFile(dir + "/LOCK")
        w = try LogWriter.open(directory: dir, options: options)
        for i in 0..<400 { try w.append(payload(200 + i, size: 100)) }
        try w.close()
        let all = try readAll(dir)
        #expect(all.count == 440)
        writeFile(dir + "/HIGHWATER", highWater)
        writeFile(dir + "/LOCK", lock)
        #expect(try readAll(dir).count == all.count, "a reader's first pass")
        try LogWriter.open(directory: dir, options: options).close()
        #expect(try readAll(dir) == all, "the writer's open")
    }

    @Test func headersRoundTripTheirDepthAndRefuseContradictions() throws {
        let id = LogID.random()
        var buffer = [UInt8](repeating: 0, count: SegmentLayout.headerSize)
        for depth in 1...SegmentHeader.maximumCommitDepth {
            let h = SegmentHeader(maxRecordSize: 1000, logID: id, baseSequence: 7, segmentSize: 1 << 20, previousDigest: 9,
                                  commitDepth: depth, inFlightBlocks: depth == 1 ? 0 : 64)
            buffer.withUnsafeMutableBytes { _ = h.encode(into: $0) }
            let decoded = try buffer.withUnsafeBytes { try SegmentHeader.decode($0).get() }.0
            #expect(decoded == h)
            #expect(decoded.requiredFeatures == (depth > 1 ? [.pipelinedCommits, .highWaterMark] : .highWaterMark))
        }
        func reencoded(_ edit: (UnsafeMutableRawBufferPointer) -> Void) -> Result<(SegmentHeader, UInt32), SegmentHeader.DecodeError> {
            var bytes = buffer
            return bytes.withUnsafeMutableBytes { b in
                edit(b)
                b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<60])), at: 60)
                return SegmentHeader.decode(UnsafeRawBufferPointer(b))
            }
        }
        // Depth 4 with the feature bit cleared, depth 0, depth 5, a reserved byte set.
        #expect(throws: SegmentHeader.DecodeError.inconsistentFields) { try reencoded { $0.setU32(0, at: 52) }.get() }
        #expect(throws: SegmentHeader.DecodeError.inconsistentFields) { try reencoded { $0.storeBytes(of: 0, toByteOffset: 56, as: UInt8.self) }.get() }
        #expect(throws: SegmentHeader.DecodeError.inconsistentFields) { try reencoded { $0.storeBytes(of: 5, toByteOffset: 56, as: UInt8.self) }.get() }
        #expect(throws: SegmentHeader.DecodeError.inconsistentFields) { try reencoded { $0.storeBytes(of: 1, toByteOffset: 57, as: UInt8.self) }.get() }
        #expect(throws: SegmentHeader.DecodeError.unsupportedFeatures(0x8000_0000)) {
            try reencoded { $0.setU32(SegmentFeatures.pipelinedCommits.rawValue | 0x8000_0000, at: 52) }.get()
        }
        // A version-1 header never had fields there.
        #expect(throws: SegmentHeader.DecodeError.inconsistentFields) {
            try reencoded { $0.setU32(1, at: 8); $0.setU32(0, at: 52); $0.setU32(1, at: 56) }.get()
        }
    }

    /// Sets an unknown required-feature bit in `path`'s header (a newer writer's segment).
    func setUnknownFeature(_ path: String) {
        var bytes = readFile(path)
        bytes.withUnsafeMutableBytes { b in
            b.setU32(UnsafeRawBufferPointer(b).u32(at: 52) | 1 << 30, at: 52)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<60])), at: 60)
        }
        writeFile(path, bytes)
    }

    @Test func anUnknownRequiredFeatureIsRefusedByWriterReaderRepairAndCompaction() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try makeLog(dir, count: 1500, sizes: { _ in 100 })
        let segments = segmentFiles(dir)
        try Checkpoint.write(directory: dir, sequence: 1400)
        let last = dir + "/" + segments.last!
        let before = segments.map { readFile(dir + "/" + $0) }
        setUnknownFeature(last)
        let expected = LogError.corruption(.init(file: last, offset: 52, reason: .unsupportedFeatures(1 << 30)))
        #expect(throws: expected) { try LogWriter.open(directory: dir, options: smallSegments) }
        #expect(throws: expected) { try LogReader.open(directory: dir) }
        #expect(throws: expected) { try LogRepair.repair(directory: dir) }
        #expect(throws: expected) { try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 0)).run() }
        #expect(try LogVerifier(directory: dir).verify().corruption?.reason == .unsupportedFeatures(1 << 30))
        #expect(segmentFiles(dir) == segments, "nothing compacted")
        #expect(Array(segments.dropLast()).map { readFile(dir + "/" + $0) } == Array(before.dropLast()), "nothing rewritten")
    }
}
