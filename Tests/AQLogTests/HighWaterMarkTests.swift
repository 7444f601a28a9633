import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `HIGHWATER`: a writer's open scans the open segment up to the mark its last writer recorded
/// (zeros past it are trusted), so the open follows what the segment holds, not its size; a
/// missing, damaged or foreign record means a scan of the whole segment.
@Suite struct HighWaterMarkTests {
    private static let segmentSize = 64 << 20

    private func options() -> LogOptions {
        var options = LogOptions(segmentSize: Self.segmentSize, backend: .posix)
        options.initialSegmentSize = Self.segmentSize
        return options
    }

    /// A closed log of `records` records of 200 bytes in one 64 MiB segment.
    private func log(_ dir: String, records: Int) throws -> [[UInt8]] {
        let writer = try LogWriter.open(directory: dir, options: options())
        let sent = (0..<records).map { payload($0, size: 200) }
        try writer.append(contentsOf: sent)
        try writer.close()
        return sent
    }

    private func reopenScanned(_ dir: String) throws -> Int {
        let writer = try LogWriter.open(directory: dir, options: options())
        defer { try? writer.close() }
        return writer.recoveryReport.bytesScanned
    }

    @Test func anIdleLogsOpenScansUpToTheMarkNotTheSegment() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try log(dir, records: 10)
        let scanned = try reopenScanned(dir)
        #expect(scanned <= LogEngine.defaultHighWaterStep + SegmentLayout.blockSize, "scanned \(scanned) of a 64 MiB segment")
        #expect(try readAll(dir) == sent)
    }

    /// A reader's first pass reads the open segment up to the mark too; `verify` reads it whole.
    @Test func aReadersOpenScansUpToTheMarkAndVerifyReadsTheWholeSegment() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try log(dir, records: 10)
        let reader = try LogReader.open(directory: dir)
        #expect(reader.report.bytesScanned <= LogEngine.defaultHighWaterStep + SegmentLayout.blockSize, "scanned \(reader.report.bytesScanned)")
        #expect(try (1...10).map { try reader.record(UInt64($0)) } == sent)
        #expect(try LogVerifier(directory: dir).verify().bytesVerified == Self.segmentSize)
    }

    @Test func aLogWithMoreDataScansAboutTwiceWhatItHolds() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try log(dir, records: 40_000)  // about 9 MiB
        let data = 40_000 * FrameHeader.frameSize(payloadLength: 200)
        let scanned = try reopenScanned(dir)
        #expect(scanned >= data && scanned <= 2 * data + LogEngine.defaultHighWaterStep + 2 * SegmentLayout.blockSize, "scanned \(scanned)")
    }

    /// Damaged, foreign (another segment's) or missing: the whole segment is scanned, and the
    /// log opens with every record.
    @Test(arguments: ["damaged", "foreign", "missing"])
    func withoutAValidRecordTheWholeSegmentIsScanned(_ kind: String) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try log(dir, records: 10)
        let path = dir + "/HIGHWATER"
        switch kind {
        case "damaged": patch(path, at: 17, [0xFF])
        case "foreign": patch(path, at: 8, [0x02])  // another base sequence, checksum fixed below
            let bytes = readFile(path)
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<24])) }
            patch(path, at: 24, withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        default: try FileManager.default.removeItem(atPath: path)
        }
        #expect(try reopenScanned(dir) >= Self.segmentSize - 2 * SegmentLayout.blockSize)
        #expect(try readAll(dir) == sent)
    }

    /// An older copy of `HIGHWATER` (a file-level backup restored over the log's, say) marks
    /// less than the segment holds. No writer writes past its mark, so an intact record past it
    /// proves the copy stale: readers and the writer's open scan the whole segment, with or
    /// without `LOCK`'s durable point to refuse the shortfall, and nothing is cut.
    @Test(arguments: [false, true])
    func aStaleMarkBelowIntactRecordsIsPassed(removingLock: Bool) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var sent = try log(dir, records: 10)
        let old = readFile(dir + "/HIGHWATER")
        let writer = try LogWriter.open(directory: dir, options: options())
        let more = (10..<40_000).map { payload($0, size: 200) }  // about 9 MiB: past the old mark
        try writer.append(contentsOf: more)
        try writer.close()
        sent += more
        try Data(old).write(to: URL(fileURLWithPath: dir + "/HIGHWATER"))
        if removingLock { try FileManager.default.removeItem(atPath: dir + "/LOCK") }

        #expect(try readAll(dir) == sent)
        let reopened = try LogWriter.open(directory: dir, options: options())
        #expect(reopened.recoveryReport.staleHighWaterMark)
        #expect(reopened.recoveryReport.tornTail == nil)
        #expect(try reopened.append(payload(40_000, size: 200)) == 40_001)
        try reopened.close()
        #expect(try readAll(dir) == sent + [payload(40_000, size: 200)])
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
        let again = try LogWriter.open(directory: dir, options: options())
        #expect(!again.recoveryReport.staleHighWaterMark)
        try again.close()
    }

    /// The same beside the live writer: readers cannot tell a stale mark from one the writer
    /// raised since they read it, but records short of the durable point the writer published
    /// send them past the mark too, rather than refusing a healthy log.
    @Test func aStaleMarkBesideALiveWriterIsPassedByReaders() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var sent = try log(dir, records: 10)
        let old = readFile(dir + "/HIGHWATER")
        let writer = try LogWriter.open(directory: dir, options: options())
        let more = (10..<40_000).map { payload($0, size: 200) }
        try writer.append(contentsOf: more)
        sent += more
        try Data(old).write(to: URL(fileURLWithPath: dir + "/HIGHWATER"))
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 40_000)
        #expect(!reader.report.staleHighWaterMark, "beside a live writer a moved mark cannot be told from a stale one")
        #expect(try readAll(dir) == sent)
        try writer.close()
    }

    /// A stale mark (a block boundary, as every mark is) wherever it falls among the frames: at
    /// a record's start, inside a record, at a commit frame's start, inside one. Single-record
    /// batches put a commit frame every few hundred bytes. Without `LOCK`, nothing else would
    /// stop the open from cutting at the mark.
    @Test func aStaleMarkIsPassedWhereverItFallsAmongTheFrames() throws {
        let tmp = TemporaryDirectory(); let pristine = tmp.sub("log")
        let writer = try LogWriter.open(directory: pristine, options: options(), durability: .deferred)
        let sent = (0..<20_000).map { payload($0, size: 200) }
        for p in sent { _ = try writer.append(p) }
        try writer.close()
        let segment = try #require(segmentFiles(pristine).first)
        let bytes = readFile(pristine + "/" + segment)
        var frames: [(start: Int, size: Int, commit: Bool)] = []
        var at = SegmentLayout.dataStart
        while true {
            let h = bytes.withUnsafeBytes { FrameHeader(UnsafeRawBufferPointer($0), at: at) }
            guard h.sequence != 0 else { break }
            frames.append((at, h.frameSize, h.isCommit))
            at += h.frameSize
        }
        var cases: [String: Int] = [:]
        for block in stride(from: SegmentLayout.dataStart + SegmentLayout.blockSize, to: at - SegmentLayout.blockSize, by: SegmentLayout.blockSize) {
            guard let f = frames.first(where: { $0.start <= block && block < $0.start + $0.size }) else { continue }
            let name = (f.commit ? "commit " : "record ") + (f.start == block ? "start" : "inside")
            if cases[name] == nil { cases[name] = block }
        }
        #expect(cases.count == 4, "\(cases)")
        let original = try #require(HighWaterMark.read(storage: PosixStorage(), directory: pristine))
        for (name, mark) in cases.sorted(by: { $0.key < $1.key }) {
            let dir = tmp.sub(name.replacingOccurrences(of: " ", with: "-"))
            try FileManager.default.copyItem(atPath: pristine, toPath: dir)
            try FileManager.default.removeItem(atPath: dir + "/LOCK")
            var block = [UInt8](repeating: 0, count: HighWaterMark.fileSize)
            block.withUnsafeMutableBytes { HighWaterMark(headerChecksum: original.headerChecksum, baseSequence: original.baseSequence,
                                                         mark: mark, prefix: nil).encode(into: $0) }
            try Data(block).write(to: URL(fileURLWithPath: dir + "/HIGHWATER"))
            #expect(try readAll(dir) == sent, "\(name) at \(mark): a reader")
            let reopened = try LogWriter.open(directory: dir, options: options())
            #expect(reopened.recoveryReport.staleHighWaterMark, "\(name) at \(mark)")
            #expect(reopened.recoveryReport.tornTail == nil && reopened.lastSequence == 20_000, "\(name) at \(mark): \(reopened.recoveryReport)")
            try reopened.close()
        }
    }

    /// In the order the storage saw them: every write into a segment ends at or below the mark
    /// `HIGHWATER` holds for that segment, written (synced) before it; through rolls, seals
    /// and markers, with `Log` and `LogWriter`.
    @Test(arguments: [false, true])
    func noSegmentWriteEverPassesTheMarkRecordedBeforeIt(concurrent: Bool) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        var options = LogOptions(segmentSize: 8 << 20, backend: .posix)
        options.initialSegmentSize = 8 << 20
        let records = (0..<60_000).map { payload($0, size: 300) }  // about 2.5 segments
        if concurrent {
            let log = try Log(directory: dir, options: options, durability: .sync, storage: storage)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<8 { group.addTask { for i in stride(from: p, to: 4_000, by: 8) { _ = try await log.append(records[i]) } } }
                try await group.waitForAll()
            }
            _ = try await log.append(contentsOf: Array(records[4_000...]))
            try await log.close()
        } else {
            let writer = try LogWriter(directory: dir, options: options, durability: .deferred, storage: storage, backgroundPreparation: false)
            for start in stride(from: 0, to: records.count, by: 500) { try writer.append(contentsOf: Array(records[start..<(start + 500)])) }
            try writer.close()
        }
        // Only the active segment takes writes past its header block, and the last record written
        // to HIGHWATER is the active segment's (a handle keeps the name it was opened with:
        // `next.prealloc` for a segment activated from it).
        var mark: HighWaterMark?
        var segments = Set<UInt64>()
        var checked = 0
        for write in storage.state.withLock({ $0.writes }) {
            if let m = write.mark { mark = m; segments.insert(m.baseSequence); continue }
            guard SegmentName.baseSequence(of: write.name) != nil || write.name == LogDirectoryLayout.preparedSegment,
                  write.end > SegmentLayout.blockSize else { continue }
            #expect(write.end <= mark?.mark ?? 0, "\(write.name): a write ending at \(write.end) past the mark \(mark?.mark ?? 0)")
            checked += 1
        }
        #expect(checked > 100 && segments.count >= 3, "\(checked) writes into \(segments.count) segments checked")
    }

    /// A `HIGHWATER` that cannot be written (here a directory of that name) fails the first
    /// write that needs a mark, before any byte of it reaches the segment, with the file named.
    @Test func aMarkThatCannotBeRecordedFailsTheWriteNamingHIGHWATER() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try FileManager.default.createDirectory(atPath: dir + "/HIGHWATER", withIntermediateDirectories: true)
        let writer = try LogWriter.open(directory: dir, options: options())
        #expect { try writer.append(payload(0)) } throws: { error in
            guard case LogError.poisoned(let cause) = error else { return false }
            return cause.path.hasSuffix("/HIGHWATER") && cause.errno == .isDirectory
        }
        try? writer.close()
        #expect(try readAll(dir).isEmpty)
    }

    /// Bytes past the mark are never scanned (they were never written); once a later writer's
    /// mark covers them they are, and a stray frame there is damage after the records.
    @Test func theMarkMovesAheadOfTheWritesAndIsSyncedFirst() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try log(dir, records: 10)
        let first = HighWaterMark.read(storage: PosixStorage(), directory: dir)
        let mark = try #require(first?.mark, "the first write recorded a mark")
        #expect(mark > SegmentLayout.dataStart + LogEngine.defaultHighWaterStep && mark <= SegmentLayout.dataStart + LogEngine.defaultHighWaterStep + 8192)
        let writer = try LogWriter.open(directory: dir, options: options())
        try writer.append(contentsOf: (0..<30_000).map { payload($0, size: 200) })  // past the first mark
        let raised = HighWaterMark.read(storage: PosixStorage(), directory: dir)
        #expect((raised?.mark ?? 0) > (first?.mark ?? .max), "raised before the writes passed it")
        try writer.close()
    }
}
