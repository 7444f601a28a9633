import Testing
@testable import AQLog

/// ``CommitPacing``: which rule the committer runs, fed with made-up completions (no threads,
/// no files). An epoch is 10 ms here; `run` feeds one completion per millisecond at the rate
/// each rule is given.
@Suite struct CommitPacingTests {
    static let epoch = Duration.milliseconds(10)

    /// A pacing that saw its first completion at the instant returned.
    static func started(fixed: CommitPacing.Rule? = nil) -> (CommitPacing, ContinuousClock.Instant) {
        var p = CommitPacing(fixed: fixed, epoch: epoch)
        let t = ContinuousClock.now
        p.completed(records: 0, at: t)
        return (p, t)
    }

    /// Drives `pacing` for `epochs` epochs, each completing `rate(activeRule)` records a
    /// millisecond, with `idle` of idle time reported in each millisecond.
    static func run(_ pacing: inout CommitPacing, epochs: Int, from start: inout ContinuousClock.Instant,
                    idle: Duration = .zero, rate: (CommitPacing.Rule) -> Int) {
        for _ in 0..<(epochs * 10) {
            start += .milliseconds(1)
            if idle > .zero { pacing.idled(idle) }
            pacing.completed(records: rate(pacing.activeRule), at: start)
        }
    }

    @Test func startsBatchingAndProbesEagerAfterTheInterval() {
        var (p, t) = Self.started()
        #expect(p.activeRule == .batching)
        Self.run(&p, epochs: CommitPacing.initialInterval, from: &t) { _ in 10 }
        #expect(p.rule == .batching)
        #expect(p.activeRule == .eager, "the first probe epoch runs the challenger")
    }

    @Test func eagerTakesOverWhenItCompletesEnoughMore() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? 12 : 10 }
        #expect(p.rule == .eager)
        #expect(p.switches == 1 && p.probes == 1)
        #expect(p.interval == CommitPacing.initialInterval)
    }

    @Test func aSmallGainLeavesBatching() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? 102 : 100 }
        #expect(p.rule == .batching, "2% is within the noise: eager costs latency, so it must pay by \(CommitPacing.eagerGain)")
        #expect(p.probes == 1 && p.interval == 2 * CommitPacing.initialInterval, "a lost probe doubles the interval")
    }

    @Test func aClearLossEndsTheProbeEarly() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.decisivePairs, from: &t) { $0 == .eager ? 6 : 10 }
        #expect(p.probes == 1 && p.rule == .batching)
        #expect(p.activeRule == .batching)
    }

    @Test func aTieGoesBackToBatching() {
        var (p, t) = Self.started()
        var eagerRate = 12
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? eagerRate : 10 }
        #expect(p.rule == .eager)
        // The producers now offer less than either rule can take: both complete the same.
        eagerRate = 10
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { _ in eagerRate }
        #expect(p.rule == .batching, "a tie goes to batching (\(CommitPacing.batchingGain))")
        #expect(p.switches == 2)
    }

    @Test func intervalStopsGrowingAtItsMaximum() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: 40 * CommitPacing.maximumInterval, from: &t) { $0 == .eager ? 5 : 10 }
        #expect(p.rule == .batching && p.switches == 0)
        #expect(p.interval == CommitPacing.maximumInterval)
    }

    @Test func idleEpochsDoNotCount() {
        var (p, t) = Self.started()
        // Idle half of every millisecond: the producers, not the rule, set the rate.
        Self.run(&p, epochs: 4 * CommitPacing.initialInterval, from: &t, idle: .microseconds(500)) { $0 == .eager ? 20 : 10 }
        #expect(p.probes == 0 && p.rule == .batching)
        #expect(p.activeRule == .batching, "a probe begins after an epoch that counts")
        Self.run(&p, epochs: 1 + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? 20 : 10 }
        #expect(p.probes == 1 && p.rule == .eager)
    }

    @Test func aSwitchAfterLostProbesResetsTheInterval() {
        var (p, t) = Self.started()
        var eagerRate = 9
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? eagerRate : 10 }
        #expect(p.rule == .batching && p.interval == 2 * CommitPacing.initialInterval)
        eagerRate = 12
        Self.run(&p, epochs: 2 * CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { $0 == .eager ? eagerRate : 10 }
        #expect(p.rule == .eager && p.probes == 2)
        #expect(p.interval == CommitPacing.initialInterval, "a switch resets the interval")
    }

    @Test func anEpochThatDoesNotCountRunsAgainUnderTheSameRule() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval + 1, from: &t) { _ in 10 }
        #expect(p.activeRule == .batching, "the second epoch of the probe runs the incumbent")
        Self.run(&p, epochs: 1, from: &t, idle: .microseconds(500)) { _ in 10 }
        #expect(p.activeRule == .batching, "an idle epoch is run again under the same rule")
        // Completions that sparse (one after four epochs) do not count either.
        t += Self.epoch * 5
        p.completed(records: 1000, at: t)
        #expect(p.activeRule == .batching)
        Self.run(&p, epochs: 1, from: &t) { _ in 10 }
        #expect(p.activeRule == .eager)
    }

    @Test func aProbeIsDroppedWhenTheLoadChangesUnderIt() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval, from: &t) { _ in 10 }
        #expect(p.activeRule == .eager)
        Self.run(&p, epochs: CommitPacing.voidEpochsToDrop, from: &t, idle: .microseconds(500)) { _ in 10 }
        #expect(p.activeRule == .batching && p.probes == 0, "the chosen rule resumes")
    }

    @Test func nothingCompletedNeverSwitches() {
        var (p, t) = Self.started()
        Self.run(&p, epochs: CommitPacing.initialInterval + 2 * CommitPacing.probePairs, from: &t) { _ in 0 }
        #expect(p.probes == 1 && p.rule == .batching)
    }

    @Test func slowCommitsLengthenTheEpoch() {
        var (p, t) = Self.started()
        // Commits of 5 ms: an epoch lasts 80 ms, so 32 epochs of 10 ms are 4 of them.
        for _ in 0..<(CommitPacing.initialInterval * 10) {
            t += .milliseconds(1)
            p.completed(records: 10, at: t, typicalCommit: .milliseconds(5))
        }
        #expect(p.activeRule == .batching, "no probe yet")
        for _ in 0..<(CommitPacing.initialInterval * 80 - CommitPacing.initialInterval * 10) {
            t += .milliseconds(1)
            p.completed(records: 10, at: t, typicalCommit: .milliseconds(5))
        }
        #expect(p.activeRule == .eager, "the probe begins after 32 epochs of 80 ms")
    }

    @Test func aFixedRuleIsNeverProbed() {
        var (p, t) = Self.started(fixed: .eager)
        Self.run(&p, epochs: 4 * CommitPacing.initialInterval, from: &t) { $0 == .eager ? 1 : 100 }
        #expect(p.rule == .eager && p.activeRule == .eager && p.probes == 0)
    }
}
