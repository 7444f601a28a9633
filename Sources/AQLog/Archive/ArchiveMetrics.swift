import Metrics

/// The archiver's instruments (docs/OPERATIONS.md, "Observability"), dimension `directory`.
struct ArchiveMetrics: Sendable {
    let segments: Counter
    let bytes: Counter
    let failures: Counter
    let heldBytes: Gauge
    let heldAge: Gauge

    init(directory: String, factory: any MetricsFactory) {
        let dims = [("directory", directory)]
        segments = Counter(label: "aqlog_archive_segments_total", dimensions: dims, factory: factory)
        bytes = Counter(label: "aqlog_archive_bytes_total", dimensions: dims, factory: factory)
        failures = Counter(label: "aqlog_archive_failures_total", dimensions: dims, factory: factory)
        heldBytes = Gauge(label: "aqlog_archive_held_bytes", dimensions: dims, factory: factory)
        heldAge = Gauge(label: "aqlog_archive_held_age_seconds", dimensions: dims, factory: factory)
    }

    func held(_ status: ArchiveStatus) {
        heldBytes.record(status.heldBytes)
        heldAge.record(status.heldAge() ?? 0)
    }
}
