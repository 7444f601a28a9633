import Testing
import AQTestSupport
import Foundation
import Synchronization
@testable import AQLog

@Suite struct LogWriterTests {
    @Test func createsAppendsAndReopens() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w.lastSequence == 0)
        #expect(try w.append(payload(1)) == 1)
        #expect(try w.append(payload(2)) == 2)
        #expect(w.durableSequence == 2)
        try w.close()
        #expect(throws: LogError.closed) { try w.append([1]) }
        let again = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(again.lastSequence == 2)
        #expect(try again.append(payload(3)) == 3)
        try again.close()
        #expect(try readAll(dir) == [payload(1), payload(2), payload(3)])
    }

    /// A `.sync` batch spanning a roll whose next segment cannot be prepared (`ENOSPC`): the
    /// part before the roll is durable when the call throws, and the log keeps working.
    @Test func aSyncBatchSpanningAFailedRollLeavesItsFirstPartDurable() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: smallSegments, storage: storage, backgroundPreparation: false)
        var sent: [[UInt8]] = []
        while segmentFiles(dir).count < 2 {  // the first roll uses the segment prepared at open
            sent.append(payload(sent.count, size: 100))
            try writer.append(sent.last!)
        }
        storage.state.withLock { $0.failPreallocation = .noSpace }
        var failed = false
        while !failed {
            let batch = (0..<37).map { payload(sent.count + $0, size: 100) }
            let before = writer.lastSequence
            do {
                try writer.append(contentsOf: batch)
                sent += batch
            } catch {
                guard case .io(let f) = error, f.errno == .noSpace else { Issue.record("unexpected \(error)"); return }
                failed = true
                let written = Int(writer.lastSequence - before)
                #expect(written > 0 && written < batch.count, "the roll split the batch")
                #expect(writer.durableSequence == writer.lastSequence, "the part before the roll is synced")
                sent += batch.prefix(written)
            }
        }
        storage.state.withLock { $0.failPreallocation = nil }
        let more = (0..<37).map { payload(sent.count + $0, size: 100) }
        try writer.append(contentsOf: more)
        sent += more
        try writer.close()
        #expect(try readAll(dir) == sent)
    }

    @Test func emptyLogOpensAndReadsNothing() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        try LogWriter.open(directory: dir, options: smallSegments).close()
        let r = try LogReader.open(directory: dir)
        #expect(r.lastSequence == 0)
        #expect(try readAll(dir).isEmpty)
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w.lastSequence == 0)
        #expect(w.recoveryReport.tornTail == nil)
        try w.close()
    }

    @Test func missingParentDirectoryIsATypedIOError() throws {
        let tmp = TemporaryDirectory()
        #expect {
            try LogWriter.open(directory: tmp.sub("no/such/parent"), options: smallSegments)
        } throws: { error in
            guard case .io(let f) = error as? LogError else { return false }
            return f.errno == .noSuchFileOrDirectory && f.path.hasSuffix("no/such/parent")
        }
        var noCreate = smallSegments
        noCreate.createIfMissing = false
        #expect(throws: LogError.notFound(path: tmp.sub("absent"))) { try LogWriter.open(directory: tmp.sub("absent"), options: noCreate) }
    }

    @Test func sequenceViolationLeavesTheLogIntactBeforeAndAfterRestart() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        try w.append(payload(1), expectedSequence: 1)
        #expect(throws: LogError.sequenceViolation(expected: 2, provided: 1)) { try w.append(payload(9), expectedSequence: 1) }
        #expect(throws: LogError.sequenceViolation(expected: 2, provided: 5)) { try w.append(payload(9), expectedSequence: 5) }
        #expect(try w.append(payload(2), expectedSequence: 2) == 2)
        try w.close()
        let r = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(throws: LogError.sequenceViolation(expected: 3, provided: 1)) { try r.append(payload(9), expectedSequence: 1) }
        #expect(throws: LogError.sequenceViolation(expected: 3, provided: 2)) { try r.append(payload(9), expectedSequence: 2) }
        #expect(try r.append(payload(3), expectedSequence: 3) == 3)
        try r.close()
        #expect(try readAll(dir) == [payload(1), payload(2), payload(3)])
    }

    @Test func recordTooLargeIsRefusedOnWriteAndLogUnchanged() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        var options = smallSegments
        options.maxRecordSize = 1000
        let w = try LogWriter.open(directory: dir, options: options)
        try w.append(payload(1))
        #expect(throws: LogError.recordTooLarge(size: 1001, limit: 1000)) { try w.append([UInt8](repeating: 1, count: 1001)) }
        #expect(throws: LogError.recordTooLarge(size: 1001, limit: 1000)) {
            try w.append(contentsOf: [payload(2), [UInt8](repeating: 1, count: 1001)])
        }
        #expect(try w.append([UInt8](repeating: 7, count: 1000)) == 2)
        try w.close()
        #expect(try readAll(dir).count == 2)
        #expect(throws: LogError.invalidOptions("max record size 1000000 does not fit a 65536-byte segment (largest \(SegmentLayout.largestRecord(segmentSize: 65536)))")) {
            var big = smallSegments
            big.maxRecordSize = 1_000_000
            _ = try LogWriter.open(directory: tmp.sub("other"), options: big)
        }
    }

    @Test func oversizedLengthIsRefusedOnReadWithTheSameLimit() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        var options = smallSegments
        options.maxRecordSize = 100
        try makeLog(dir, count: 3, options: options, sizes: { _ in 100 })
        let (path, end) = try openSegmentEnd(dir)
        // Forge a frame with length 101 and a correct checksum right after the data.
        var frame = [UInt8](repeating: 0, count: FrameHeader.size + 104)
        frame.withUnsafeMutableBytes { out in
            let body = [UInt8](repeating: 5, count: 101)
            _ = FrameHeader.write(into: out, at: 0, payloadLength: 101, isCommit: false, sequence: 4,
                                  payloadChecksum: CRC32C.checksum(body))
            for i in 0..<101 { out[16 + i] = 5 }
        }
        patch(path, at: end, frame)
        var strict = options
        strict.recoveryPolicy = .strict
        #expect {
            try LogWriter.open(directory: dir, options: strict)
        } throws: { error in
            guard case .tornTail(let t) = error as? LogError else { return false }
            return t.offset == end && t.reason == .oversizedLength(101)
        }
    }

    @Test func secondWriterGetsLogLocked() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(throws: LogError.logLocked(path: dir)) { try LogWriter.open(directory: dir, options: smallSegments) }
        try w.close()
        let w2 = try LogWriter.open(directory: dir, options: smallSegments)
        try w2.close()
    }

    /// `LOCK` removed by hand while its writer runs: a second writer (or a repair) is still
    /// refused (the writer also locks the directory), so it cannot write over the first one's
    /// records; once the first closes, the log opens with every record it acknowledged.
    @Test func aSecondWriterStaysOutAfterLOCKIsRemoved() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        _ = try w.append([1, 2, 3])
        try FileManager.default.removeItem(atPath: dir + "/LOCK")
        #expect(throws: LogError.logLocked(path: dir)) { try LogWriter.open(directory: dir, options: smallSegments) }
        #expect(throws: LogError.logLocked(path: dir)) { try LogRepair.repair(directory: dir) }
        _ = try w.append([4, 5])
        try w.close()
        let w2 = try LogWriter.open(directory: dir, options: smallSegments)
        #expect(w2.lastSequence == 2)
        try w2.close()
        #expect(try readAll(dir) == [[1, 2, 3], [4, 5]])
    }

    /// A lock let go within the contention window (as a just-closed writer's `LOCK` is once a
    /// concurrently spawned child has exec'd) is taken, not reported as another writer's.
    @Test func aLockReleasedWithinTheContentionWindowIsTaken() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        try LogWriter.open(directory: dir, options: smallSegments).close()
        let held = try PosixStorage().lockExclusive(dir + "/LOCK")
        Thread { usleep(5_000); held.release() }.start()  // its own thread: the pool may be busy
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        try w.close()
        // Held past the window: still another writer's.
        let kept = try PosixStorage().lockExclusive(dir + "/LOCK")
        #expect(throws: LogError.logLocked(path: dir)) { try LogWriter.open(directory: dir, options: smallSegments) }
        kept.release()
    }

    /// While another thread spawns processes, each child briefly holds this process's open
    /// files (until its exec), a just-closed writer's `LOCK` among them: reopening the log right
    /// after closing it must still succeed (it failed ~8% of the time before the contention window).
    @Test func aWriterReopensWhileAnotherThreadSpawnsProcesses() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let stop = Mutex(false)
        let spawner = Thread {
            while !stop.withLock({ $0 }) {
                var pid: pid_t = 0
                let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
                defer { free(argv[0]) }
                if posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0 { waitpid(pid, nil, 0) }
            }
        }
        spawner.start()
        defer { stop.withLock { $0 = true } }
        for i in 0..<300 {
            let w = try LogWriter.open(directory: dir, options: smallSegments)
            try w.append(payload(i))
            try w.close()
        }
        #expect(try readAll(dir).count == 300)
    }

    /// A leftover `next.prealloc` is adopted only when its whole data area reads as zeros: one
    /// holding frames (a segment whose rename a power loss undid) or any other byte written
    /// into it is zero-filled again, so nothing but zeros follows the records written into it.
    @Test(arguments: [0, 31_000, smallSegments.segmentSize - SegmentLayout.dataStart - 64], [Durability.sync, .deferred])
    func aPreparedFileHoldingAnythingButZerosIsNotAdopted(at offset: Int, durability: Durability) throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let prepared = dir + "/next.prealloc"
        let at = SegmentLayout.dataStart + offset
        let first = try LogWriter(directory: dir, options: smallSegments, durability: durability, storage: PosixStorage(), backgroundPreparation: false)
        for i in 0..<100 { try first.append(payload(i)) }  // a quarter of the segment: the next one is prepared
        try first.close()
        #expect(readFile(prepared).count == smallSegments.segmentSize, "a leftover of the segment size")
        patch(prepared, at: at, [UInt8](repeating: 0xAB, count: 64))
        let second = try LogWriter(directory: dir, options: smallSegments, durability: durability, storage: PosixStorage(), backgroundPreparation: false)
        #expect(readFile(prepared)[at..<(at + 64)].allSatisfy { $0 == 0 }, "zero-filled again, not adopted")
        // Written into and left open: the log still verifies clean (no stray byte past its records).
        for i in 100..<500 { try second.append(payload(i)) }
        try second.close()
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == nil && report.tornTail == nil)
    }

    /// A symbolic link planted as `next.prealloc` is replaced, never written through: the
    /// log's bytes stay inside its directory and the link's target is untouched.
    @Test func aLinkInThePreparedFilesPlaceIsReplacedNotFollowed() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let prepared = dir + "/next.prealloc", victim = tmp.sub("victim")
        try LogWriter(directory: dir, options: smallSegments, storage: PosixStorage(), backgroundPreparation: false).close()
        try Data(count: smallSegments.segmentSize).write(to: URL(fileURLWithPath: victim))
        try? FileManager.default.removeItem(atPath: prepared)
        try FileManager.default.createSymbolicLink(atPath: prepared, withDestinationPath: victim)
        let sent = (0..<1_000).map { payload($0) }  // several segments: each activates a prepared file
        let writer = try LogWriter(directory: dir, options: smallSegments, storage: PosixStorage(), backgroundPreparation: false)
        for p in sent { try writer.append(p) }
        try writer.close()
        #expect(readFile(victim).allSatisfy { $0 == 0 }, "the link's target was written")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(try names.allSatisfy { try FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.type] as? FileAttributeType != .typeSymbolicLink })
        #expect(try readAll(dir) == sent)
    }

    /// `next.prealloc` removed, replaced by another file, or replaced by a link while the writer
    /// runs (after it was prepared): the roll prepares again instead of renaming whatever is
    /// there into place, so no record goes into a file the directory no longer holds.
    @Test(arguments: ["removed", "replaced", "link"], [Durability.deferred, .sync])
    func aPreparedFileTamperedWithMeanwhileIsPreparedAgain(_ kind: String, durability: Durability) throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let prepared = dir + "/next.prealloc", victim = tmp.sub("victim")
        writeFile(victim, [1, 2, 3])
        let sent = (0..<1_000).map { payload($0) }
        let writer = try LogWriter(directory: dir, options: smallSegments, durability: durability, storage: PosixStorage(),
                                   backgroundPreparation: true)
        for p in sent[0..<150] { try writer.append(p) }  // past a quarter of the segment: the next one is prepared
        let deadline = Date().addingTimeInterval(10)
        while readFile(prepared).count != smallSegments.segmentSize && Date() < deadline { usleep(2_000) }
        #expect(readFile(prepared).count == smallSegments.segmentSize, "prepared")
        try FileManager.default.removeItem(atPath: prepared)
        switch kind {
        case "replaced": writeFile(prepared, [UInt8]("junk".utf8))
        case "link": try FileManager.default.createSymbolicLink(atPath: prepared, withDestinationPath: victim)
        default: break
        }
        for p in sent[150...] { try writer.append(p) }
        try writer.close()
        #expect(readFile(victim) == [1, 2, 3], "the link's target was written")
        #expect(try readAll(dir) == sent)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
    }

    /// Replaced in the instant between the preparer's look and the rename: the writer stops
    /// (an I/O error, nothing acknowledged into the unlinked file) and takes back the entry the
    /// rename made, so the log opens again with every record it acknowledged.
    @Test func aPreparedFileReplacedJustBeforeItsRenameStopsTheWriterAndLeavesTheLogOpenable() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: smallSegments, durability: .sync, storage: storage,
                                   backgroundPreparation: false)
        storage.beforeRename.withLock {
            $0 = { from, _ in
                guard from.hasSuffix("/next.prealloc") else { return }
                try? FileManager.default.removeItem(atPath: from)
                _ = FileManager.default.createFile(atPath: from, contents: Data("junk".utf8))
            }
        }
        var acknowledged: [[UInt8]] = []
        do {
            for i in 0..<2_000 { _ = try writer.append(payload(i)); acknowledged.append(payload(i)) }
            Issue.record("the roll went through a replaced file")
        } catch {
            #expect(String(describing: error).contains("next.prealloc was replaced"), "\(error)")
        }
        try? writer.close()
        #expect(!acknowledged.isEmpty)
        #expect(try readAll(dir) == acknowledged)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
    }

    @Test func rollingSealsSegmentsAndSeekLandsOnEveryRecord() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let written = try makeLog(dir, count: 2000, sizes: { $0 % 97 * 3 })
        let files = segmentFiles(dir)
        #expect(files.count >= 4)
        #expect(files.first == "00000000000000000001.seg")
        let reader = try LogReader.open(directory: dir)
        #expect(reader.segments.dropLast().allSatisfy { $0.isSealed })
        #expect(!reader.segments.last!.isSealed)
        for d in reader.segments {
            for s in [d.baseSequence, (d.baseSequence + d.lastSequence) / 2, d.lastSequence] where d.recordCount > 0 {
                #expect(try reader.record(s) == written[Int(s) - 1])
            }
        }
        var seen: [UInt64] = []
        try reader.forEach(from: 777, through: 1500) { s, bytes in
            #expect(Array(bytes) == written[Int(s) - 1])
            seen.append(s)
            return true
        }
        #expect(seen == Array(777...1500))
        #expect(throws: LogError.sequenceOutOfRange(2001, first: 1, last: 2000)) { try reader.record(2001) }
    }

    @Test func sealedSegmentsOpenWithoutReadingTheirRecords() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        try makeLog(dir, count: 3000, sizes: { _ in 200 })
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let report = w.recoveryReport
        try w.close()
        #expect(report.sealedSegments >= 8)
        // Two 64-byte reads per segment, and only the open segment is scanned.
        #expect(report.sealedBytesRead == report.segments * 128)
        let openBytes = report.bytesScanned
        #expect(openBytes <= 64 * 1024)
        #expect(report.records == 3000)
    }

    @Test func batchAppendIsOneCommitAndSpansRolls() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let batch = (0..<500).map { payload($0, size: 300) }
        #expect(try w.append(contentsOf: batch) == 1..<501)
        #expect(try w.append(contentsOf: []) == 501..<501)
        try w.close()
        #expect(segmentFiles(dir).count >= 3)
        #expect(try readAll(dir) == batch)
    }

    @Test func deferredDurabilitySyncsOnFlushAndClose() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments, durability: .deferred)
        try w.append(payload(1))
        try w.append(payload(2))
        #expect(w.durableSequence == 0)
        try w.flush()
        #expect(w.durableSequence == 2)
        try w.append(payload(3))
        try w.close()
        #expect(try readAll(dir) == [payload(1), payload(2), payload(3)])
    }

    @Test func zeroLengthAndMaximumRecordsRoundTrip() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let max = [UInt8](repeating: 0xEE, count: w.maxRecordSize)
        try w.append([])
        try w.append(max)
        try w.append([])
        try w.append(max)
        try w.close()
        #expect(try readAll(dir) == [[], max, [], max])
    }
}
