import Testing
import AQTestSupport
import Foundation
import AQLog

/// Exit codes and messages on torn, corrupt, locked and missing directories.
@Suite struct CLIDamagedTests {
    @Test func tornTailVerifyOneRepairBacksUpThenHealthy() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (path, offset) = try Fixture.torn(dir)
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.status == 1)
        #expect(verify.json["status"] as? String == "torn_tail")
        let torn = verify.json["torn_tail"] as? [String: Any]
        #expect(torn?["file"] as? String == path)
        #expect(torn?["offset"] as? Int == offset)
        // Segment lists name files within DIR (as inspect and compact do); damage is located by path.
        let names = (verify.json["segments"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        #expect(names == segmentFiles(dir))
        #expect(torn?["reason"] as? String == "incomplete_header")
        #expect(verify.stderrLines.count == 1 && verify.stderr.contains(path) && verify.stderr.contains("offset \(offset)"))
        #expect(try aqWal(["verify", dir]).status == 1, "verify changes nothing")
        let inspect = try aqWal(["inspect", dir, "--json"])
        #expect(inspect.status == 0 && inspect.json["torn_tail"] is [String: Any])
        #expect(try aqWal(["dump", dir]).jsonLines.count == 105)
        let original = readFile(path)
        let repair = try aqWal(["repair", dir, "--json"])
        #expect(repair.status == 0)
        #expect(repair.json["status"] as? String == "repaired")
        let backup = try #require(repair.json["backup"] as? String)
        #expect(backup == path + ".torn-\(offset).bak")
        let tornLength = (repair.json["torn_tail"] as? [String: Any])?["length"] as? Int ?? -1
        #expect(readFile(backup) == Array(original[offset..<(offset + tornLength)]), "the damaged bytes were saved")
        #expect((repair.json["bytes_repaired"] as? Int ?? 0) > 0)
        #expect(try aqWal(["verify", dir]).status == 0)
        #expect(try aqWal(["repair", dir, "--json"]).json["status"] as? String == "nothing_to_do")
        let again = try aqWal(["repair", dir])
        #expect(again.status == 0 && again.stdout.contains("nothing to do") && again.stdout.contains("every record intact"),
                "\(again.stdout)")
        #expect(try aqWal(["dump", dir]).jsonLines.count == 105, "no acknowledged record lost")
    }

    @Test func deferredPowerLossIsATornTailThatRepairAndAppendRemove() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.deferredPowerLoss(dir)
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.status == 1, "a torn tail: \(verify.stderr)")
        #expect((verify.json["unsynced_after_damage"] as? [String: Any])?["unsynced_committed_records"] as? Int == 3)
        #expect(verify.stderr.contains("3 committed but never synced records"))
        let copy = tmp.sub("copy")
        try FileManager.default.copyItem(atPath: dir, toPath: copy)
        let repair = try aqWal(["repair", dir, "--json"])
        #expect(repair.status == 0 && repair.json["status"] as? String == "repaired")
        #expect(try aqWal(["verify", dir]).status == 0)
        #expect(try aqWal(["dump", dir]).jsonLines.count == 2, "the two records before the damage")
        // A writer's open does the same by itself.
        let append = try aqWal(["append", copy], stdin: "next\n")
        #expect(append.status == 0 && append.stdout == "3\n", "stderr: \(append.stderr)")
        #expect(append.stderr.contains("(3 committed records never synced)"), "its one line names them: \(append.stderr)")
        #expect(try aqWal(["verify", copy]).status == 0)
        // The flag once needed for it is still accepted.
        #expect(try aqWal(["repair", copy, "--discard-unsynced"]).status == 0)
    }

    @Test func tornTailOtherCommandsStillWork() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try Fixture.torn(dir)
        #expect(try aqWal(["checkpoint", dir, "50"]).status == 0)
        #expect(try aqWal(["compact", dir, "--json"]).status == 0)
        let append = try aqWal(["append", dir], stdin: "after-crash\n")
        #expect(append.status == 0 && append.stdout == "106\n", "append repairs the torn tail on open")
        // ...and says so, keeping the bytes it removed.
        #expect(append.stderrLines.count == 1 && append.stderr.contains("repaired a torn tail"), "\(append.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.contains(".torn-") && $0.hasSuffix(".bak") })
    }

    @Test func corruptHeaderEveryCommandExitsTwoWithOneLine() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let bad = try Fixture.corruptHeader(dir)
        let files = segmentFiles(dir).map { readFile(dir + "/" + $0) }
        let commands: [[String]] = [["verify", dir, "--json"], ["inspect", dir], ["dump", dir], ["repair", dir],
                                    ["checkpoint", dir, "1"], ["compact", dir], ["append", dir]]
        for args in commands {
            let r = try aqWal(args, stdin: "x\n")
            #expect(r.status == 2, "\(args[0])")
            #expect(r.stderrLines.count == 1, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains(bad) && r.stderr.contains("offset 0") && r.stderr.contains("bad_segment_header"), "\(args[0]): \(r.stderr)")
        }
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.json["status"] as? String == "corruption")
        let corruption = verify.json["corruption"] as? [String: Any]
        #expect(corruption?["file"] as? String == bad && corruption?["offset"] as? Int == 0 && corruption?["reason"] as? String == "bad_segment_header")
        #expect(segmentFiles(dir).map { readFile(dir + "/" + $0) } == files, "refused: nothing changed")
    }

    /// A stray copy of a segment under a later name: the stray is blamed, not the healthy
    /// segments before it, and verify says what it proved before reaching it.
    @Test func aStraySegmentAfterTheLastIsTheFileBlamed() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 600)
        let names = segmentFiles(dir)
        try #require(names.count >= 3)
        let stray = dir + "/00000000000000099999.seg"
        try FileManager.default.copyItem(atPath: dir + "/" + names[0], toPath: stray)
        for command in ["verify", "inspect", "dump"] {
            let r = try aqWal([command, dir])
            #expect(r.status == 2, "\(command): \(r.stderr)")
            #expect(r.stderr.contains(stray), "\(command) blames \(r.stderr)")
        }
        let verify = try aqWal(["verify", dir, "--json"])
        #expect((verify.json["records_verified"] as? Int ?? 0) > 0, "\(verify.stdout)")
        // Everything before the stray is proven: the sealed segments and the open one.
        let text = try aqWal(["verify", dir])
        #expect(text.stdout.hasPrefix("corruption: \(names.count) segments, 600 records"), "\(text.stdout)")
        let dump = try aqWal(["dump", dir])
        #expect(dump.status == 2 && dump.jsonLines.count == 600, "every record before the stray is salvaged")
    }

    /// Salvage from a damaged open segment: dump prints every record committed before the
    /// damage, then reports it (exit 2); `--to` below the damage prints those records, exit 0.
    @Test func dumpSalvagesTheRecordsBeforeDamageInTheOpenSegment() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: testOptions)
        let first = (0..<10).map { record($0) }, second = (10..<20).map { record($0) }
        try w.append(contentsOf: first)
        try w.append(contentsOf: second)
        try w.close()
        let segment = dir + "/" + segmentFiles(dir).last!
        let at = try #require(offset(of: second[3], in: readFile(segment)))
        patch(segment, at: at + 7, [readFile(segment)[at + 7] ^ 0x01])
        let dump = try aqWal(["dump", dir])
        #expect(dump.status == 2)
        #expect(dump.jsonLines.count == 10, "the first batch, committed before the damage")
        #expect(dump.stderrLines.count == 1 && dump.stderr.contains(segment), "\(dump.stderr)")
        let upTo = try aqWal(["dump", dir, "--to", "1"])
        #expect(upTo.status == 0 && upTo.jsonLines.count == 1, "\(upTo.stderr)")
        let verify = try aqWal(["verify", dir])
        #expect(verify.status == 2)
        #expect(verify.stdout.hasPrefix("corruption: 1 segments, 10 records"), "\(verify.stdout)")
        // `inspect --json` still prints its object, up to the damage and naming it, for pipelines.
        let inspect = try aqWal(["inspect", dir, "--json"])
        #expect(inspect.status == 2 && inspect.stderrLines.count == 1, "\(inspect.stderr)")
        #expect(inspect.json["last_sequence"] as? Int == 10 && (inspect.json["corruption"] as? [String: Any])?["file"] as? String == segment,
                "\(inspect.stdout)")
    }

    @Test func corruptSealedRecordFoundByVerifyAndDump() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let bad = try Fixture.corruptSealedRecord(dir)
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.status == 2)
        let corruption = verify.json["corruption"] as? [String: Any]
        #expect(corruption?["file"] as? String == bad)
        #expect(corruption?["reason"] as? String == "checksum_mismatch")
        #expect(corruption?["offset"] as? Int == SegmentLayout.dataStart)
        let dump = try aqWal(["dump", dir])
        #expect(dump.status == 2 && dump.stderr.contains("checksum_mismatch") && dump.stderrLines.count == 1)
        // repair refuses it too (it reads sealed records as verify does), and changes nothing.
        let files = Dictionary(uniqueKeysWithValues: try FileManager.default.contentsOfDirectory(atPath: dir).map { ($0, readFile(dir + "/" + $0)) })
        let repair = try aqWal(["repair", dir])
        #expect(repair.status == 2 && repair.stderr.contains(bad) && repair.stderr.contains("checksum_mismatch"), "\(repair.stderr)")
        #expect(Dictionary(uniqueKeysWithValues: try FileManager.default.contentsOfDirectory(atPath: dir).map { ($0, readFile(dir + "/" + $0)) }) == files)
    }

    @Test func damageInsideTheDurablePrefixIsRefusedByVerifyAndRepair() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let segment = try Fixture.corruptInsideDurablePrefix(dir)
        let verify = try aqWal(["verify", dir])
        #expect(verify.status == 2 && verify.stderr.contains(segment), "\(verify.stderr)")
        let before = readFile(segment)
        let repair = try aqWal(["repair", dir])
        #expect(repair.status == 2 && repair.stderr.contains(segment) && !repair.stdout.contains("nothing to do"), "\(repair.stdout) \(repair.stderr)")
        // With --json, the refusal on stdout too, naming the damage stderr names.
        let json = try aqWal(["repair", dir, "--json"])
        #expect(json.status == 2 && json.stderr == repair.stderr)
        #expect(json.json["status"] as? String == "refused" && json.json["bytes_repaired"] as? Int == 0)
        #expect((json.json["corruption"] as? [String: Any])?["file"] as? String == segment)
        #expect(readFile(segment) == before)
    }

    @Test func damagedCheckpointIsReportedAndCompactsNothing() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        #expect(try aqWal(["checkpoint", dir, "600"]).status == 0)
        let path = dir + "/CHECKPOINT"
        writeFile(path, Array(readFile(path).prefix(20)))
        let before = segmentFiles(dir)
        let compact = try aqWal(["compact", dir, "--json"])
        #expect(compact.status == 2)
        #expect((compact.json["checkpoint"] as? [String: Any])?["status"] as? String == "damaged")
        #expect((compact.json["removed"] as? [Any])?.isEmpty == true)
        #expect(compact.stderrLines.count == 1 && compact.stderr.contains(path) && compact.stderr.contains("offset 20"))
        #expect(segmentFiles(dir) == before)
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.status == 2)
        #expect((verify.json["checkpoint"] as? [String: Any])?["status"] as? String == "damaged")
        let corruption = verify.json["corruption"] as? [String: Any]
        #expect(verify.json["status"] as? String == "corruption" && corruption?["reason"] as? String == "damaged_checkpoint"
                && corruption?["file"] as? String == path && corruption?["offset"] as? Int == 20, "\(verify.stdout)")
        let inspect = try aqWal(["inspect", dir])
        #expect(inspect.status == 2 && inspect.stdout.contains("damaged checkpoint") && inspect.stderr.contains(path), "\(inspect.stderr)")
        #expect(try aqWal(["checkpoint", dir, "300"]).status == 0, "rewriting it heals it")
        #expect(try aqWal(["compact", dir]).status == 0)
    }

    /// A `CHECKPOINT` or `ARCHIVED` copied from a longer log names sequences past this log's
    /// end: `verify` and `inspect` report it damaged (exit 2), as `compact` and `archive` act
    /// on it, never "healthy" beside a compaction that refuses it.
    @Test func aCheckpointOrArchiveStatePastTheLogsEndIsDamagedToEveryCommand() throws {
        let tmp = TemporaryDirectory()
        let (dir, longer) = (tmp.sub("log"), tmp.sub("longer"))
        try Fixture.healthy(dir)
        try Fixture.healthy(longer, count: 2000)
        #expect(try aqWal(["checkpoint", longer, "1900"]).status == 0)
        #expect(try aqWal(["archive", longer, "--command", "true"]).status == 0)
        writeFile(dir + "/CHECKPOINT", readFile(longer + "/CHECKPOINT"))
        let verify = try aqWal(["verify", dir, "--json"])
        #expect(verify.status == 2 && verify.json["status"] as? String == "corruption", "\(verify.stdout)")
        #expect((verify.json["corruption"] as? [String: Any])?["reason"] as? String == "damaged_checkpoint")
        #expect(verify.stderr.contains("above the log's last sequence 600"), "\(verify.stderr)")
        let inspect = try aqWal(["inspect", dir])
        #expect(inspect.status == 2 && inspect.stderr.contains("above the log's last sequence 600"), "\(inspect.stderr)")
        #expect(try aqWal(["compact", dir]).status == 2)
        try FileManager.default.removeItem(atPath: dir + "/CHECKPOINT")
        writeFile(dir + "/ARCHIVED", readFile(longer + "/ARCHIVED"))
        let shown = try aqWal(["inspect", dir])
        #expect(shown.status == 2 && shown.stderr.contains("ARCHIVED") && shown.stderr.contains("past the log's last sealed sequence"),
                "\(shown.stderr)")
        #expect(try aqWal(["archive", dir, "--command", "true"]).status == 2)
        #expect(try aqWal(["verify", dir]).status == 0, "verify reads no archive state")
    }

    @Test func lockedByAWriterInThisProcess() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        let writer = try LogWriter.open(directory: dir, options: testOptions)
        defer { try? writer.close() }
        let append = try aqWal(["append", dir], stdin: "x\n")
        #expect(append.status == 75)
        #expect(append.stderrLines.count == 1 && append.stderr.contains(dir) && append.stderr.contains("locked"))
        #expect(try aqWal(["repair", dir]).status == 75)
        for args in [["verify", dir], ["inspect", dir, "--json"], ["dump", dir, "--from", "600"], ["checkpoint", dir, "100"],
                     ["compact", dir, "--json"]] {
            let r = try aqWal(args)
            #expect(r.status == 0, "\(args[0]) needs no writer lock: \(r.stderr)")
        }
        let compactLock = try PosixStorage().lockExclusive(dir + "/" + Compactor.lockFile)
        defer { compactLock.release() }
        let busy = try aqWal(["compact", dir])
        #expect(busy.status == 75 && busy.stderr.contains("another compaction"))
    }

    @Test func missingDirectory() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("absent")
        for args in [["verify", dir], ["inspect", dir], ["dump", dir], ["repair", dir], ["checkpoint", dir, "1"], ["compact", dir],
                     ["verify", dir, "--json"], ["compact", dir, "--json"]] {
            let r = try aqWal(args)
            #expect(r.status == 74, "\(args[0])")
            #expect(r.stderrLines.count == 1 && r.stderr.contains(dir), "\(args[0]): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir), "\(args[0]) must not create the directory")
        }
        let noParent = try aqWal(["append", tmp.sub("no/parent")], stdin: "x\n")
        #expect(noParent.status == 73)
        #expect(noParent.stderrLines.count == 1 && noParent.stderr.contains(tmp.sub("no/parent")))
        let create = try aqWal(["append", dir, "--segment-size", "65536"], stdin: "x\n")
        #expect(create.status == 0 && create.stdout == "1\n")
    }
}
