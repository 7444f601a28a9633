import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// After a power loss a `.deferred` log can hold a damaged batch followed by intact ones
/// (batches reach the disk in any order until a sync). When no commit frame vouches the damage
/// was ever synced, none of those records was acknowledged as durable: recovery removes the
/// damaged batch and everything after it as a torn tail (backed up, reported), by default and
/// under `discardUnsynced` alike, and refuses it under `strict`. Damage a frame vouches durable
/// stays corruption.
@Suite struct DiscardUnsyncedTests {
    /// A deferred log of `count` one-record batches of 100 bytes, left as a crash would leave
    /// it (no close marker), with one payload byte of record `damaged` changed; `flushAfter`
    /// syncs once after that record.
    func crashedDeferredLog(_ dir: String, count: Int, damaged: Int, flushAfter: Int? = nil) throws -> [[UInt8]] {
        let writer = try LogWriter.open(directory: dir, options: smallSegments, durability: .deferred)
        var sent: [[UInt8]] = []
        for i in 0..<count {
            sent.append(payload(i, size: 100))
            _ = try writer.append(sent[i])
            if i + 1 == flushAfter { try writer.flush() }
        }
        try replaceWithCrashImage(dir) { try writer.close() }
        let segment = dir + "/" + segmentFiles(dir).last!
        let bytes = readFile(segment)
        let target = sent[damaged - 1]
        let at = try #require(offset(of: target, in: bytes))
        patch(segment, at: at + 10, [target[10] ^ 0xFF])
        return sent
    }

    @Test func aWritersOpenRemovesDamageFollowedOnlyByUnsyncedBatches() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try crashedDeferredLog(dir, count: 6, damaged: 3)
        let segment = dir + "/" + segmentFiles(dir).last!
        let original = readFile(segment)
        let verify = try LogVerifier(directory: dir).verify()
        #expect(verify.corruption == nil)
        #expect(verify.tornTail != nil)
        #expect(verify.unsyncedAfterDamage?.unsyncedCommittedRecords == 3, "records 4-6 were never synced")
        var strict = smallSegments
        strict.recoveryPolicy = .strict
        #expect(throws: LogError.self) { try LogWriter.open(directory: dir, options: strict) }
        #expect(readFile(segment) == original, "strict changes nothing")

        let writer = try LogWriter.open(directory: dir, options: smallSegments)
        let torn = try #require(writer.recoveryReport.tornTail)
        #expect(torn.unsyncedCommittedRecords == 3)
        let backup = try #require(writer.recoveryReport.tornTailBackup)
        #expect(readFile(backup) == Array(original[torn.offset..<(torn.offset + torn.length)]), "the removed bytes were kept")
        #expect(try writer.append(payload(99)) == 3, "the log continues after the last intact record")
        try writer.close()
        #expect(try readAll(dir) == Array(sent.prefix(2)) + [payload(99)])
    }

    /// `repair` takes the same tail, with or without the policy that once named it.
    @Test(arguments: [RecoveryPolicy.truncateTornTail, .discardUnsynced])
    func repairRemovesDamageFollowedOnlyByUnsyncedBatches(_ policy: RecoveryPolicy) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try crashedDeferredLog(dir, count: 6, damaged: 3)
        let repaired = try LogRepair.repair(directory: dir, policy: policy)
        #expect(repaired.repaired && repaired.bytesRepaired > 0)
        #expect(repaired.tornTail?.unsyncedCommittedRecords == 3)
        #expect(FileManager.default.fileExists(atPath: try #require(repaired.backupPath)))
        #expect(try readAll(dir) == Array(sent.prefix(2)))
    }

    /// `flush()` leaves a frame vouching for what it synced, so flushed records are never taken
    /// for unsynced ones, even when nothing was appended after the flush.
    @Test func flushedRecordsAreNeverDiscardedEvenWithNothingAfterTheFlush() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try crashedDeferredLog(dir, count: 4, damaged: 2, flushAfter: 4)
        #expect(throws: LogError.self) { try LogRepair.repair(directory: dir, policy: .discardUnsynced) }
        #expect(try LogVerifier(directory: dir).verify().unsyncedAfterDamage == nil)
        // Without the damage, the flush marker is just another commit point.
        let clean = tmp.sub("clean")
        let writer = try LogWriter.open(directory: clean, options: smallSegments, durability: .deferred)
        for p in sent { _ = try writer.append(p) }
        try writer.flush()
        _ = try writer.append(payload(50, size: 100))
        try writer.close()
        #expect(try readAll(clean) == sent + [payload(50, size: 100)])
    }

    /// A deferred roll syncs and leaves a marker before the seal writes the index: a seal cut
    /// short after its index (no trailer, no next segment) still vouches for its records.
    @Test func aSealInterruptedAfterItsIndexStillVouchesForItsRecords() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: smallSegments, durability: .deferred)
        var sent: [[UInt8]] = []
        while segmentFiles(dir).count < 2 {
            sent.append(payload(sent.count, size: 100))
            _ = try writer.append(sent.last!)
        }
        try replaceWithCrashImage(dir) { try writer.close() }
        // The crash came after the index sync, before the trailer and the next segment's rename.
        let files = segmentFiles(dir)
        try FileManager.default.removeItem(atPath: dir + "/" + files[1])
        let first = dir + "/" + files[0]
        let size = readFile(first).count
        patch(first, at: size - SegmentLayout.trailerSize, [UInt8](repeating: 0, count: SegmentLayout.trailerSize))
        // Then the third record is damaged at rest.
        let bytes = readFile(first)
        let at = try #require(offset(of: sent[2], in: bytes))
        patch(first, at: at + 10, [sent[2][10] ^ 0xFF])
        #expect(throws: LogError.self) { try LogRepair.repair(directory: dir, policy: .discardUnsynced) }
        #expect(try LogVerifier(directory: dir).verify().unsyncedAfterDamage == nil)
    }

    /// Every segment a deferred log seals ends its frames with a marker (a commit frame right
    /// after the last batch's), however exactly the last batch filled the segment: appends
    /// leave room for it. Record sizes sweep the ways a segment can fill up.
    @Test func everySealedDeferredSegmentEndsWithAMarker() throws {
        let tmp = TemporaryDirectory()
        var missing: [Int] = []
        for size in stride(from: 40, through: 400, by: 8) {
            let dir = tmp.sub("log-\(size)")
            let writer = try LogWriter.open(directory: dir, options: smallSegments, durability: .deferred)
            var count = 0
            while segmentFiles(dir).count < 2 {
                _ = try writer.append(payload(count, size: size))
                count += 1
            }
            try writer.close()
            let sealed = readFile(dir + "/" + segmentFiles(dir)[0])
            let records = Int(UInt64(segmentFiles(dir)[1].prefix(20))! - 1)  // the next segment's base - 1
            let footer = SegmentLayout.indexOffset(segmentSize: sealed.count, recordCount: records)
            var at = SegmentLayout.dataStart
            var kinds: [Bool] = []  // isCommit, frame by frame
            while at + FrameHeader.size <= footer, sealed[at..<(at + FrameHeader.size)].contains(where: { $0 != 0 }) {
                let header = sealed.withUnsafeBytes { FrameHeader($0, at: at) }
                kinds.append(header.isCommit)
                at += header.frameSize
            }
            if kinds.suffix(2) != [true, true] { missing.append(size) }
        }
        #expect(missing.isEmpty, "sealed without a marker at record sizes \(missing)")
    }

    @Test func damageBelowAPointACommitFrameVouchesDurableStaysCorruption() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try crashedDeferredLog(dir, count: 6, damaged: 3, flushAfter: 4)
        let before = segmentFiles(dir).map { readFile(dir + "/" + $0) }
        #expect(throws: LogError.self) { try LogRepair.repair(directory: dir, policy: .discardUnsynced) }
        let verify = try LogVerifier(directory: dir).verify()
        #expect(verify.corruption != nil && verify.unsyncedAfterDamage == nil)
        #expect(segmentFiles(dir).map { readFile(dir + "/" + $0) } == before, "nothing changed")
    }
}
