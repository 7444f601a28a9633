import Testing
@testable import AQLog

/// ``CommitScheduler``'s rules as a table: each row is a state and the one action it must give.
@Suite struct CommitSchedulerTests {
    typealias S = CommitScheduler.State
    static let sync = CommitScheduler(gatherDelay: nil, idleVouchDelay: .milliseconds(50))
    static let group = CommitScheduler(gatherDelay: .milliseconds(2), gatherBytes: 1 << 20, idleVouchDelay: .milliseconds(50))

    static func state(_ edit: (inout S) -> Void) -> S {
        var s = S()
        edit(&s)
        return s
    }

    static let rows: [(String, CommitScheduler, S, CommitScheduler.Action)] = [
        ("idle: sleep", sync, state { _ in }, .wait(nil)),
        ("a producer writes inline: wait for it", sync, state { $0.writingInline = true; $0.stagedRecords = 3 }, .wait(nil)),
        ("poisoned with writes in flight: reap them first", sync, state { $0.failed = true; $0.inFlight = 2; $0.stagedRecords = 1 }, .reap(timeout: nil)),
        ("poisoned with work: fail it", sync, state { $0.failed = true; $0.stagedRecords = 1 }, .failPending),
        ("poisoned and closing: close", sync, state { $0.failed = true; $0.closing = true }, .close),
        ("poisoned, nothing to do: sleep", sync, state { $0.failed = true }, .wait(nil)),
        ("flush already durable: serve it", sync, state { $0.flushPending = true; $0.flushTargetDurable = true; $0.inFlight = 1 }, .serveFlush),
        ("flush written, nothing in flight: sync", sync, state { $0.flushPending = true; $0.flushTargetWritten = true; $0.stagedRecords = 4 }, .sync),
        ("staged, nothing in flight: commit", sync, state { $0.stagedRecords = 1 }, .commit),
        ("staged beside a young commit: reap until it is half done", sync,
         state { $0.stagedRecords = 1; $0.appendsStaged = 1; $0.inFlight = 1; $0.oldestInFlightFor = .microseconds(30); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: .microseconds(70))),
        ("a full batch beside a half-done commit: commit another", sync,
         state { $0.stagedRecords = 4; $0.appendsStaged = 4; $0.appendsInLastBatch = 4; $0.inFlight = 1
                 $0.oldestInFlightFor = .microseconds(100); $0.earlyCommitAge = .microseconds(100) }, .commit),
        ("a smaller batch beside a half-done commit: reap until the commit is slow", sync,
         state { $0.stagedRecords = 2; $0.appendsStaged = 2; $0.appendsInLastBatch = 4; $0.inFlight = 1
                 $0.oldestInFlightFor = .microseconds(150); $0.earlyCommitAge = .microseconds(100) }, .reap(timeout: .microseconds(250))),
        ("a smaller batch beside a slow commit: commit another", sync,
         state { $0.stagedRecords = 2; $0.appendsStaged = 2; $0.appendsInLastBatch = 4; $0.inFlight = 1
                 $0.oldestInFlightFor = .microseconds(400); $0.earlyCommitAge = .microseconds(100) }, .commit),
        ("eager: a smaller batch beside a young commit: commit another at once", sync,
         state { $0.stagedRecords = 1; $0.appendsStaged = 1; $0.appendsInLastBatch = 4; $0.inFlight = 1; $0.eager = true
                 $0.oldestInFlightFor = .microseconds(10); $0.earlyCommitAge = .microseconds(100) }, .commit),
        ("eager, depth reached: reap", sync,
         state { $0.stagedRecords = 1; $0.inFlight = 4; $0.canBeginCommit = false; $0.eager = true; $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: nil)),
        ("eager, writes in flight, nothing staged, room for another: look again in a sixteenth of a commit", sync,
         state { $0.inFlight = 1; $0.eager = true; $0.oldestInFlightFor = .microseconds(10); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: .nanoseconds(12_500))),
        ("eager, fast commits: look again at most every eagerPoll", sync,
         state { $0.inFlight = 1; $0.eager = true; $0.oldestInFlightFor = .microseconds(5); $0.earlyCommitAge = .microseconds(20) },
         .reap(timeout: CommitScheduler.eagerPoll)),
        ("eager beside a slow commit: look as under batching", sync,
         state { $0.inFlight = 1; $0.eager = true; $0.oldestInFlightFor = .microseconds(500); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: .microseconds(250))),
        ("batching, two in flight beside a slow one, depth allows more: reap", sync,
         state { $0.stagedRecords = 2; $0.appendsStaged = 2; $0.appendsInLastBatch = 2; $0.inFlight = CommitScheduler.batchingDepth
                 $0.oldestInFlightFor = .microseconds(900); $0.earlyCommitAge = .microseconds(100) }, .reap(timeout: nil)),
        ("batching, two in flight, nothing staged, depth allows more: wait for a completion", sync,
         state { $0.inFlight = CommitScheduler.batchingDepth; $0.oldestInFlightFor = .microseconds(10); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: nil)),
        ("eager, two in flight, depth allows more: commit another", sync,
         state { $0.stagedRecords = 1; $0.appendsStaged = 1; $0.inFlight = CommitScheduler.batchingDepth; $0.eager = true
                 $0.oldestInFlightFor = .microseconds(10); $0.earlyCommitAge = .microseconds(100) }, .commit),
        ("staged, depth reached: reap", sync,
         state { $0.stagedRecords = 1; $0.inFlight = 2; $0.canBeginCommit = false; $0.oldestInFlightFor = .seconds(1) }, .reap(timeout: nil)),
        ("group, batch smaller than the last: wait out the window", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = 8; $0.stagedFor = .microseconds(500)
                 $0.earlyCommitAge = .milliseconds(10) }, .wait(.microseconds(1500))),
        ("group, batch smaller than the last: wait at most a quarter commit after the last completion", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = 8; $0.stagedFor = .microseconds(500)
                 $0.earlyCommitAge = .microseconds(100); $0.idleDeviceFor = .microseconds(40) }, .wait(.microseconds(10))),
        ("group, the disk idle a quarter commit: commit", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = 8
                 $0.earlyCommitAge = .microseconds(100); $0.idleDeviceFor = .microseconds(50) }, .commit),
        ("group, the last batch already carried many appends: commit without waiting", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = CommitScheduler.gatherBelowAppends
                 $0.earlyCommitAge = .milliseconds(10) }, .commit),
        ("group, as many appends as the last batch: commit", group,
         state { $0.stagedRecords = 8; $0.appendsStaged = 8; $0.appendsInLastBatch = 8 }, .commit),
        ("group, window elapsed: commit", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = 8; $0.stagedFor = .milliseconds(3) }, .commit),
        ("group, closing: commit without waiting", group,
         state { $0.stagedRecords = 3; $0.appendsStaged = 3; $0.appendsInLastBatch = 8; $0.closing = true }, .commit),
        ("records wait for a roll, writes in flight: reap", sync, state { $0.overflow = true; $0.inFlight = 1 }, .reap(timeout: nil)),
        ("records wait for a roll: roll", sync, state { $0.overflow = true }, .roll),
        ("records wait for a roll, written records unsynced: sync first", sync, state { $0.overflow = true; $0.unsyncedWrites = true }, .sync),
        ("writes in flight, nothing staged, depth reached: reap until one completes", sync,
         state { $0.inFlight = 1; $0.canBeginCommit = false; $0.earlyCommitAge = .microseconds(100) }, .reap(timeout: nil)),
        ("writes in flight, nothing staged, no typical commit yet: reap until one completes", sync,
         state { $0.inFlight = 1 }, .reap(timeout: nil)),
        ("writes in flight, nothing staged, room for another: look again when the oldest turns slow", sync,
         state { $0.inFlight = 1; $0.oldestInFlightFor = .microseconds(150); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: .microseconds(250))),
        ("writes in flight, nothing staged, the oldest slow: look again every half commit, at most every 250 µs", sync,
         state { $0.inFlight = 1; $0.oldestInFlightFor = .microseconds(900); $0.earlyCommitAge = .microseconds(100) },
         .reap(timeout: .microseconds(250))),
        ("writes in flight, nothing staged, the oldest slow on a slow disk: look again every half commit", sync,
         state { $0.inFlight = 1; $0.oldestInFlightFor = .milliseconds(9); $0.earlyCommitAge = .milliseconds(1) },
         .reap(timeout: .milliseconds(1))),
        ("flush with nothing staged or in flight: sync", sync, state { $0.flushPending = true }, .sync),
        ("closing, nothing pending: close", sync, state { $0.closing = true }, .close),
        ("idle, unvouched, delay not elapsed: wait the rest", sync, state { $0.needsVouching = true; $0.idleFor = .milliseconds(20) }, .wait(.milliseconds(30))),
        ("idle, unvouched, delay elapsed: vouch", sync, state { $0.needsVouching = true; $0.idleFor = .milliseconds(50) }, .vouch),
        ("unvouched but vouching off: sleep", CommitScheduler(gatherDelay: nil, idleVouchDelay: nil), state { $0.needsVouching = true }, .wait(nil)),
        ("segment of age: roll", aged, state { $0.segmentAge = .seconds(2) }, .roll),
        ("segment of age, writes in flight: reap first", aged, state { $0.segmentAge = .seconds(2); $0.inFlight = 1 }, .reap(timeout: nil)),
        ("segment of age, written records unsynced: sync first", aged, state { $0.segmentAge = .seconds(2); $0.unsyncedWrites = true }, .sync),
        ("segment of age, records staged: commit them first", aged, state { $0.segmentAge = .seconds(2); $0.stagedRecords = 1 }, .commit),
        ("segment of age while closing: close (a close leaves it open)", aged, state { $0.segmentAge = .seconds(2); $0.closing = true }, .close),
        ("segment younger than the limit: sleep until it is due", aged, state { $0.segmentAge = .milliseconds(300) }, .wait(.milliseconds(700))),
        ("segment younger, unvouched: wake for the sooner", aged,
         state { $0.segmentAge = .milliseconds(990); $0.needsVouching = true; $0.idleFor = .milliseconds(20) }, .wait(.milliseconds(10))),
        ("no record in the segment: no age, sleep", aged, state { $0.segmentAge = nil }, .wait(nil)),
        ("an age but no limit: sleep", sync, state { $0.segmentAge = .seconds(9) }, .wait(nil)),
    ]

    static let aged = CommitScheduler(gatherDelay: nil, idleVouchDelay: .milliseconds(50), maximumSegmentAge: .seconds(1))

    @Test(arguments: rows.indices)
    func eachRowGivesItsAction(_ i: Int) {
        let (name, scheduler, state, action) = Self.rows[i]
        #expect(scheduler.next(state) == action, "\(name)")
    }
}
