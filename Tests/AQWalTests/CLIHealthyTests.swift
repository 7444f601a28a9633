import Testing
import AQTestSupport
import Foundation
import AQLog

@Suite struct CLIHealthyTests {
    @Test func appendCreatesTheLogPrintsEachSequenceAndDumpRoundTrips() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let first = try aqWal(["append", dir, "--segment-size", "65536", "--backend", "posix"], stdin: "alpha\n\nbeta\ngamma")
        #expect(first.status == 0)
        #expect(first.stdout == "1\n2\n3\n4\n")
        #expect(first.stderr.isEmpty)
        let second = try aqWal(["append", dir, "--durability", "deferred"], stdin: "delta\n")
        #expect(second.status == 0)
        #expect(second.stdout == "5\n")
        for mode in ["sync", "group"] {
            #expect(try aqWal(["append", dir, "--durability", mode], stdin: mode + "\n").status == 0)
        }
        let dump = try aqWal(["dump", dir])
        #expect(dump.status == 0)
        let lines = dump.jsonLines
        #expect(lines.map { $0["sequence"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
        #expect(lines.map { $0["size"] as? Int } == [5, 0, 4, 5, 5, 4, 5])
        let payloads = lines.compactMap { ($0["payload"] as? String).flatMap { Data(base64Encoded: $0) } }
        #expect(payloads.map { String(decoding: $0, as: UTF8.self) } == ["alpha", "", "beta", "gamma", "delta", "sync", "group"])
        let range = try aqWal(["dump", dir, "--from", "3", "--to", "4"])
        #expect(range.jsonLines.map { $0["sequence"] as? Int } == [3, 4])
        #expect(try aqWal(["dump", dir, "--from", "4", "--to", "3"]).status == 64)
    }

    @Test func inspectShowsSegmentsRangesAndCheckpoint() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        #expect(try aqWal(["checkpoint", dir, "250"]).status == 0)
        let r = try aqWal(["inspect", dir, "--json"])
        #expect(r.status == 0)
        let j = r.json
        #expect(j["first_sequence"] as? Int == 1)
        #expect(j["last_sequence"] as? Int == 600)
        #expect(j["records"] as? Int == 600)
        let segments = j["segments"] as? [[String: Any]] ?? []
        #expect(segments.count == segmentFiles(dir).count)
        #expect(segments.dropLast().allSatisfy { $0["sealed"] as? Bool == true })
        #expect(segments.last?["sealed"] as? Bool == false)
        #expect(segments.allSatisfy { $0["size"] as? Int == 65536 && $0["file"] is String && $0["first_sequence"] is Int && $0["last_sequence"] is Int })
        // Written by `aq-wal append` (a single-owner writer): format 2, one commit in flight, the
        // high-water mark its writer keeps (bit 1).
        #expect(segments.allSatisfy { $0["format_version"] as? Int == 2 && $0["commit_depth"] as? Int == 1 && $0["required_features"] as? Int == 2 })
        let checkpoint = j["checkpoint"] as? [String: Any]
        #expect(checkpoint?["status"] as? String == "recorded")
        #expect(checkpoint?["sequence"] as? Int == 250)
        #expect(j["torn_tail"] is NSNull)
        let text = try aqWal(["inspect", dir])
        #expect(text.status == 0 && text.stdout.contains("checkpoint at sequence 250") && text.stdout.contains("sealed"))
        #expect(text.stdout.contains("v2 depth 1"))
        // An empty log: no records, and its segment shown from its base, not as an empty range.
        let empty = tmp.sub("empty")
        #expect(try aqWal(["append", empty], stdin: "").status == 0)
        let shown = try aqWal(["inspect", empty])
        #expect(shown.status == 0 && shown.stdout.contains("records: 0") && shown.stdout.contains("  from 1  0 records")
                && !shown.stdout.contains("1...0"), "\(shown.stdout)")
    }

    @Test func verifyHealthyIsZeroWithFullCounts() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        let r = try aqWal(["verify", dir, "--json"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.json["status"] as? String == "healthy")
        #expect(r.json["records_verified"] as? Int == 600)
        #expect(r.json["corruption"] is NSNull && r.json["torn_tail"] is NSNull)
        #expect(try aqWal(["verify", dir]).stdout.hasPrefix("healthy"))
    }

    @Test func repairOnAHealthyLogDoesNothing() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        let before = segmentFiles(dir).map { readFile(dir + "/" + $0) }
        let r = try aqWal(["repair", dir, "--json"])
        #expect(r.status == 0)
        #expect(r.json["status"] as? String == "nothing_to_do")
        #expect(r.json["backup"] is NSNull)
        #expect(segmentFiles(dir).map { readFile(dir + "/" + $0) } == before)
    }

    @Test func checkpointThenCompactRemovesCoveredSegmentsAndReportsJSON() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        let segments = try LogReader.open(directory: dir).segments
        #expect(try aqWal(["checkpoint", dir, "601"]).status == 64, "above the last durable sequence")
        let cp = try aqWal(["checkpoint", dir, String(segments[1].lastSequence)])
        #expect(cp.status == 0 && cp.stdout == "checkpoint \(segments[1].lastSequence)\n")
        let dry = try aqWal(["compact", dir, "--dry-run", "--json"])
        #expect(dry.status == 0)
        #expect(dry.json["dry_run"] as? Bool == true)
        #expect((dry.json["removed"] as? [[String: Any]])?.count == 2)
        #expect(segmentFiles(dir).count == segments.count)
        let run = try aqWal(["compact", dir, "--json"])
        #expect(run.status == 0)
        let removed = run.json["removed"] as? [[String: Any]] ?? []
        #expect(removed.map { $0["file"] as? String } == [segments[0].fileName, segments[1].fileName])
        #expect(removed.allSatisfy { $0["bytes"] as? Int == 65536 && $0["first_sequence"] is Int && $0["last_sequence"] is Int })
        #expect(run.json["bytes_freed"] as? Int == 2 * 65536)
        #expect(run.json["first_sequence"] as? Int == Int(segments[2].baseSequence))
        #expect(run.json["segments_after"] as? Int == segments.count - 2)
        #expect(segmentFiles(dir).count == segments.count - 2)
        let again = try aqWal(["compact", dir, "--json"])
        #expect(again.status == 0 && (again.json["removed"] as? [Any])?.isEmpty == true, "idempotent")
        #expect(try aqWal(["verify", dir]).status == 0)
    }

    @Test func compactRetentionWithoutACheckpoint() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        let count = segmentFiles(dir).count
        let none = try aqWal(["compact", dir, "--json"])
        #expect(none.status == 0 && (none.json["removed"] as? [Any])?.isEmpty == true)
        let kept = try aqWal(["compact", dir, "--keep-segments", "2", "--json"])
        #expect(kept.status == 0)
        #expect((kept.json["removed"] as? [Any])?.count == count - 2)
        #expect((kept.json["retention"] as? [String: Any])?["keep_segments"] as? Int == 2)
        #expect(segmentFiles(dir).count == 2)
        #expect(try aqWal(["compact", dir, "--keep-bytes", "-1"]).status == 64)
    }

    /// A v5 record: u32 version 5, u32 payload length, u32 CRC-32/IEEE of the payload, payload.
    func v5Record(_ payload: [UInt8], version: UInt32 = 5) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        return le(version) + le(UInt32(payload.count)) + le(CRC32IEEE.checksum(payload)) + payload
    }

    @Test func importV5ExitCodesCleanTornAndCorrupt() throws {
        let tmp = TemporaryDirectory()
        // The reference's worked vectors: EnginePaused{1000} @1, EngineResumed{2000} @2.
        let paused = v5Record([0x01, 0x0B, 0xE8, 0x07]), resumed = v5Record([0x02, 0x0C, 0xD0, 0x0F])
        writeFile(tmp.sub("clean.v5"), paused + resumed)
        let clean = try aqWal(["import-v5", tmp.sub("clean.v5"), tmp.sub("log1")])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("imported 2 records"))
        #expect(try aqWal(["verify", tmp.sub("log1")]).status == 0)
        #expect(try aqWal(["dump", tmp.sub("log1")]).stdout.split(separator: "\n").count == 2)

        writeFile(tmp.sub("torn.v5"), paused + resumed + [0x05, 0x00, 0x00])
        let torn = try aqWal(["import-v5", tmp.sub("torn.v5"), tmp.sub("log2")])
        #expect(torn.status == 1)
        #expect(torn.stderrLines.count == 1 && torn.stderr.contains("torn tail"))

        var damaged = paused + resumed
        damaged[13] ^= 0x40
        writeFile(tmp.sub("corrupt.v5"), damaged)
        let corrupt = try aqWal(["import-v5", tmp.sub("corrupt.v5"), tmp.sub("log3")])
        #expect(corrupt.status == 2)
        #expect(corrupt.stderrLines.count == 1)
        // A failed import leaves nothing new at the destination.
        #expect(!tmp.exists("log3"), "a refused import left a log behind")
        let absent = try aqWal(["import-v5", tmp.sub("absent.v5"), tmp.sub("log4")])
        #expect(absent.status == 74)
        #expect(!tmp.exists("log4"), "an import of a missing file left a log behind")
        #expect(absent.stderr.components(separatedBy: tmp.sub("absent.v5")).count == 2, "the path once: \(absent.stderr)")
        writeFile(tmp.sub("garbage.v5"), [UInt8](repeating: 0xA5, count: 100))
        let garbage = try aqWal(["import-v5", tmp.sub("garbage.v5"), tmp.sub("log5")])
        #expect(garbage.status == 1)
        #expect(!tmp.exists("log5"), "nothing imported, yet a log was left behind")
        writeFile(tmp.sub("empty.v5"), [])
        let empty = try aqWal(["import-v5", tmp.sub("empty.v5"), tmp.sub("log6")])
        #expect(empty.status == 0 && empty.stdout.contains("imported 0 records"))
        #expect(!tmp.exists("log6"), "an empty file imported nothing, yet a log was left behind")
        // What was there before is never removed: a dangling link, an existing directory.
        symlink(tmp.sub("nowhere"), tmp.sub("link"))
        #expect(try aqWal(["import-v5", tmp.sub("absent.v5"), tmp.sub("link")]).status == 74)
        #expect(try aqWal(["import-v5", tmp.sub("corrupt.v5"), tmp.sub("link")]).status != 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tmp.sub("link"))) != nil, "the link was removed")
        try FileManager.default.createDirectory(atPath: tmp.sub("mine"), withIntermediateDirectories: false)
        writeFile(tmp.sub("mine/keep.txt"), [1])
        writeFile(tmp.sub("mine/CHECKPOINT"), [7])  // a name the log uses, but no log: kept too
        #expect(try aqWal(["import-v5", tmp.sub("corrupt.v5"), tmp.sub("mine")]).status == 2)
        #expect(tmp.read("mine/keep.txt") == [1], "a directory the import did not create is left as it was")
        // ... and holds no log files after the failure: it was no log before.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.sub("mine")).sorted() == ["CHECKPOINT", "keep.txt"])
        #expect(tmp.read("mine/CHECKPOINT") == [7])
        try FileManager.default.createDirectory(atPath: tmp.sub("empty"), withIntermediateDirectories: false)
        #expect(try aqWal(["import-v5", tmp.sub("empty.v5"), tmp.sub("empty")]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.sub("empty")).isEmpty, "an empty directory stays empty and stays")
        #expect(try aqWal(["inspect", tmp.sub("empty")]).status == 74, "no log there")
    }

    @Test func usageErrorsExit64AndEveryCommandHasHelpWithExamples() throws {
        #expect(try aqWal(["frobnicate"]).status == 64)
        #expect(try aqWal(["append"]).status == 64)
        #expect(try aqWal(["append", "/tmp/x", "--durability", "sometimes"]).status == 64)
        #expect(try aqWal(["checkpoint", "/tmp/x", "minus-one"]).status == 64)
        for command in ["append", "dump", "inspect", "verify", "repair", "checkpoint", "compact", "import-v5"] {
            let help = try aqWal([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example"), "\(command) --help shows examples")
            // Every example is one line that copies and pastes (none wrapped to the next line).
            let examples = help.stdout.components(separatedBy: "Example").last!.components(separatedBy: "USAGE:").first!
            for line in examples.split(separator: "\n").dropFirst() where !line.isEmpty {
                #expect(line.hasPrefix("  "), "\(command) --help: an example wrapped mid-command: \(line)")
            }
        }
    }
}
