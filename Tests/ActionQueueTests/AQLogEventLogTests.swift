import Testing
import AQTestSupport
import AQLog
@testable import ActionQueue

/// The adapter over AQLog: an authority writes through it and recovery reads it back.
@Suite struct AQLogEventLogTests {
    @Test func authorityAndRecoveryOverTheSegmentLog() throws {
        let dir = TemporaryDirectory()
        var checkpoints: [UInt64] = []
        let log = try AQLogEventLog.open(directory: dir.path) { checkpoints.append($0) }
        let authority = try MutationAuthority(projection: ReplayReducer(), log: log)
        for (i, event) in runningPrefix.enumerated() {
            #expect(try authority.submit(MutationCommand(sequence: UInt64(i + 1), event: event)).sequence == UInt64(i + 1))
        }
        #expect(log.lastSequence == 6)
        let snapshots = TemporaryDirectory()
        let store = SnapshotStore(directory: snapshots.path)
        try SnapshotPublisher.publish(authority.projection, timestamp: 1, log: log, store: store)
        #expect(checkpoints == [6])
        #expect(throws: (any Error).self) { try log.append([0], expectedSequence: 9) }
        let recovered = try RecoveryBootstrap.recover(log: log, snapshots: nil)
        #expect(recovered.projection == authority.projection)
        #expect(try RecoveryBootstrap.recover(log: log, snapshots: store).snapshotSequence == 6)
    }

    /// After compaction the adapter walks what is left (its documented contract), so replay
    /// from a compacted start reports the missing head rather than a read failure.
    @Test func aCompactedHeadIsReportedAsMissingByReplay() throws {
        let dir = TemporaryDirectory()
        let log = try AQLogEventLog.open(directory: dir.path, options: LogOptions(segmentSize: 64 * 1024, backend: .posix))
        defer { try? log.writer.close() }
        for sequence in UInt64(1)...1_000 {
            _ = try log.append([UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 200), expectedSequence: sequence)
        }
        try log.writeCheckpoint(sequence: 700)
        #expect(try !Compactor(directory: dir.path).run().removed.isEmpty)
        let first = try LogReader.open(directory: dir.path).firstSequence
        try #require(first > 1)
        var seen: [UInt64] = []
        try log.forEach(from: 1) { sequence, _ in seen.append(sequence) }
        #expect(seen == Array(first...1_000))
        var projection = ReplayReducer()
        #expect(throws: RecoveryError.logHeadMissing(expected: 1, found: first)) {
            try LogReplayer.replay(log, from: 1, into: &projection)
        }
    }

    @Test func theDurabilityIsTheLogsAndCloseReleasesTheDirectory() throws {
        let dir = TemporaryDirectory()
        let deferred = try AQLogEventLog.open(directory: dir.path, durability: .deferred)
        let authority = try MutationAuthority(projection: ReplayReducer(), log: deferred)
        try authority.submit(MutationCommand(sequence: 1, event: taskCreated(1)), durability: .deferred)
        #expect(deferred.writer.durableSequence == 0, "a deferred append is not synced")
        try deferred.flush()
        #expect(deferred.writer.durableSequence == 1)
        try deferred.close()
        #expect(throws: LogError.closed) { _ = try deferred.append([0], expectedSequence: 2) }
        let synced = try AQLogEventLog.open(directory: dir.path)  // the lock was released
        _ = try synced.append(WalEvent(sequence: 2, event: taskCreated(2)).postcardBytes(), expectedSequence: 2)
        #expect(synced.writer.durableSequence == 2, "a .sync append is durable when it returns")
        try synced.close()
    }
}
