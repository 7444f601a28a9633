import Foundation
import Testing

/// Runs the built `aq-bench --quick --json FILE` (found next to this test bundle) and checks
/// the JSON carries every figure with sane values, so the tool cannot rot.
@Suite struct AQBenchSmokeTests {
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("aq-bench")
    }

    @Test(.timeLimit(.minutes(1)))
    func quickRunWritesSaneJSON() throws {
        let exe = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe.path), "aq-bench not built at \(exe.path)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("aq-bench-smoke-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("out.json"), svg = work.appendingPathComponent("out.svg")

        let process = Process()
        process.executableURL = exe
        process.arguments = ["--quick", "--dir", work.path, "--json", json.path, "--svg", svg.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        for key in ["tool", "mode", "machine", "settings", "durationSeconds", "crc", "crcDispatchOverIsal", "append",
                    "recovery", "follow", "verify", "streaming", "targets", "schemaVersion", "startedAt",
                    "readPath", "crashReopen", "idleOpen"] {
            #expect(doc[key] != nil, "missing \(key)")
        }
        #expect((doc["readPath"] as? [Any])?.count == 2, "forEach, verify and the open scan at two record sizes")
        #expect((doc["crashReopen"] as? [[String: Any]])?.allSatisfy { ($0["settleMillis"] as? Double).map { $0 >= 0 } ?? false } == true)
        #expect((doc["idleOpen"] as? [Any])?.count == 2)
        let pairs = (doc["pairs"] as? [[String: Any]]) ?? []
        #expect(Set(pairs.compactMap { $0["comparison"] as? String }) == [".group / .sync", "Log batch / LogWriter batch"],
                "group beside sync and Log beside LogWriter, interleaved")
        #expect(pairs.allSatisfy { ($0["ratio"] as? Double).map { $0 > 0 } ?? false })
        #expect((doc["readPath"] as? [[String: Any]])?.allSatisfy { ($0["rawMmapPerFrame"] as? Double).map { $0 > 0 } ?? false } == true)
        let machine = try #require(doc["machine"] as? [String: Any])
        for key in ["cpus", "cpuModel", "kernel", "filesystem", "device", "crcEngine", "uringAvailable", "memoryGiB"] {
            #expect(machine[key] != nil, "missing machine.\(key)")
        }
        // Every number anywhere in the document is finite and not negative.
        func walk(_ v: Any, _ path: String) {
            if let d = v as? [String: Any] { for (k, x) in d { walk(x, path + "." + k) } }
            else if let a = v as? [Any] { for (i, x) in a.enumerated() { walk(x, path + "[\(i)]") } }
            else if let n = v as? NSNumber, !(v is Bool) {
                #expect(n.doubleValue.isFinite && n.doubleValue >= 0, "\(path) = \(n)")
            }
        }
        walk(doc, "$")

        let crc = try #require(doc["crc"] as? [[String: Any]])
        #expect(crc.count >= 12)
        for c in crc { #expect((c["gigabytesPerSecond"] as? Double ?? 0) > 0) }

        let appends = try #require(doc["append"] as? [[String: Any]])
        #expect(!appends.isEmpty)
        for a in appends {
            let log = try #require(a["log"] as? [String: Any]), base = try #require(a["baseline"] as? [String: Any])
            for key in ["recordsPerSecond", "megabytesPerSecond", "recordsPerSync", "seconds", "bytesWritten"] {
                #expect((log[key] as? Double ?? 0) > 0, "\(a["name"] ?? "?") log.\(key)")
                #expect((base[key] as? Double ?? 0) > 0, "\(a["name"] ?? "?") baseline.\(key)")
            }
            let latency = try #require(log["latencyMicros"] as? [String: Any])
            for key in ["p50", "p99", "p999"] { #expect((latency[key] as? Double ?? 0) > 0) }
            #expect((a["ratioToBaseline"] as? Double ?? 0) > 0)
            // The other baselines, where a row has them, carry the same figures and a ratio.
            for (figures, ratio) in [("secondBaseline", "ratioToSecondBaseline"), ("threadedBaseline", "ratioToThreadedBaseline")] {
                guard let other = a[figures] as? [String: Any] else { #expect(a[ratio] == nil); continue }
                for key in ["recordsPerSecond", "megabytesPerSecond", "seconds", "bytesWritten"] {
                    #expect((other[key] as? Double ?? 0) > 0, "\(a["name"] ?? "?") \(figures).\(key)")
                }
                #expect((a[ratio] as? Double ?? 0) > 0, "\(a["name"] ?? "?") \(ratio)")
                #expect((other["cpuCores"] as? Double ?? 0) > 0, "\(a["name"] ?? "?") \(figures).cpuCores")
            }
            if a["durability"] as? String != "deferred" { #expect((log["syncsPerSecond"] as? Double ?? 0) > 0) }
            #expect(log["rolls"] is Int, "\(a["name"] ?? "?") log.rolls")
            // CPU per run: the log's work shows (a run of any length uses some CPU).
            for (run, figures) in [("log", log), ("baseline", base)] {
                #expect((figures["cpuCores"] as? Double ?? 0) > 0, "\(a["name"] ?? "?") \(run).cpuCores")
                #expect((figures["cpuMicrosPerRecord"] as? Double ?? 0) > 0, "\(a["name"] ?? "?") \(run).cpuMicrosPerRecord")
            }
        }
        // The rolling row (latency across rolls) is there and says so.
        let rolling = appends.filter { $0["rollingSegmentSize"] != nil }
        #expect(rolling.count == 1)
        for a in rolling {
            #expect((a["name"] as? String)?.contains("rolling") == true)
            // More than two segments' worth written: it must have rolled (the run is time-bound,
            // so a very slow disk may write less; then there is nothing to check).
            let log = try #require(a["log"] as? [String: Any])
            if let segment = a["rollingSegmentSize"] as? Int, (log["bytesWritten"] as? Int ?? 0) > 2 * segment {
                #expect((log["rolls"] as? Int ?? 0) >= 1)
            }
        }

        let recovery = try #require(doc["recovery"] as? [[String: Any]])
        #expect(recovery.count >= 4)
        #expect(Set(recovery.compactMap { $0["cache"] as? String }) == ["warm", "cold"])
        for r in recovery {
            #expect((r["openMillis"] as? Double ?? 0) > 0)
            #expect((r["segments"] as? Int ?? 0) > 0)
        }
        #expect(appends.contains { $0["secondBaseline"] != nil }, "no row measured a second baseline")
        let follow = try #require(doc["follow"] as? [String: Any])
        for key in ["commits", "openBytesScanned", "openMillis", "refreshBytesScanned", "refreshMillis"] {
            #expect((follow[key] as? Double ?? 0) > 0, "follow.\(key)")
        }
        #expect((follow["refreshBytesScanned"] as? Int ?? .max) < (follow["openBytesScanned"] as? Int ?? 0), "a refresh reads less than an open")
        let verify = try #require(doc["verify"] as? [[String: Any]])
        #expect(verify.count == 2)
        for v in verify { #expect((v["gigabytesPerSecond"] as? Double ?? 0) > 0) }
        let targets = try #require(doc["targets"] as? [[String: Any]])
        #expect(!targets.isEmpty)
        let actionQueue = try #require(doc["actionQueue"] as? [[String: Any]])
        #expect(actionQueue.compactMap { $0["name"] as? String }
                == ["actionqueue submit x32 sync", "actionqueue submit x32 group", "actionqueue submit x32 deferred"])
        for row in actionQueue {
            #expect((row["commandsPerSecond"] as? Double ?? 0) > 0, "\(row["name"] ?? "?") commandsPerSecond")
            #expect((row["ratioToLog"] as? Double ?? 0) > 0, "\(row["name"] ?? "?") ratioToLog")
            #expect((row["payloadSizes"] as? [Int] ?? []).count == 7, "a task's life is 7 commands")
            let latency = try #require(row["latencyMicros"] as? [String: Any])
            for key in ["p50", "p99"] { #expect((latency[key] as? Double ?? 0) > 0) }
            let log = try #require(row["log"] as? [String: Any])
            #expect((log["recordsPerSecond"] as? Double ?? 0) > 0)
        }

        let picture = try String(contentsOf: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg") && picture.contains("</svg>"))
    }
}
