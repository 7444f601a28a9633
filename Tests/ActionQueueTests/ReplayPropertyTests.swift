import Testing
import PropertyBased
@testable import ActionQueue

@Suite struct ReplayPropertyTests {
    /// Snapshot at any cut + tail replay equals full replay, through the real file format.
    @Test func snapshotPlusTailEqualsFullReplay() async throws {
        await propertyCheck(count: 60, input: Gen.uint64(), Gen.int(in: 0...100)) { seed, cutPercent in
            var stream = LegalStream(seed: seed)
            stream.generate(count: 120)
            let events = stream.events
            let cut = events.count * cutPercent / 100
            var prefix = ReplayReducer()
            for event in events.prefix(cut) { try prefix.apply(event) }
            let bytes = try SnapshotFileFormat.encode(Snapshot(projection: prefix, timestamp: 1))
            var resumed = try ReplayReducer(snapshot: try SnapshotFileFormat.decode(bytes))
            for event in events.dropFirst(cut) { try resumed.apply(event) }
            #expect(resumed == stream.reducer)
            #expect(resumed.latestSequence == UInt64(events.count))
        }
    }

    /// Every authority-accepted stream replays from the log to the same projection, and every
    /// state replay reaches is a valid snapshot.
    @Test func authorityLogReplaysToItsProjection() async throws {
        await propertyCheck(count: 15, input: Gen.uint64()) { seed in
            var stream = LegalStream(seed: seed)
            let log = InMemoryEventLog()
            let authority = try MutationAuthority(projection: ReplayReducer(), log: log)
            var accepted: UInt64 = 0
            for step in 0..<300 {
                let command = MutationCommand(sequence: authority.projection.latestSequence + 1, event: stream.propose())
                if (try? authority.submit(command)) != nil {
                    accepted += 1
                    stream.reducer = authority.projection
                    if step % 10 == 0 {
                        try SnapshotValidator.validate(Snapshot(projection: authority.projection, timestamp: 0))
                    }
                }
            }
            // Not vacuous: most proposals are legal, and each accepted one is one durable record.
            #expect(accepted >= 150, "only \(accepted) of 300 commands accepted")
            #expect(log.durableSequence == accepted && authority.projection.latestSequence == accepted)
            #expect(authority.fence == nil)
            #expect(try RecoveryBootstrap.recover(log: log, snapshots: nil).projection == authority.projection)
        }
    }

    /// The generator really produces lifecycles (guards against a vacuous property).
    @Test func generatorCoversLifecycles() {
        var stream = LegalStream(seed: 42)
        stream.generate(count: 400)
        let kinds = Set(stream.events.map(\.event.discriminant))
        #expect(stream.events.count == 400)
        #expect(kinds.isSuperset(of: [0, 1, 2, 3, 4, 7, 11, 12, 13, 16, 20]))
        #expect(stream.reducer.runs.values.contains { $0.instance.state.isTerminal })
    }
}
