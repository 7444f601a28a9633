import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct LogArchiverTests {
    @Test func sendsEachSealedSegmentOnceOldestFirstAndNeverTheOpenOne() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let segs = try descriptors(dir)
        let sealed = segs.filter(\.isSealed)
        #expect(sealed.count >= 4 && !segs.last!.isSealed)
        let archive = MemoryArchive()
        let report = try await LogArchiver(directory: dir, send: archive.send).run()
        #expect(archive.names == sealed.map(\.fileName))
        #expect(report.sent.map(\.fileName) == sealed.map(\.fileName))
        #expect(report.status.state == .archived(through: sealed.last!.lastSequence))
        for d in sealed { #expect(archive.object(d.fileName) == readFile(d.path)) }
        let again = try await LogArchiver(directory: dir, send: archive.send).run()
        #expect(again.sent.isEmpty, "a second run sends nothing already archived")
        #expect(archive.names.count == sealed.count)
    }

    @Test func aFailedSendStopsTheRunAndTheNextRunResumesThere() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let sealed = try descriptors(dir).filter(\.isSealed)
        let archive = MemoryArchive()
        archive.failing = [sealed[2].fileName]
        await #expect {
            _ = try await LogArchiver(directory: dir, send: archive.send).run()
        } throws: { error in
            guard case .sendFailed(let segment, _) = error as? ArchiveError else { return false }
            return segment == sealed[2].path
        }
        #expect(archive.names == sealed[0..<2].map(\.fileName), "nothing after the failed segment is sent")
        #expect(try ArchiveState.read(directory: dir) == .archived(through: sealed[1].lastSequence))
        let report = try await LogArchiver(directory: dir, send: archive.send).run()
        #expect(report.sent.map(\.fileName) == sealed[2...].map(\.fileName))
    }

    @Test func aDamagedSealedSegmentIsNeverSent() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let sealed = try descriptors(dir).filter(\.isSealed)
        var bytes = readFile(sealed[1].path)
        bytes[9000] ^= 0x10
        writeFile(sealed[1].path, bytes)
        let archive = MemoryArchive()
        await #expect {
            _ = try await LogArchiver(directory: dir, send: archive.send).run()
        } throws: { error in
            guard case .log(.corruption(let d)) = error as? ArchiveError else { return false }
            return d.file == sealed[1].path
        }
        #expect(archive.names == [sealed[0].fileName])
    }

    /// Damage a reader's open finds (a sealed trailer, so the segment reads as unsealed before
    /// the last; the last segment gone) is refused with the reader's diagnosis, before anything
    /// is sent or the archive state is recorded: never blamed on `ARCHIVED`, never "nothing to do".
    @Test func aLogAReaderRefusesIsRefusedBeforeAnythingIsRecorded() async throws {
        for damage in ["trailer", "last segment"] {
            let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
            try makeBatchedLog(dir, count: 1500)
            let segs = try descriptors(dir)
            if damage == "trailer" {
                patch(segs[0].path, at: segs[0].segmentSize - 20, [readFile(segs[0].path)[segs[0].segmentSize - 20] ^ 0xFF])
            } else {
                try FileManager.default.removeItem(atPath: segs.last!.path)
            }
            var expected: CorruptionDiagnosis?
            do { _ = try LogReader.open(directory: dir) } catch { if case .corruption(let d) = error { expected = d } }
            try #require(expected != nil, "\(damage)")
            let archive = MemoryArchive()
            await #expect {
                _ = try await LogArchiver(directory: dir, send: archive.send).run()
            } throws: { error in
                guard case .log(.corruption(let d)) = error as? ArchiveError else { return false }
                return d == expected
            }
            #expect(archive.names.isEmpty, "\(damage)")
            #expect(try ArchiveState.read(directory: dir) == .notArchiving, "\(damage)")
        }
    }

    /// `ARCHIVED` is recorded only at a sealed segment's end: a value inside a segment (another
    /// log's, with other segment sizes) would pass the segments before it as sent. Damaged to
    /// the archive run, its status and compaction alike; one below every segment present is an
    /// archive compaction caught up with.
    @Test func anArchiveStateInsideASegmentIsDamaged() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let sealed = try descriptors(dir).filter(\.isSealed)
        try ArchiveState.record(through: sealed[1].baseSequence + 3, directory: dir, storage: PosixStorage())
        let archive = MemoryArchive()
        await #expect {
            _ = try await LogArchiver(directory: dir, send: archive.send).run()
        } throws: { error in
            guard case .damagedState(let d) = error as? ArchiveError else { return false }
            return d.reason.contains("inside a segment")
        }
        #expect(archive.names.isEmpty)
        guard case .damaged = try ArchiveStatus.read(directory: dir).state else { Issue.record("status not damaged"); return }
        #expect(try Compactor(directory: dir).plan().archive.map { if case .damaged = $0.state { true } else { false } } == true)
        try ArchiveState.record(through: sealed[1].lastSequence, directory: dir, storage: PosixStorage())
        #expect(try ArchiveStatus.read(directory: dir).state == .archived(through: sealed[1].lastSequence))
    }

    @Test func compactionKeepsWhatIsNotArchivedAndTheCheckpointRecordsTheHold() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let sealed = try descriptors(dir).filter(\.isSealed)
        let archive = MemoryArchive()
        archive.failing = [sealed[2].fileName]
        archive.failForever = true
        _ = try? await LogArchiver(directory: dir, send: archive.send).run()
        try Checkpoint.write(directory: dir, sequence: sealed.last!.lastSequence)
        // An older binary knows no archive hold: the checkpoint file must say there is one.
        #expect(try Checkpoint.readContent(directory: dir, storage: PosixStorage()).holdsForTest == [.archive])
        let report = try Compactor(directory: dir).run()
        #expect(report.removed.map(\.fileName) == sealed[0..<2].map(\.fileName))
        #expect(report.heldByArchive)
        #expect(report.archive?.held.map(\.fileName) == sealed[2...].map(\.fileName))
        #expect(segmentNames(dir).first == sealed[2].fileName)
        archive.failing = []
        _ = try await LogArchiver(directory: dir, send: archive.send).run()
        let after = try Compactor(directory: dir).run()
        #expect(after.removed.map(\.fileName) == sealed[2...].map(\.fileName))
        #expect(!after.heldByArchive)
    }

    @Test func aDamagedArchiveStateRemovesNothingAndStopArchivingIsTheWayOut() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let archive = MemoryArchive()
        _ = try await LogArchiver(directory: dir, send: archive.send).run()
        let statePath = dir + "/" + ArchiveState.fileName
        var bytes = readFile(statePath)
        bytes[17] ^= 1
        writeFile(statePath, bytes)
        guard case .damaged(let damage) = try ArchiveState.read(directory: dir) else { Issue.record("not damaged"); return }
        #expect(damage.offset == 24 && damage.file == statePath)
        try Checkpoint.write(directory: dir, sequence: 1500)
        let report = try Compactor(directory: dir).run()
        #expect(report.removed.isEmpty && report.heldByArchive)
        await #expect(throws: ArchiveError.self) { _ = try await LogArchiver(directory: dir, send: archive.send).run() }
        try ArchiveState.stopArchiving(directory: dir)
        #expect(try ArchiveState.read(directory: dir) == .notArchiving)
        #expect(try Checkpoint.readContent(directory: dir, storage: PosixStorage()).holdsForTest == [])
        let before = segmentNames(dir).count
        #expect(try Compactor(directory: dir).run().removed.count == before - 1, "the checkpoint alone decides again")
    }

    @Test func aSecondArchiverIsRefusedWhileOneRuns() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 600)
        let held = try PosixStorage().lockExclusive(dir + "/" + LogArchiver.lockFile)
        defer { held.release() }
        await #expect {
            _ = try await LogArchiver(directory: dir, send: MemoryArchive().send).run()
        } throws: { error in
            guard case .log(.logLocked(let path)) = error as? ArchiveError else { return false }
            return path.hasSuffix(LogArchiver.lockFile)
        }
    }
}

extension Checkpoint.Content {
    /// The holds a valid file records (nil when absent or damaged).
    var holdsForTest: CompactionHolds? {
        if case .valid(let content) = self { return content.holds }
        if case .absent = self { return [] }
        return nil
    }
}
