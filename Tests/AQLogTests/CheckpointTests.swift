import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct CheckpointTests {
    func checkpointPath(_ dir: String) -> String { dir + "/" + LogDirectoryLayout.checkpointFile }

    @Test func absentThenWrittenThenReplaced() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 100)
        #expect(try Checkpoint.read(directory: dir) == .absent)
        try Checkpoint.write(directory: dir, sequence: 40)
        #expect(try Checkpoint.read(directory: dir) == .recorded(40))
        try Checkpoint.write(directory: dir, sequence: 100)
        #expect(try Checkpoint.read(directory: dir).sequence == 100)
        #expect(readFile(checkpointPath(dir)).count == CheckpointFormat.size)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(Checkpoint.temporaryPrefix) }
        #expect(leftovers.isEmpty, "the temporary file is renamed away")
    }

    @Test func refusesASequenceAboveTheLastDurableOne() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        try Checkpoint.write(directory: dir, sequence: 5)
        #expect(throws: LogError.self) { try Checkpoint.write(directory: dir, sequence: 11) }
        #expect(try Checkpoint.read(directory: dir) == .recorded(5), "a refused write changes nothing")
        #expect(throws: LogError.notFound(path: tmp.sub("none"))) { try Checkpoint.write(directory: tmp.sub("none"), sequence: 1) }
    }

    /// A live `.deferred` writer has acknowledged records a power loss could still take: a
    /// checkpoint above them is refused until they are flushed.
    @Test func refusesASequenceALiveDeferredWriterHasNotSynced() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20), durability: .deferred)
        for i in 0..<10 { try writer.append(payload(i)) }
        #expect(try LogReader.open(directory: dir).lastSequence == 10, "acknowledged, readable")
        #expect(throws: LogError.self) { try Checkpoint.write(directory: dir, sequence: 10) }
        try writer.flush()
        try Checkpoint.write(directory: dir, sequence: 10)
        try writer.append(payload(10))
        #expect(throws: LogError.self) { try Checkpoint.write(directory: dir, sequence: 11) }
        try writer.close()
        try Checkpoint.write(directory: dir, sequence: 11)
        #expect(try Checkpoint.read(directory: dir) == .recorded(11))
    }

    /// A writer that is still opening (it has published nothing) does not make recovered
    /// records undurable: a cron's checkpoint at that moment is accepted, as with no writer.
    @Test func acceptsRecoveredRecordsWhileAWriterOpens() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        let opening = try PosixStorage().lockExclusive(dir + "/LOCK")
        _ = try opening.startPublishing()
        try Checkpoint.write(directory: dir, sequence: 10)
        #expect(throws: LogError.self) { try Checkpoint.write(directory: dir, sequence: 11) }
        opening.release()
        #expect(try Checkpoint.read(directory: dir) == .recorded(10))
    }

    @Test func refusesWhileTheLogIsCorrupt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        let seg = dir + "/" + segmentFiles(dir)[0]
        patch(seg, at: 0, [0xFF, 0xFF])
        #expect { try Checkpoint.write(directory: dir, sequence: 1) } throws: { error in
            if case .corruption = error as? LogError { return true } else { return false }
        }
    }

    @Test func tornFileIsDamagedNotASmallerOrLargerValue() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        try Checkpoint.write(directory: dir, sequence: 7)
        let full = readFile(checkpointPath(dir))
        for cut in [0, 1, 8, 16, 23, 24, 31] {
            writeFile(checkpointPath(dir), Array(full[0..<cut]))
            guard case .damaged(let damage) = try Checkpoint.read(directory: dir) else {
                Issue.record("a \(cut)-byte checkpoint must be damaged"); continue
            }
            #expect(damage.file == checkpointPath(dir))
            #expect(damage.offset == cut)
            #expect(damage.description.contains("treated as no checkpoint"))
        }
        writeFile(checkpointPath(dir), full + [0])
        #expect(try Checkpoint.read(directory: dir).sequence == nil, "trailing bytes are damage too")
    }

    @Test func everySingleBitFlipIsDetected() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 10)
        try Checkpoint.write(directory: dir, sequence: 3)
        let good = readFile(checkpointPath(dir))
        for byte in 0..<good.count {
            for bit in 0..<8 {
                var bad = good
                bad[byte] ^= UInt8(1 << bit)
                writeFile(checkpointPath(dir), bad)
                let status = try Checkpoint.read(directory: dir)
                guard case .damaged(let damage) = status else {
                    Issue.record("flip of bit \(bit) in byte \(byte) gave \(status)"); return
                }
                if byte >= 28 { #expect(damage.offset == 28, "a flip in the reserved word is located there: \(damage)") }
            }
        }
    }

    @Test func compactionTreatsADamagedCheckpointAsNoneAndRemovesNothing() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 1200)
        try Checkpoint.write(directory: dir, sequence: 1200)
        // Forge a larger value without fixing the checksum: must not be believed.
        patch(checkpointPath(dir), at: 16, [0xFF, 0xFF])
        let before = segmentFiles(dir)
        let report = try Compactor(directory: dir, retention: RetentionPolicy(keepSegments: 1)).run()
        guard case .damaged = report.checkpoint else { Issue.record("expected damaged, got \(report.checkpoint)"); return }
        #expect(report.removed.isEmpty)
        #expect(segmentFiles(dir) == before)
        #expect(try readAll(dir) == written)
    }
}
