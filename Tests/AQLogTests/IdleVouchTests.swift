import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A `.sync` batch is vouched durable only by the next commit frame, so the last batch of an
/// idle log had none: damage to it at rest read as a torn tail and recovery cut acknowledged
/// records. After ``GroupCommitter``'s idle delay the committer writes an empty frame vouching
/// for it, and the same damage is refused as corruption.
@Suite struct IdleVouchTests {
    /// A crashed `.sync` log of five 100-byte records, the last one damaged at rest; the
    /// committer's idle delay is `idleDelay`, and `vouched` says whether to wait for its frame.
    private func crashedLogWithDamagedLastRecord(_ dir: String, _ backend: Backend, idleDelay: Duration,
                                                 vouched: Bool) async throws -> [[UInt8]] {
        let log = try Log(directory: dir, options: smallSegments, storage: backend.storage())
        log.committer.setIdleVouchDelay(idleDelay)
        let sent = (0..<5).map { payload($0, size: 100) }
        for p in sent { try await log.append(p) }
        if vouched {
            #expect(await eventually(timeout: .seconds(60)) { log.committer.vouchedThrough == 5 })
        } else {
            #expect(log.committer.vouchedThrough == 4, "the last batch has no frame after it yet")
        }
        // The crash: the directory as it is now, not as close() would leave it (close marker).
        let image = dir + ".crash"
        try FileManager.default.copyItem(atPath: dir, toPath: image)
        try await log.close()
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.moveItem(atPath: image, toPath: dir)
        let segment = dir + "/" + segmentFiles(dir).last!
        let at = try #require(offset(of: sent[4], in: readFile(segment)))
        patch(segment, at: at + 10, [sent[4][10] ^ 0xFF])
        return sent
    }

    @Test(arguments: backends)
    func damageToAnIdleLogsLastBatchIsRefusedOnceVouched(_ backend: Backend) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try await crashedLogWithDamagedLastRecord(dir, backend, idleDelay: .milliseconds(5), vouched: true)
        #expect(throws: LogError.self) { try LogWriter.open(directory: dir) }
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption != nil)
        #expect(report.tornTail == nil)
    }

    /// The window the frame closes: before it is written, the same damage is taken for a torn
    /// tail and the acknowledged record is cut (what every idle log did before).
    @Test func beforeTheFrameTheSameDamageReadsAsATornTail() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sent = try await crashedLogWithDamagedLastRecord(dir, backends[0], idleDelay: .seconds(3600), vouched: false)
        let writer = try LogWriter.open(directory: dir)
        #expect(writer.recoveryReport.tornTail != nil)
        try writer.close()
        #expect(try readAll(dir) == Array(sent.prefix(4)))
    }

    @Test func aVouchedLogKeepsAppendingAndReadsBackExactly() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log.open(directory: dir, options: smallSegments)
        log.committer.setIdleVouchDelay(.milliseconds(2))
        var sent: [[UInt8]] = []
        for round in 0..<5 {
            for i in 0..<3 {
                sent.append(payload(round * 10 + i, size: 50 + i))
                try await log.append(sent.last!)
            }
            let last = UInt64(sent.count)
            #expect(await eventually(timeout: .seconds(60)) { log.committer.vouchedThrough == last }, "round \(round)")
        }
        try await log.close()
        #expect(try readAll(dir) == sent)
        let reopened = try LogWriter.open(directory: dir)
        #expect(reopened.recoveryReport.tornTail == nil)
        #expect(try reopened.append(payload(99)) == UInt64(sent.count) + 1)
        try reopened.close()
    }
}
