import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// The metrics table of docs/OPERATIONS.md is the one list of the library's instruments: a log
/// that appends, fails an append, flushes, rolls, closes, and is compacted and repaired makes
/// exactly the instruments it lists, of the kinds it gives.
@Suite struct MetricsTableTests {
    @Test func theInstrumentsMadeAreExactlyTheDocumentedOnes() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let factory = RecordingMetricsFactory()
        var options = smallSegments
        options.metricsFactory = factory
        let log = try Log.open(directory: dir, options: options, durability: .deferred)
        for i in 0..<700 { try await log.append(payload(i, size: 200)) }
        await #expect(throws: LogError.self) { try await log.append([UInt8](repeating: 0, count: log.maxRecordSize + 1)) }
        try await log.flush()
        try await log.close()
        #expect(try LogReader.open(directory: dir).segments.count >= 3)

        _ = try await LogArchiver(directory: dir, metricsFactory: factory) { _ in }.run()
        try Checkpoint.write(directory: dir, sequence: 500)
        #expect(try !Compactor(directory: dir, metricsFactory: factory).run().removed.isEmpty)

        let crashed = tmp.sub("crashed")
        _ = try RecoveryTests().crashedLog(crashed, count: 5)
        let (path, end) = try openSegmentEnd(crashed)
        patch(path, at: end, [0x05, 0x00])
        #expect(try LogRepair.repair(directory: crashed, metricsFactory: factory).repaired)

        let documented = try documentedMetrics()
        let made = factory.instruments
        #expect(!documented.isEmpty)
        #expect(made.subtracting(documented).isEmpty, "made but not in docs/OPERATIONS.md: \(made.subtracting(documented).sorted { $0.label < $1.label })")
        #expect(documented.subtracting(made).isEmpty, "documented but never made: \(documented.subtracting(made).sorted { $0.label < $1.label })")
    }
}
