import Testing
import AQTestSupport
import Metrics
import MetricsTestKit
@testable import AQLog

/// `aqlog_append_failures_total` counts every append call that failed, by error kind, for
/// `Log` and `LogWriter` alike.
@Suite struct AppendFailureMetricTests {
    /// The process's metrics backend (these logs are given no factory).
    static var metrics: TestMetrics { globalTestMetrics }

    static func failures(_ directory: String, _ kind: String) -> Int64 {
        metrics.counters(label: "aqlog_append_failures_total", dimensions: [("directory", directory), ("error", kind)])
            .reduce(0) { $0 + $1.totalValue }
    }

    @Test func failedAppendsAreCounted() async throws {
        let metrics = Self.metrics
        let tmp = TemporaryDirectory()
        let options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
        let writerDir = tmp.sub("writer")
        let writer = try LogWriter.open(directory: writerDir, options: options)
        let tooLarge = [UInt8](repeating: 0, count: writer.maxRecordSize + 1)
        #expect(throws: LogError.self) { try writer.append(tooLarge) }
        #expect(throws: LogError.self) { try writer.append(contentsOf: [[1], tooLarge]) }
        #expect(throws: LogError.self) { try writer.append([1], expectedSequence: 9) }
        try writer.append([1])
        try writer.close()
        #expect(Self.failures(writerDir, "record_too_large") == 2)
        #expect(Self.failures(writerDir, "sequence_violation") == 1)

        let logDir = tmp.sub("log")
        let log = try Log.open(directory: logDir, options: options)
        await #expect(throws: LogError.self) { try await log.append(tooLarge) }
        _ = try await log.append([2])
        try await log.close()
        await #expect(throws: LogError.self) { try await log.append([3]) }
        #expect(Self.failures(logDir, "record_too_large") == 1)
        #expect(Self.failures(logDir, "closed") == 1)
        _ = metrics
    }
}
