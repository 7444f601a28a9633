import Testing
@testable import ActionQueue

/// The multi-event record: its wire form beside the single-event one, and atomic replay.
@Suite struct WalRecordTests {
    @Test func aSingleEventRecordIsTheEventsBytesAndOldPayloadsStillDecode() throws {
        let event = WalEvent(sequence: 7, event: taskCreated(1))
        #expect(WalRecord(event).postcardBytes() == event.postcardBytes())
        #expect(try WalRecord(postcard: event.postcardBytes()) == WalRecord(event))
    }

    @Test func aMultiEventRecordRoundTripsAndSingleEventReadersRefuseIt() throws {
        let record = WalRecord(sequence: 9, events: taskCommands(3)[2])
        let bytes = record.postcardBytes()
        #expect(Array(bytes.prefix(3)) == [9, 64, 2], "sequence, marker, count")
        #expect(try WalRecord(postcard: bytes) == record)
        #expect(throws: CodecError.invalidDiscriminant(offset: 1, type: "WalEventType", value: 64)) { try WalEvent(postcard: bytes) }
        #expect(throws: CodecError.invalidEventCount(offset: 2, count: 1)) {
            try WalRecord(postcard: [9, 64, 1] + Array(taskCreated(1).postcardBytes()))
        }
        for cut in 0..<bytes.count { #expect(throws: CodecError.self) { try WalRecord(postcard: Array(bytes.prefix(cut))) } }
    }

    @Test func replayAppliesEveryEventOfARecordOrNone() throws {
        var reducer = ReplayReducer()
        try reducer.apply(WalRecord(sequence: 1, events: taskCommands(1)[0]))
        try reducer.apply(WalRecord(sequence: 2, events: taskCommands(1)[1]))
        #expect(reducer.runState(R(1)) == .ready)
        let before = reducer
        let broken = WalRecord(sequence: 3, events: [taskCommands(1)[2][0], transition(1, .ready, .running), taskCreated(2)])
        #expect(throws: ReplayError.invalidTransition(sequence: 3, .illegalTransition(R(1), from: .ready, to: .running))) {
            try reducer.apply(broken)
        }
        #expect(reducer == before, "the lease planned before the refused event was undone")
        let ledgerAndTask = WalRecord(sequence: 3, events: [
            .tenantCreated(tenantId: Ten(1), name: "t", timestamp: 1),
            .ledgerEntryAppended(entryId: L(1), tenantId: Ten(1), ledgerKey: "k", actorId: nil, payload: [1], timestamp: 1),
            taskCreated(1)])
        #expect(throws: ReplayError.self) { try reducer.apply(ledgerAndTask) }
        #expect(reducer == before, "tenant and ledger entry undone")
        try reducer.apply(WalRecord(sequence: 3, events: taskCommands(1)[2]))
        #expect(reducer.runState(R(1)) == .leased && reducer.latestSequence == 3)
    }
}
