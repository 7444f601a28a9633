/// What `Log`'s committer does next: a pure function of what it sees, so every rule is a row
/// tested without threads or files (`CommitSchedulerTests`).
///
/// Rules, first match wins:
/// 1. a producer is writing its own `.deferred` batch: wait for it;
/// 2. poisoned: reap what is in flight, fail what is pending, then close or sleep;
/// 3. a flush whose records are all durable is served without I/O; one whose records are
///    written, with nothing in flight, syncs;
/// 4. records staged: commit them if another commit may begin (``canBeginCommit``) and the
///    timing rule agrees (below), else reap;
/// 5. records wait for a roll, or the open segment is older than ``LogOptions/maximumSegmentAge``:
///    reap what is in flight, sync what is written (`.deferred`), then roll;
/// 6. anything in flight: reap (where another commit could begin, looking again when the
///    oldest turns slow, or under the eager rule every sixteenth of a commit before that); a
///    pending flush with nothing staged syncs;
/// 7. closing: close;
/// 8. idle with the last batch unvouched: vouch once the log stayed idle for the delay;
/// 9. sleep (until the open segment comes of age, when it has an age limit).
///
/// Timing (rule 4). With nothing in flight a batch commits at once, except that `.group`
/// waits up to its window for more producers: until the batch holds as many appends as the
/// last one (its producers are all back) or the window's bytes, and never for more than a
/// quarter of a typical commit after the last completion (the disk idles meanwhile); and only
/// while the last batch held fewer than ``gatherBelowAppends`` appends. With a
/// commit in flight and room for another, the rule ``CommitPacing`` measured best decides.
/// Batching: a further one begins once the oldest has been in flight for `earlyCommitAge`
/// (half a typical commit) if the staged batch already holds as many appends as the last one
/// (waiting would not make it larger), or once the oldest has taken four times that (a slow
/// sync: overlap it); otherwise the committer reaps with a timeout that wakes it at the next
/// of those points; it keeps at most ``batchingDepth`` in flight. With closed-loop producers
/// this keeps batches as large as at depth 1 where the device gains nothing from overlapping
/// syncs. Eager: it begins at once, up to the depth.
struct CommitScheduler: Equatable {
    /// How long `.group` may wait for more producers (nil: `.sync` and `.deferred`).
    var gatherDelay: Duration?
    var gatherBytes: Int = 0
    /// Idle time before the last batch is vouched for (nil: never).
    var idleVouchDelay: Duration?
    /// Age at which an open segment holding records is sealed (nil: only when full).
    var maximumSegmentAge: Duration?

    struct State: Equatable {
        var writingInline = false
        var failed = false
        var closing = false
        var stagedRecords = 0
        var stagedBytes = 0
        var appendsStaged = 0
        var appendsInLastBatch = 0
        /// How long the oldest staged record has waited.
        var stagedFor: Duration = .zero
        /// How long nothing has been in flight (since the last completion).
        var idleDeviceFor: Duration = .zero
        var overflow = false
        /// Written records are not all durable (`.deferred`): a roll syncs first.
        var unsyncedWrites = false
        var flushPending = false
        var flushTargetWritten = false
        var flushTargetDurable = false
        var inFlight = 0
        /// Another commit may begin beside those in flight (depth and byte bound).
        var canBeginCommit = true
        /// How long the oldest commit in flight has been.
        var oldestInFlightFor: Duration = .zero
        /// When a further commit may begin beside one in flight.
        var earlyCommitAge: Duration = .zero
        /// ``CommitPacing/Rule/eager``: a further commit begins as soon as records are staged.
        var eager = false
        var needsVouching = false
        var idleFor: Duration = .zero
        /// How long since the open segment received its first record (nil: it holds none).
        var segmentAge: Duration?
    }

    enum Action: Equatable {
        case commit
        /// Wait for a completion, at most this long (nil: until one arrives).
        case reap(timeout: Duration?)
        case roll
        case sync
        case serveFlush
        case vouch
        case failPending
        case close
        /// Sleep until signalled, at most this long (nil: until signalled).
        case wait(Duration?)
    }

    func next(_ s: State) -> Action {
        if s.writingInline { return .wait(nil) }
        let work = s.stagedRecords > 0 || s.overflow || s.flushPending
        if s.failed {
            if s.inFlight > 0 { return .reap(timeout: nil) }
            if work { return .failPending }
            return s.closing ? .close : .wait(nil)
        }
        if s.flushPending && s.flushTargetDurable { return .serveFlush }
        if s.flushPending && s.flushTargetWritten && s.inFlight == 0 { return .sync }
        if s.stagedRecords > 0 {
            if s.inFlight == 0 {
                if let wait = gatherWait(s) { return .wait(wait) }
                return .commit
            }
            guard hasRoom(s) else { return .reap(timeout: nil) }
            if s.eager { return .commit }
            // Beside a commit in flight, begin another only when waiting cannot make it larger
            // (as many appends as the last batch: its producers are back) once the oldest is
            // half done, or when the oldest is slow (twice a typical commit).
            let full = s.appendsStaged >= max(s.appendsInLastBatch, 1)
            let age = s.oldestInFlightFor
            let slow = s.earlyCommitAge * 4
            if (full && age >= s.earlyCommitAge) || age >= slow { return .commit }
            return .reap(timeout: (age < s.earlyCommitAge ? s.earlyCommitAge : slow) - age)
        }
        if s.overflow || sealDue(s) { return s.inFlight > 0 ? .reap(timeout: nil) : s.unsyncedWrites ? .sync : .roll }
        if s.inFlight > 0 { return .reap(timeout: idleReapTimeout(s)) }
        if s.flushPending { return .sync }
        if s.closing { return .close }
        let sealIn = maximumSegmentAge.flatMap { age in s.segmentAge.map { max(age - $0, .zero) } }
        if s.needsVouching, let delay = idleVouchDelay {
            return s.idleFor >= delay ? .vouch : .wait(min(delay - s.idleFor, sealIn ?? delay))
        }
        return .wait(sealIn)
    }

    /// The open segment holds records and has reached its age limit (never while failed or
    /// closing: a close leaves the segment open, as any other).
    private func sealDue(_ s: State) -> Bool {
        guard let limit = maximumSegmentAge, let age = s.segmentAge, !s.closing else { return false }
        return age >= limit
    }

    /// How long to wait for a completion with nothing staged. Staging does not interrupt the
    /// wait, so where another commit could begin the committer looks again when the oldest
    /// turns slow, and then every half commit: a record staged meanwhile is overlapped with the
    /// slow commit instead of waiting for it. Without room for another commit it waits.
    private func idleReapTimeout(_ s: State) -> Duration? {
        guard hasRoom(s), s.earlyCommitAge > .zero else { return nil }
        let slow = s.earlyCommitAge * 4
        if s.eager && s.oldestInFlightFor < slow { return max(Self.eagerPoll, s.earlyCommitAge / 8) }
        return s.oldestInFlightFor < slow ? slow - s.oldestInFlightFor : max(s.earlyCommitAge, Self.slowCommitPoll)
    }

    /// Whether the rule in force lets another commit begin beside those in flight: the depth
    /// and byte bounds allow it, and under batching fewer than ``batchingDepth`` are in flight.
    private func hasRoom(_ s: State) -> Bool {
        s.canBeginCommit && (s.eager || s.inFlight < Self.batchingDepth)
    }

    /// The most commits the batching rule keeps in flight, whatever the depth allows. It begins
    /// a further commit beside a slow one; where a third and fourth followed, they stacked
    /// syncs on a device already slow to complete the first and made every batch smaller
    /// (docs/BENCHMARKS.md, "Which rule begins a further commit"). Deeper pipelines are the
    /// eager rule's, which the log runs only where it measured them to pay.
    static let batchingDepth = 2

    /// The shortest interval between looks at a slow commit (a device with very fast commits
    /// would otherwise wake the committer thousands of times during one long stall).
    static let slowCommitPoll: Duration = .microseconds(250)

    /// Under the eager rule, while the oldest commit is not slow, the committer looks for
    /// records staged while it waits for a completion with room for another commit (staging
    /// does not interrupt that wait) every sixteenth of a typical commit, at most this often:
    /// a record so waits a small fraction of a commit for its own to begin, and the looks stay
    /// a bounded number a commit. Beside a slow commit it looks as under batching.
    static let eagerPoll: Duration = .microseconds(10)

    /// `.group` waits for producers only while the last batch held fewer appends than this: a
    /// commit that already carries many gains little from a few more, and the disk idles
    /// while the committer waits.
    static let gatherBelowAppends = 16

    /// `.group`'s wait for more producers, or nil to commit now. Never longer than a quarter of
    /// a typical commit after the last completion: the disk idles while the committer waits,
    /// and producers that come back slower than that are better served by the next commit (so
    /// `.group` batches more without falling behind `.sync`; docs/BENCHMARKS.md).
    private func gatherWait(_ s: State) -> Duration? {
        guard let window = gatherDelay, !s.overflow, !s.flushPending, !s.closing, s.stagedBytes < gatherBytes,
              s.appendsInLastBatch < Self.gatherBelowAppends,
              s.appendsInLastBatch == 0 || s.appendsStaged < s.appendsInLastBatch else { return nil }
        let remaining = min(window - s.stagedFor, s.earlyCommitAge / 2 - s.idleDeviceFor)
        return remaining > .zero ? remaining : nil
    }
}
