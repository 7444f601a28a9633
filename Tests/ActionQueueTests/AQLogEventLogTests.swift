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
}
