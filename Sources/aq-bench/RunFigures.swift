import AQLog

/// One measured run (the log's or the baseline's).
struct RunFigures: Codable, Sendable {
    var seconds: Double
    var records: Int
    var recordsPerSecond: Double
    var megabytesPerSecond: Double
    var syncs: Int
    var syncsPerSecond: Double
    var writes: Int
    var recordsPerSync: Double
    var bytesWritten: Int
    /// Per call: append->durable (`sync`, `group`), append->acknowledged (`deferred`); for the
    /// baseline, per batch: write->durable.
    var latencyMicros: Latency
    /// Segments the log rolled to during the run (log runs only).
    var rolls: Int? = nil
    /// CPU time charged to this process (user + system) over the run divided by its duration:
    /// cores kept busy, out of the machine's CPUs.
    var cpuCores: Double? = nil
    /// CPU time charged to this process over the run per record, in microseconds.
    var cpuMicrosPerRecord: Double? = nil
    /// Log runs: the most commits the log kept in flight (``LogOptions/maxCommitsInFlight``),
    /// and the padding its batches begun on a fresh block cost, per record.
    var commitDepth: Int? = nil
    var paddingBytesPerRecord: Double? = nil
}

struct AppendResult: Codable, Sendable {
    var name: String
    var recordSize: Int
    var producers: Int
    var durability: String
    var backend: String
    var api: String
    var recordsPerCall: Int
    var log: RunFigures
    var logRuns: [RunFigures]
    var baselineKind: String
    var baseline: RunFigures
    var baselineRuns: [RunFigures]
    var baselineBatchBytes: Int
    /// log records/s over baseline records/s (the same records per batch).
    var ratioToBaseline: Double
    /// A second baseline for some scenarios: the same operation the log submits (`uring-direct`:
    /// one `RWF_DSYNC` write per batch) or the same contract (`deferred`: buffered writes into
    /// fresh `fallocate`d segment files, one fdatasync per full file).
    var secondBaselineKind: String? = nil
    var secondBaseline: RunFigures? = nil
    var ratioToSecondBaseline: Double? = nil
    /// `uring-direct` sync rows: the log's architecture in C with threads instead of tasks
    /// (`cbase_group_commit`: one thread per producer, a committer thread, double buffer,
    /// one RWF_DSYNC O_DIRECT write per batch), run for the same time right after the log.
    var threadedBaseline: RunFigures? = nil
    var ratioToThreadedBaseline: Double? = nil
    /// Set on rows that roll (``AppendSpec/rollingSegmentSize``); `log.rolls` counts the rolls.
    var rollingSegmentSize: Int? = nil
}

