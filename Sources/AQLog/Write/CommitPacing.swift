/// Which rule begins a further commit beside those in flight, chosen by measuring both.
///
/// - ``Rule/batching`` (the default) begins one only when waiting cannot make the staged batch
///   larger, or when the oldest commit in flight is slow, and keeps at most two in flight
///   (``CommitScheduler``). With many closed-loop producers it keeps batches as large as with
///   one commit in flight.
/// - ``Rule/eager`` begins one as soon as records are staged and the depth allows it. It pays
///   where the device completes overlapping syncs fast enough to make up for the smaller
///   batches: a few producers running flat out, or a device with much internal parallelism.
///
/// Which one gives more records per second depends on the device and on the producers
/// (docs/BENCHMARKS.md, "Commits in flight: a C model"), so the committer measures. Time is cut
/// into epochs. A probe runs ``probePairs`` pairs of epochs, one under each rule in turn
/// (alternating cancels the drift of a shared machine), and compares the records each rule
/// completed per second over its epochs. The other rule takes over when it did better by
/// ``eagerGain`` for `.eager` (it costs latency at a rate the device keeps up with, so it must
/// pay in throughput) or by ``batchingGain`` (below 1: a tie goes to `.batching`). Between
/// probes the chosen rule runs alone for `interval` epochs: a lost probe doubles that up to
/// ``maximumInterval``, a switch resets it. An epoch in which the committer sat idle for more
/// than a quarter of the time, or that ran four epochs long (completions that sparse), measures
/// the producers, not the rule, and does not count: a probe runs it again under the same rule,
/// and drops itself after ``voidEpochsToDrop`` in a row.
///
/// A pure value fed with completions and idle time, so its rules are tested without threads
/// (`CommitPacingTests`).
struct CommitPacing {
    typealias Rule = CommitRule

    /// The rule chosen by the last probe (or fixed).
    private(set) var rule: Rule = .batching
    /// The rule the current epoch runs under.
    var activeRule: Rule { probing && epochsInProbe % 2 == 0 ? other(rule) : rule }

    /// A rule set by the options (``LogOptions/commitRule``): never probed.
    let fixed: Bool
    let epoch: Duration
    static let eagerGain = 1.05
    static let batchingGain = 0.97
    static let probePairs = 8
    /// The fewest typical commits an epoch lasts.
    static let commitsPerEpoch = 16
    /// A challenger this far behind after ``decisivePairs`` pairs ends its probe early.
    static let clearLoss = 0.8
    static let decisivePairs = 2
    /// Epochs in a row that do not count after which a probe is dropped.
    static let voidEpochsToDrop = 4
    static let initialInterval = 32
    static let maximumInterval = 256

    private var epochStart: ContinuousClock.Instant?
    private var epochRecords = 0
    private var epochIdle: Duration = .zero
    private var probing = false
    private var epochsInProbe = 0
    private var voidInProbe = 0
    /// Records and seconds per rule in the current probe: [challenger, incumbent].
    private var measured: [(records: Int, seconds: Double)] = [(0, 0), (0, 0)]
    private(set) var epochsUntilProbe = CommitPacing.initialInterval
    private(set) var interval = CommitPacing.initialInterval
    /// Probes completed, and how many of them changed the rule (tests).
    private(set) var probes = 0
    private(set) var switches = 0

    /// `fixed`: always that rule; nil: measured.
    init(fixed: Rule? = nil, epoch: Duration = .milliseconds(15)) {
        self.fixed = fixed != nil
        rule = fixed ?? .batching
        self.epoch = epoch
    }

    /// Records that `records` more records were written at `now`, where a commit typically takes
    /// `typicalCommit`: an epoch lasts at least ``commitsPerEpoch`` of those, so that a slow
    /// device's epochs hold enough completions to compare.
    mutating func completed(records: Int, at now: ContinuousClock.Instant, typicalCommit: Duration = .zero) {
        guard !fixed else { return }
        guard let start = epochStart else {
            epochStart = now
            return
        }
        epochRecords += records
        let elapsed = now - start
        let length = max(epoch, typicalCommit * Self.commitsPerEpoch)
        guard elapsed >= length else { return }
        let counts = elapsed < length * 4 && epochIdle * 4 <= elapsed
        endEpoch(records: counts ? epochRecords : nil, seconds: Self.seconds(elapsed))
        epochStart = now
        epochRecords = 0
        epochIdle = .zero
    }

    /// Records that the committer waited `duration` with nothing in flight.
    mutating func idled(_ duration: Duration) { epochIdle += duration }

    private mutating func endEpoch(records: Int?, seconds: Double) {
        guard probing else {
            epochsUntilProbe -= 1
            if epochsUntilProbe <= 0, records != nil {
                probing = true
                epochsInProbe = 0
                voidInProbe = 0
                measured = [(0, 0), (0, 0)]
            }
            return
        }
        // An epoch that does not count is run again under the same rule; after a few in a row
        // the load has changed under the probe, which is dropped (the chosen rule resumes).
        guard let records else {
            voidInProbe += 1
            if voidInProbe >= Self.voidEpochsToDrop {
                probing = false
                epochsUntilProbe = interval
            }
            return
        }
        voidInProbe = 0
        let slot = epochsInProbe % 2
        measured[slot].records += records
        measured[slot].seconds += seconds
        epochsInProbe += 1
        guard slot == 1 else { return }
        let challenger = Double(measured[0].records) / measured[0].seconds
        let incumbent = Double(measured[1].records) / measured[1].seconds
        let clearLoss = epochsInProbe >= 2 * Self.decisivePairs && challenger < incumbent * Self.clearLoss
        guard epochsInProbe == 2 * Self.probePairs || clearLoss else { return }
        probing = false
        probes += 1
        if !clearLoss && challenger > 0 && challenger >= incumbent * (rule == .batching ? Self.eagerGain : Self.batchingGain) {
            rule = other(rule)
            switches += 1
            interval = Self.initialInterval
        } else {
            interval = min(interval * 2, Self.maximumInterval)
        }
        epochsUntilProbe = interval
    }

    private func other(_ r: Rule) -> Rule { r == .batching ? .eager : .batching }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// How the concurrent ``Log`` begins a further commit beside those in flight (``CommitPacing``).
package enum CommitRule: Sendable, Equatable {
    case batching, eager
}
