import Metrics

/// swift-metrics instruments for compaction, made by the compactor's factory
/// (``Compactor/metricsFactory``).
struct CompactionMetrics: Sendable {
    let runs: Counter
    let removedSegments: Counter
    let freedBytes: Counter
    let duration: Timer
    let segments: Gauge

    init(directory: String, factory: any MetricsFactory) {
        let dims = [("directory", directory)]
        runs = Counter(label: "aqlog_compaction_runs_total", dimensions: dims, factory: factory)
        removedSegments = Counter(label: "aqlog_compaction_removed_segments_total", dimensions: dims, factory: factory)
        freedBytes = Counter(label: "aqlog_compaction_freed_bytes_total", dimensions: dims, factory: factory)
        duration = Timer(label: "aqlog_compaction_duration", dimensions: dims, factory: factory)
        segments = Gauge(label: "aqlog_segments", dimensions: dims, factory: factory)
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

/// swift-metrics instruments for `repair`, made by the factory it was given.
struct RepairMetrics: Sendable {
    let repairs: Counter
    let repairedBytes: Counter

    init(directory: String, factory: any MetricsFactory) {
        let dims = [("directory", directory)]
        repairs = Counter(label: "aqlog_repairs_total", dimensions: dims, factory: factory)
        repairedBytes = Counter(label: "aqlog_repair_bytes_total", dimensions: dims, factory: factory)
    }
}
