import Testing
import AQTestSupport
import Foundation
import Logging
import Metrics
import Synchronization
@testable import AQLog

/// A log reports to the logger and metrics factory its options give, and nowhere else; the
/// concurrent `Log` reports its back-pressure in two gauges.
@Suite struct InjectedObservabilityTests {
    @Test func aDroppedLogWarnsTheInjectedLogger() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (logger, records) = RecordingLogHandler.logger()
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.logger = logger
        do {
            let log = try Log.open(directory: dir, options: options)
            _ = try await log.append([1])
            // dropped here, without close()
        }
        let warnings = records.entries(.warning, "Log dropped without close(): closing it")
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["directory"] == dir)
        #expect(records.entries(.debug, "opened log").count == 1)
    }

    @Test func recoveryWarnsTheInjectedLoggerOfATornTail() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try RecoveryTests().crashedLog(dir, count: 5)
        let (path, end) = try openSegmentEnd(dir)
        patch(path, at: end, [0x05, 0x00])
        let (logger, records) = RecordingLogHandler.logger()
        var options = smallSegments
        options.logger = logger
        let writer = try LogWriter.open(directory: dir, options: options)
        try writer.close()
        let warnings = records.entries(.warning, "repaired torn tail on open")
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["bytes"] == "\(writer.recoveryReport.bytesRepaired)")
    }

    @Test func compactionAndCheckpointsReportToTheirInjectedLogger() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1000)
        let (logger, records) = RecordingLogHandler.logger()
        try Checkpoint.write(directory: dir, sequence: 600, logger: logger)
        #expect(records.entries(.debug, "checkpoint written").count == 1)
        let report = try Compactor(directory: dir, logger: logger).run()
        #expect(records.entries(.debug, "compacted segment").count == report.removed.count)
        #expect(records.entries(.debug, "compaction finished").count == 1)
        patch(dir + "/" + LogDirectoryLayout.checkpointFile, at: 0, [0xFF])
        #expect(try Checkpoint.read(directory: dir, logger: logger) != .absent)
        #expect(records.entries(.warning, "damaged checkpoint treated as absent").count == 1)
    }

    @Test func anInjectedFactoryGetsTheMetricsAndTheGlobalOneNone() async throws {
        let global = globalTestMetrics
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let factory = RecordingMetricsFactory()
        var options = smallSegments
        options.metricsFactory = factory
        let log = try Log.open(directory: dir, options: options)
        for i in 0..<400 { try await log.append(payload(i, size: 200)) }
        try await log.close()
        try Checkpoint.write(directory: dir, sequence: 300)
        #expect(try !Compactor(directory: dir, metricsFactory: factory).run().removed.isEmpty)
        let directory = [("directory", dir)]
        #expect(factory.values.counterTotal(label: "aqlog_appended_records_total", dimensions: directory) == 400)
        #expect(factory.values.counterTotal(label: "aqlog_segment_rolls_total", dimensions: directory) >= 1)
        #expect(factory.values.counterTotal(label: "aqlog_compaction_runs_total", dimensions: directory) == 1)
        #expect(!hasInstruments(global, directory: dir))
    }

    /// The gauges show what a held commit let pile up (the bound's worth of staged bytes, and
    /// producers waiting for room), are recorded at most once per batch, and read zero once
    /// the log is closed.
    @Test func backPressureGauges() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let factory = RecordingMetricsFactory()
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.metricsFactory = factory
        options.idleVouchDelay = nil
        options.maxPendingBytes = 64 << 10  // the least a log takes
        let storage = RecordingStorage()
        let log = try Log(directory: dir, options: options, storage: storage)
        let released = Mutex(false)
        storage.betweenWriteAndSync.withLock { $0 = { while !released.withLock({ $0 }) { usleep(1_000) } } }
        let (producers, each) = (16, 2)
        let appending = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<producers {
                    group.addTask { for i in 0..<each { try await log.append(payload(p * each + i, size: 8192)) } }
                }
                try await group.waitForAll()
            }
        }
        // The first commit is held: the others stage up to the bound, then wait for room.
        #expect(await eventually { log.committer.lock.withLock { log.committer.waiters.waitingForRoom } > 0 })
        storage.betweenWriteAndSync.withLock { $0 = nil }
        released.withLock { $0 = true }
        try await appending.value
        try await log.close()
        let staged = factory.gaugeValues("aqlog_staged_bytes", directory: dir)
        let waiting = factory.gaugeValues("aqlog_producers_waiting_for_room", directory: dir)
        #expect((staged.max() ?? 0) >= Double(log.committer.policy.maxPendingBytes))
        #expect((waiting.max() ?? 0) >= 1)
        #expect(staged.last == 0)
        #expect(waiting.last == 0)
        // At most one value per completed commit (each synced once here) and one at close.
        #expect(staged.count <= storage.syncs + 1)
        #expect(waiting.count <= storage.syncs + 1)
    }

    @Test func theLoggerAndFactoryDoNotMakeOptionsUnequal() {
        var a = smallSegments, b = smallSegments
        a.logger = RecordingLogHandler.logger().0
        b.metricsFactory = RecordingMetricsFactory()
        #expect(a == b)
        b.maxPendingBytes += 1
        #expect(a != b)
    }
}
