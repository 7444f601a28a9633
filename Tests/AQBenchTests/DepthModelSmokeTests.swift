import Foundation
import Testing

/// Runs the built `aq-bench` with the commits-in-flight model alone, briefly, at depths 1 and
/// 2, and checks what must hold whatever the disk: records acknowledged, percentiles in order,
/// no more writes in flight than the depth, no padding at depth 1 (a batch only ever starts
/// with nothing else in flight), open-loop runs at the fractions of the closed-loop peak.
@Suite struct DepthModelSmokeTests {
    @Test(.timeLimit(.minutes(1)))
    func depthModelAtDepthsOneAndTwo() throws {
        let exe = AQBenchSmokeTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe.path), "aq-bench not built at \(exe.path)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("aq-bench-depth-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("out.json")

        let process = Process()
        process.executableURL = exe
        process.arguments = ["--quick", "--skip-recovery", "--filter", "depth model", "--depth-model-depths", "1,2",
                             "--dir", work.path, "--json", json.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        #expect((doc["append"] as? [Any])?.isEmpty == true, "the filter runs the model alone")
        let models = try #require(doc["depthModel"] as? [[String: Any]])
        #expect(models.map { $0["producers"] as? Int } == [8, 64])
        for m in models {
            let name = m["name"] as? String ?? "?"
            let closed = try #require(m["closed"] as? [[String: Any]])
            let open = try #require(m["open"] as? [[String: Any]])
            #expect(closed.map { $0["depth"] as? Int } == [1, 2], "\(name): one closed-loop median per depth")
            #expect((m["closedRuns"] as? [Any])?.count == 2, "\(name): --quick runs each depth once")
            #expect((m["openRuns"] as? [Any])?.count == 4, "\(name): and each open-loop load and depth once")
            // Open loop at 50% and 80% of the peak, each for depth 1 and then depth 2.
            #expect(open.map { $0["depth"] as? Int } == [1, 2, 1, 2], "\(name)")
            #expect(open.map { $0["offeredFractionOfPeak"] as? Double } == [0.5, 0.5, 0.8, 0.8], "\(name)")
            let peak = m["peakRecordsPerSecond"] as? Double ?? 0
            #expect(peak > 0, "\(name)")
            #expect(closed.contains { $0["depth"] as? Int == m["bestDepth"] as? Int }, "\(name)")
            #expect(abs((closed.map { $0["recordsPerSecond"] as? Double ?? 0 }.max() ?? 0) - peak) < 1e-6, "\(name)")

            for r in closed + open {
                let label = "\(name) \(r["loop"] as? String ?? "?") depth \(r["depth"] as? Int ?? 0)"
                let depth = r["depth"] as? Int ?? 0
                let records = r["records"] as? Int ?? 0, batches = r["batches"] as? Int ?? 0
                #expect(records > 0 && batches > 0, "\(label)")
                #expect((r["recordsPerSecond"] as? Double ?? 0) > 0, "\(label)")
                #expect((r["seconds"] as? Double ?? 0) > 0, "\(label)")
                let inFlight = r["maxInFlight"] as? Int ?? 0
                #expect(inFlight >= 1 && inFlight <= depth, "\(label): \(inFlight) writes in flight")
                // Whole 4 KiB blocks, at least the records' bytes.
                let bytes = r["bytesWritten"] as? Int ?? 0
                #expect(bytes % 4096 == 0 && bytes >= records * 256, "\(label): \(bytes) bytes written")
                let padding = r["paddingBytes"] as? Int ?? -1
                #expect(padding >= 0 && padding < batches * 4096, "\(label): padding \(padding)")
                if depth == 1 { #expect(padding == 0, "\(label): a depth-1 batch never starts beside another write") }
                let latency = try #require(r["latencyMicros"] as? [String: Any])
                let p50 = latency["p50"] as? Double ?? 0, p99 = latency["p99"] as? Double ?? 0
                let p999 = latency["p999"] as? Double ?? 0, max = latency["max"] as? Double ?? 0
                #expect(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max, "\(label): \(p50) \(p99) \(p999) \(max)")
                #expect((latency["samples"] as? Int ?? 0) == records, "\(label): one latency per acknowledged record")
            }
            for r in open {
                let offered = r["offeredRecordsPerSecond"] as? Double ?? 0
                #expect(abs(offered - peak * (r["offeredFractionOfPeak"] as? Double ?? 0)) < 1e-6 * peak, "\(name)")
            }
            #expect(closed[1]["recordsPerSecondOverDepth1"] is Double && closed[1]["batchGainNeeded"] as? Double == 1.5, "\(name)")
        }
    }
}
