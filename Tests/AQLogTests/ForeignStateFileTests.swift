import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `CHECKPOINT` and `ARCHIVED` are written only at sequences the log already holds durably, so
/// one naming a sequence past the log's end belongs to another log (segments replaced by older
/// copies, the state files left behind) or was crafted: compaction removes nothing by it and
/// archiving refuses it, as for a damaged file, instead of removing or skipping segments of
/// this log it never covered.
@Suite struct ForeignStateFileTests {
    /// A log of 1500 records whose `CHECKPOINT` and `ARCHIVED` cover all of it, and a log of
    /// 600 records (the same shape) given those two files.
    private func logsWithForeignState(_ tmp: TemporaryDirectory) async throws -> (long: String, short: String) {
        let long = tmp.sub("long"), short = tmp.sub("short")
        try makeBatchedLog(long, count: 1500)
        try makeBatchedLog(short, count: 600)
        _ = try await LogArchiver(directory: long, send: MemoryArchive().send).run()
        try Checkpoint.write(directory: long, sequence: 1500)
        for name in [LogDirectoryLayout.checkpointFile, ArchiveState.fileName] {
            writeFile(short + "/" + name, readFile(long + "/" + name))
        }
        return (long, short)
    }

    @Test func compactionRemovesNothingByThem() async throws {
        let tmp = TemporaryDirectory()
        let (long, short) = try await logsWithForeignState(tmp)
        let segments = segmentFiles(short)
        let report = try Compactor(directory: short).run()
        #expect(report.removed.isEmpty)
        guard case .damaged(let damage) = report.checkpoint else { Issue.record("checkpoint \(report.checkpoint)"); return }
        #expect(damage.offset == 16 && damage.reason.contains("above the log's last sequence 600"), "\(damage)")
        guard case .damaged(let archived) = report.archive?.state else { Issue.record("archive \(String(describing: report.archive))"); return }
        #expect(archived.offset == 16, "\(archived)")
        #expect(segmentFiles(short) == segments)
        // The log they were written for compacts by them.
        #expect(try !Compactor(directory: long).run().removed.isEmpty)
    }

    @Test func archivingRefusesThem() async throws {
        let tmp = TemporaryDirectory()
        let (_, short) = try await logsWithForeignState(tmp)
        let archive = MemoryArchive()
        await #expect(performing: { _ = try await LogArchiver(directory: short, send: archive.send).run() }, throws: { error in
            guard case ArchiveError.damagedState(let damage) = error else { return false }
            return damage.offset == 16 && damage.reason.contains("past the log's last sealed sequence")
        })
        #expect(archive.names.isEmpty)
    }

    /// A log compacted down to an empty open segment (every record in the sealed segments it
    /// removed) still has a checkpoint and an archive state at its end: not damage. The run's
    /// report shows the archive as it leaves it.
    @Test func aLogCompactedToAnEmptyOpenSegmentKeepsItsStateFiles() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1500)
        let writer = try LogWriter.open(directory: dir, options: smallSegments)
        try writer.engine.roll()
        try writer.close()
        _ = try await LogArchiver(directory: dir, send: MemoryArchive().send).run()
        try Checkpoint.write(directory: dir, sequence: 1500)
        let first = try Compactor(directory: dir).run()
        #expect(!first.removed.isEmpty)
        let removed = Set(first.removed.map(\.fileName))
        #expect(first.archive?.segments.contains { removed.contains($0.fileName) } == false, "the archive as the run leaves it")
        let again = try Compactor(directory: dir).run()
        #expect(again.checkpoint == .recorded(1500), "\(again.checkpoint)")
        guard case .archived(let through) = again.archive?.state else { Issue.record("\(String(describing: again.archive))"); return }
        #expect(through == 1500)
        _ = try await LogArchiver(directory: dir, send: MemoryArchive().send).run()
    }
}
