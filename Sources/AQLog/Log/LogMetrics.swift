import Metrics

/// swift-metrics instruments for one log, made by the log's factory
/// (``LogOptions/metricsFactory``); every name is listed in docs/OPERATIONS.md.
struct LogMetrics: Sendable {
    let appends: Counter
    let appendedBytes: Counter
    let batchRecords: Recorder
    let syncLatency: Timer
    let rolls: Counter
    let segments: Gauge
    let poisonings: Counter
    let recoveryDuration: Timer
    let repairedBytes: Counter
    /// Back-pressure of the concurrent ``Log`` (``Committer/recordBackPressure()``).
    let stagedBytes: Gauge
    let producersWaitingForRoom: Gauge
    /// 1 while the concurrent ``Log`` has chosen to begin further commits eagerly, 0 while it
    /// batches (``CommitPacing``; a probe's epochs under the other rule do not change it).
    let eagerCommits: Gauge
    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory

    init(directory: String, factory: any MetricsFactory) {
        let dims = [("directory", directory)]
        dimensions = dims
        self.factory = factory
        appends = Counter(label: "aqlog_appended_records_total", dimensions: dims, factory: factory)
        appendedBytes = Counter(label: "aqlog_appended_bytes_total", dimensions: dims, factory: factory)
        batchRecords = Recorder(label: "aqlog_batch_records", dimensions: dims, factory: factory)
        syncLatency = Timer(label: "aqlog_commit_duration", dimensions: dims, factory: factory)
        rolls = Counter(label: "aqlog_segment_rolls_total", dimensions: dims, factory: factory)
        segments = Gauge(label: "aqlog_segments", dimensions: dims, factory: factory)
        poisonings = Counter(label: "aqlog_poisoned_total", dimensions: dims, factory: factory)
        recoveryDuration = Timer(label: "aqlog_recovery_duration", dimensions: dims, factory: factory)
        repairedBytes = Counter(label: "aqlog_recovery_repaired_bytes_total", dimensions: dims, factory: factory)
        stagedBytes = Gauge(label: "aqlog_staged_bytes", dimensions: dims, factory: factory)
        producersWaitingForRoom = Gauge(label: "aqlog_producers_waiting_for_room", dimensions: dims, factory: factory)
        eagerCommits = Gauge(label: "aqlog_eager_commits", dimensions: dims, factory: factory)
    }

    func committed(records: Int, bytes: Int, synced: Bool, duration: Duration) {
        appends.increment(by: records)
        appendedBytes.increment(by: bytes)
        batchRecords.record(records)
        if synced { syncLatency.recordNanoseconds(duration.nanoseconds) }
    }

    func rolled(segments count: Int) {
        rolls.increment()
        segments.record(count)
    }

    func poisoned() { poisonings.increment() }

    /// An append call that failed (`aqlog_append_failures_total`, with the error's kind as
    /// dimension `error`): every record of the call, none acknowledged.
    func appendFailed(_ error: LogError) {
        Counter(label: "aqlog_append_failures_total", dimensions: dimensions + [("error", error.kind)], factory: factory).increment()
    }

    func recovered(_ report: RecoveryReport) {
        recoveryDuration.recordNanoseconds(report.duration.nanoseconds)
        repairedBytes.increment(by: report.bytesRepaired)
        segments.record(report.segments)
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (s, a) = components
        return s.multipliedReportingOverflow(by: 1_000_000_000).overflow ? .max : s * 1_000_000_000 + a / 1_000_000_000
    }
}
