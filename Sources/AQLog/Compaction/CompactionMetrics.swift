import Metrics

/// swift-metrics instruments for compaction and repair; no-ops unless the application
/// bootstraps a backend.
struct CompactionMetrics: Sendable {
    let runs: Counter
    let removedSegments: Counter
    let freedBytes: Counter
    let duration: Timer
    let segments: Gauge

    init(directory: String) {
        let dims = [("directory", directory)]
        runs = Counter(label: "aqlog_compaction_runs_total", dimensions: dims)
        removedSegments = Counter(label: "aqlog_compaction_removed_segments_total", dimensions: dims)
        freedBytes = Counter(label: "aqlog_compaction_freed_bytes_total", dimensions: dims)
        duration = Timer(label: "aqlog_compaction_duration", dimensions: dims)
        segments = Gauge(label: "aqlog_segments", dimensions: dims)
    }

    func removed(bytes: Int) {
        removedSegments.increment()
        freedBytes.increment(by: bytes)
    }

    func finished(_ report: CompactionReport) {
        runs.increment()
        duration.recordNanoseconds(report.duration.nanoseconds)
        segments.record(report.segmentsAfter)
    }
}

/// swift-metrics instruments for `repair`.
struct RepairMetrics: Sendable {
    let repairs: Counter
    let repairedBytes: Counter

    init(directory: String) {
        let dims = [("directory", directory)]
        repairs = Counter(label: "aqlog_repairs_total", dimensions: dims)
        repairedBytes = Counter(label: "aqlog_repair_bytes_total", dimensions: dims)
    }
}
