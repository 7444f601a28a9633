import Testing
@testable import ActionQueue

/// The reducer's run indexes always equal what a scan of the runs computes: after every
/// event of random legal streams, after refused multi-event records, and after a snapshot.
@Suite struct RunIndexTests {
    func scanned(_ p: ReplayReducer) -> RunIndexes {
        var expected = RunIndexes()
        for run in p.runs.values { expected.replace(nil, with: run) }
        return expected
    }

    func check(_ p: ReplayReducer, _ label: String) {
        let runs = p.runs.values
        let ready = runs.filter { $0.instance.state == .ready }.map(\.instance).sorted { a, b in
            if a.effectivePriority != b.effectivePriority { return a.effectivePriority > b.effectivePriority }
            return a.scheduledAt != b.scheduledAt ? a.scheduledAt < b.scheduledAt : a.id < b.id
        }
        #expect(p.readyRuns().map(\.runId) == ready.map(\.id), "\(label): ready order")
        let leases = runs.compactMap { r in r.lease.map { (r.instance.id, $0.expiry) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        #expect(p.runIndexes.leaseExpiries.map(\.runId) == leases.map(\.0), "\(label): lease order")
        if let middle = leases.dropFirst(leases.count / 2).first?.1 {
            #expect(p.leases(expiringBefore: middle).map(\.runId) == leases.filter { $0.1 < middle }.map(\.0), "\(label)")
        }
        for state in RunState.allCases {
            #expect(p.runCount(in: state) == runs.filter { $0.instance.state == state }.count, "\(label): count \(state)")
        }
        for task in p.tasks.keys {
            #expect(p.runs(ofTask: task).map(\.instance.id)
                    == runs.filter { $0.instance.taskId == task }.map(\.instance.id).sorted(), "\(label): runs of task")
        }
        #expect(p.runIndexes == scanned(p), "\(label): indexes")
    }

    @Test(arguments: 0..<12)
    func indexesFollowEveryEventOfALegalStream(seed: Int) throws {
        var stream = LegalStream(seed: UInt64(seed) &* 7919)
        stream.generate(count: 300)
        var p = ReplayReducer()
        for (i, event) in stream.events.enumerated() {
            // Every other step also tries the event joined to one replay refuses: undone, indexes included.
            if i % 2 == 0 {
                let before = p
                #expect(throws: ReplayError.self) {
                    try p.apply(WalRecord(sequence: event.sequence, events: [event.event, .engineResumed(timestamp: 0), taskCreated(1)]))
                }
                #expect(p == before)
            }
            try p.apply(event)
            if i % 25 == 0 { check(p, "seed \(seed) event \(i)") }
        }
        check(p, "seed \(seed) end")
        let restored = try ReplayReducer(snapshot: Snapshot(projection: p, timestamp: 1))
        #expect(restored.runIndexes == p.runIndexes, "rebuilt from a snapshot")
    }

    @Test func readyRunsComeByPriorityThenAge() throws {
        var p = ReplayReducer()
        try p.apply(WalEvent(sequence: 1, event: taskCreated(1)))
        var sequence: UInt64 = 1
        for (run, priority, scheduled) in [(1, 0, 30), (2, 5, 40), (3, 0, 10), (4, 5, 20)] as [(UInt64, Int32, UInt64)] {
            sequence += 1
            try p.apply(WalEvent(sequence: sequence, event: .runCreated(runInstance: RunInstance(
                id: R(run), taskId: T(1), createdAt: 1, scheduledAt: scheduled, effectivePriority: priority))))
            sequence += 1
            try p.apply(WalEvent(sequence: sequence, event: transition(run, .scheduled, .ready)))
        }
        #expect(p.readyRuns().map(\.runId) == [R(4), R(2), R(3), R(1)])
        #expect(p.readyRuns(limit: 1).map(\.runId) == [R(4)])
        sequence += 1
        try p.apply(WalRecord(sequence: sequence, events: [
            .leaseAcquired(runId: R(4), owner: "w", expiry: 500, timestamp: 2), transition(4, .ready, .leased)]))
        #expect(p.readyRuns().map(\.runId) == [R(2), R(3), R(1)])
        #expect(p.leases(expiringBefore: 500).isEmpty)
        #expect(p.leases(expiringBefore: 501).map(\.runId) == [R(4)])
        #expect(p.runCount(in: .ready) == 3 && p.runCount(in: .leased) == 1)
    }
}
