import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A `.sync` batch is vouched durable only by the next commit frame, so the last batch of an
/// idle log had none: damage to it at rest read as a torn tail and recovery cut acknowledged
/// records. After ``LogOptions/idleVouchDelay`` the committer writes an empty frame vouching
/// for it, and the same damage is refused as corruption.
@Suite struct IdleVouchTests {
    private func options(idle: Duration?) -> LogOptions {
        var o = smallSegments
        o.idleVouchDelay = idle
        return o
    }

    /// Copies `dir` as it is now (a crash: no close marker), closes `log`, puts the copy back.
    private func crash(_ log: Log, _ dir: String) async throws {
        let image = dir + ".crash"
        try FileManager.default.copyItem(atPath: dir, toPath: image)
        try await log.close()
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.moveItem(atPath: image, toPath: dir)
    }

    /// ``crash(_:_:)`` for a `LogWriter`.
    private func crash(_ writer: LogWriter, _ dir: String) throws {
        let image = dir + ".crash"
        try FileManager.default.copyItem(atPath: dir, toPath: image)
        try writer.close()
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.moveItem(atPath: image, toPath: dir)
    }

    /// Flips one payload byte of `record` in the last segment.
    private func damage(_ record: [UInt8], in dir: String) throws {
        let segment = dir + "/" + segmentFiles(dir).last!
        let at = try #require(offset(of: record, in: readFile(segment)))
        patch(segment, at: at + 10, [record[10] ^ 0xFF])
    }

    /// Recovery refuses `dir` with a corruption diagnosis (not a torn tail, not another error).
    private func expectCorruption(_ dir: String, reason: CorruptionReason? = nil) {
        do {
            let writer = try LogWriter.open(directory: dir)
            Issue.record("opened: recovery took the damage for \(String(describing: writer.recoveryReport.tornTail))")
            try? writer.close()
        } catch {
            guard case .corruption(let d) = error else { Issue.record("expected corruption, got \(error)"); return }
            if let reason { #expect(d.reason == reason) }
        }
    }

    /// A crashed `.sync` log of five 100-byte records, the last one damaged at rest; `vouched`
    /// says whether to wait for the committer's frame first.
    private func crashedLogWithDamagedLastRecord(_ dir: String, _ backend: Backend, idleDelay: Duration?,
                                                 vouched: Bool) async throws -> [[UInt8]] {
        let log = try Log(directory: dir, options: options(idle: idleDelay), storage: backend.storage())
        let sent = (0..<5).map { payload($0, size: 100) }
        for p in sent { try await log.append(p) }
        if vouched {
            #expect(await eventually(timeout: .seconds(60)) { log.committer.vouchedThrough == 5 })
        } else {
            #expect(log.committer.vouchedThrough == 4, "the last batch has no frame after it yet")
        }
        try await crash(log, dir)
        try damage(sent[4], in: dir)
        return sent
    }

    @Test(arguments: backends)
    func damageToAnIdleLogsLastBatchIsRefusedOnceVouched(_ backend: Backend) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try await crashedLogWithDamagedLastRecord(dir, backend, idleDelay: .milliseconds(5), vouched: true)
        expectCorruption(dir)
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption != nil)
        #expect(report.tornTail == nil)
    }

    /// The window the frame closes: before it is written, only the durable point the crashed
    /// writer left in `LOCK` says the last batch was acknowledged. With it, the damage is
    /// refused; without it (the `LOCK` record lost too), the same damage is taken for a torn
    /// tail and the acknowledged record is cut.
    @Test func beforeTheFrameTheSameDamageReadsAsATornTail() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try await crashedLogWithDamagedLastRecord(dir, backends[0], idleDelay: nil, vouched: false)
        expectCorruption(dir, reason: .damagedAcknowledgedData(durableThrough: 5))
        forgetPublishedProgress(dir)
        let writer = try LogWriter.open(directory: dir)
        #expect(writer.recoveryReport.tornTail != nil)
        try writer.close()
        #expect(try readAll(dir) == Array(sent.prefix(4)))
    }

    /// A crash inside the idle window leaves the last batch unvouched on disk; the next writer
    /// vouches for it once idle, so the window does not outlive the crash.
    @Test func aReopenedLogVouchesForTheBatchACrashLeftUnvouched() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let first = try Log.open(directory: dir, options: options(idle: nil))
        let sent = (0..<5).map { payload($0, size: 100) }
        for p in sent { try await first.append(p) }
        try await crash(first, dir)
        let second = try Log.open(directory: dir, options: options(idle: .milliseconds(2)))
        #expect(await eventually(timeout: .seconds(60)) { second.committer.vouchedThrough == 5 })
        try await crash(second, dir)
        try damage(sent[4], in: dir)
        expectCorruption(dir)
    }

    @Test func aVouchedLogKeepsAppendingAndReadsBackExactly() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log.open(directory: dir, options: options(idle: .milliseconds(2)))
        var sent: [[UInt8]] = []
        for round in 0..<5 {
            for i in 0..<3 {
                sent.append(payload(round * 10 + i, size: 50 + i))
                try await log.append(sent.last!)
            }
            let last = UInt64(sent.count)
            #expect(await eventually(timeout: .seconds(60)) { log.committer.vouchedThrough == last }, "round \(round)")
        }
        #expect(log.committer.vouchesWritten >= 5, "at least one per idle round")
        try await log.close()
        #expect(try readAll(dir) == sent)
        let reopened = try LogWriter.open(directory: dir)
        #expect(reopened.recoveryReport.tornTail == nil)
        #expect(try reopened.append(payload(99)) == UInt64(sent.count) + 1)
        try reopened.close()
    }

    /// A `LogWriter` has no committer thread: `markIdle()` writes the frame, and the same
    /// damage is refused; without it, the damage reads as a torn tail.
    @Test(arguments: backends)
    func aWriterMarkedIdleHasItsLastBatchVouched(_ backend: Backend) throws {
        for marked in [true, false] {
            let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
            let writer = try LogWriter(directory: dir, options: smallSegments, storage: backend.storage())
            let sent = (0..<5).map { payload($0, size: 100) }
            for p in sent { try writer.append(p) }
            #expect(writer.engine.marks.vouched == 4)
            if marked {
                try writer.markIdle()
                #expect(writer.engine.marks.vouched == 5)
            }
            try crash(writer, dir)
            try damage(sent[4], in: dir)
            if marked {
                expectCorruption(dir)
            } else {
                expectCorruption(dir, reason: .damagedAcknowledgedData(durableThrough: 5))
                forgetPublishedProgress(dir)
                let reopened = try LogWriter.open(directory: dir)
                #expect(reopened.recoveryReport.tornTail != nil)
                try reopened.close()
                #expect(try readAll(dir) == Array(sent.prefix(4)))
            }
        }
    }

    /// `markIdle()` costs a sync only when the last batch needs a frame: not twice, and not
    /// for a deferred batch that is not durable yet (its flush vouches for it).
    @Test func markIdleWritesOnlyWhenNeeded() throws {
        let tmp = TemporaryDirectory()
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: tmp.sub("sync"), options: smallSegments, storage: storage)
        try writer.append(payload(1))
        let afterAppend = storage.syncs
        try writer.markIdle()
        #expect(storage.syncs == afterAppend + 1)
        try writer.markIdle()
        #expect(storage.syncs == afterAppend + 1, "already vouched")
        try writer.close()
        #expect(storage.syncs == afterAppend + 1, "the idle frame makes the close marker redundant")

        let deferred = try LogWriter(directory: tmp.sub("deferred"), options: smallSegments, durability: .deferred,
                                     storage: storage)
        try deferred.append(payload(1))
        let before = storage.syncs
        try deferred.markIdle()
        #expect(storage.syncs == before)
        #expect(deferred.engine.marks.vouched == 0)
        try deferred.close()
        #expect(try readAll(tmp.sub("deferred")) == [payload(1)])
    }

    /// After an idle frame, `close()` has nothing to vouch for and writes nothing (the segment's
    /// bytes are unchanged, no sync); a log closed with its last batch unvouched still writes
    /// its synced close marker.
    @Test func closeAfterAnIdleFrameWritesNoSecondMarker() async throws {
        let tmp = TemporaryDirectory()
        for idle in [true, false] {
            let storage = RecordingStorage()
            let dir = tmp.sub(idle ? "idle" : "busy")
            let log = try Log(directory: dir, options: options(idle: idle ? .milliseconds(2) : nil), storage: storage)
            for i in 0..<3 { try await log.append(payload(i)) }
            if idle { #expect(await eventually(timeout: .seconds(60)) { log.committer.vouchedThrough == 3 }) }
            let segment = dir + "/" + segmentFiles(dir).last!
            let (before, bytesBefore) = (storage.syncs, readFile(segment))
            try await log.close()
            #expect(storage.syncs == before + (idle ? 0 : 1))
            #expect((readFile(segment) == bytesBefore) == idle, "a close marker written only when needed")
            let reopened = try LogWriter.open(directory: dir)
            #expect(reopened.recoveryReport.tornTail == nil)
            #expect(reopened.engine.marks.vouched == 3, "vouched on disk either way")
            try reopened.close()
        }
    }

    /// A deferred flush vouches with an unsynced frame, which a power loss may drop: it does not
    /// count as a durable vouch, so `close()` still writes and syncs its own marker.
    @Test func aDeferredFlushMarkerDoesNotExcuseTheCloseMarker() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: smallSegments, durability: .deferred, storage: storage)
        for i in 0..<3 { try writer.append(payload(i)) }
        try writer.flush()
        #expect(writer.engine.marks.vouched == 3, "the flush marker vouches")
        let before = storage.syncs
        try writer.close()
        #expect(storage.syncs == before + 1, "the synced close marker")
    }

    /// A deferred flush whose marker took the segment's last marker room: `close()` cannot add
    /// its own marker, so it syncs, making the flush's (unsynced) marker durable instead.
    @Test func aCloseWithoutRoomForItsMarkerSyncsTheFlushMarker() throws {
        let tmp = TemporaryDirectory()
        var exercised = 0
        for size in [0, 8, 16, 24, 32, 40, 48, 56] {
            let storage = RecordingStorage()
            let dir = tmp.sub("log-\(size)")
            let writer = try LogWriter(directory: dir, options: smallSegments, durability: .deferred, storage: storage)
            var sent: [[UInt8]] = []
            while writer.engine.fitsInActive(payloadLength: size) {
                sent.append(payload(sent.count, size: size))
                try writer.append(sent.last!)
            }
            try writer.flush()
            guard !writer.engine.hasRoomForMarker else { try writer.close(); continue }  // not the edge
            exercised += 1
            #expect(writer.engine.marks.durablyVouched < writer.engine.marks.vouched, "the flush marker is unsynced")
            let before = storage.syncs
            try writer.close()
            #expect(storage.syncs == before + 1, "close synced the flush marker (size \(size))")
            #expect(try readAll(dir) == sent)
        }
        #expect(exercised > 0, "some record size reaches a segment with no room for the close marker")
    }

    /// A log that never goes idle for the delay writes no vouching frames: each commit frame
    /// vouches for the batch before it.
    @Test func aBusyLogWritesNoVouchingFrames() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        // An hour: a suite running hundreds of tests on 2 cores can starve this task for half
        // a minute between two appends (seen), which is idle as far as the log can tell.
        let log = try Log.open(directory: dir, options: options(idle: .seconds(3600)))
        for i in 0..<200 { try await log.append(payload(i)) }
        #expect(log.committer.vouchesWritten == 0)
        try await log.close()
    }
}
