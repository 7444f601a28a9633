import Testing
import Foundation
import AQLog
import AQTestSupport

/// Two consumers and `compact` run from cron: the slow consumer's records stay until it
/// advances or is dropped; a consumer advances its cursor with write permission on that one
/// file; a damaged cursor stops compaction with exit 2.
@Suite struct CLIConsumerTests {
    @Test func theSlowConsumersRecordsStayUntilItAdvancesOrIsDropped() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let records = try Fixture.healthy(dir, count: 1200)
        let segments = try LogReader.open(directory: dir).segments
        #expect(try aqWal(["consumer", "set", dir, "mailer", "0"]).stdout == "consumer mailer registered at 0\n")
        #expect(try aqWal(["consumer", "set", dir, "indexer", "700"]).status == 0)
        #expect(try aqWal(["checkpoint", dir, "1200"]).status == 0)

        var compact = try aqWal(["compact", dir, "--json"])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect((compact.json["removed"] as? [Any])?.isEmpty == true)
        #expect(compact.json["held_by_consumer"] as? String == "mailer")
        let listed = try aqWal(["consumer", "list", dir, "--json"]).json["consumers"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["name"] as? String } == ["indexer", "mailer"])
        #expect(listed.map { $0["lag"] as? Int } == [500, 1200])
        let inspect = try aqWal(["inspect", dir, "--json"])
        #expect((inspect.json["consumers"] as? [[String: Any]])?.count == 2)

        // The mailer catches up through the second segment: the first two go.
        #expect(try aqWal(["consumer", "set", dir, "mailer", "\(segments[1].lastSequence)"]).stdout
                == "consumer mailer set at \(segments[1].lastSequence)\n")
        compact = try aqWal(["compact", dir, "--json"])
        #expect((compact.json["removed"] as? [[String: Any]])?.map { $0["file"] as? String } == [segments[0].fileName, segments[1].fileName])

        // Dropped, it holds nothing more: compaction goes up to the indexer.
        #expect(try aqWal(["consumer", "drop", dir, "mailer"]).status == 0)
        #expect(try aqWal(["consumer", "drop", dir, "mailer"]).status == 64)
        compact = try aqWal(["compact", dir, "--json"])
        #expect(compact.json["held_by_consumer"] as? String == "indexer")
        let kept = try LogReader.open(directory: dir)
        #expect(kept.firstSequence <= 701 && kept.firstSequence > segments[1].lastSequence)
        #expect(try kept.record(701) == records[700])
    }

    /// `--max-consumer-lag` drops a cursor that lags too far: a dry run names it and lists it,
    /// a run names it and lists only the cursors left.
    @Test func aDroppedCursorIsNamedAndNoLongerListed() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 1200)
        #expect(try aqWal(["consumer", "set", dir, "slow", "1"]).status == 0)
        #expect(try aqWal(["consumer", "set", dir, "fast", "1100"]).status == 0)
        #expect(try aqWal(["checkpoint", dir, "1200"]).status == 0)
        let names = { (r: CLIResult) in ((r.json["consumers"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String } }
        let dry = try aqWal(["compact", dir, "--max-consumer-lag", "500", "--dry-run", "--json"])
        #expect(dry.json["dropped_consumers"] as? [String] == ["slow"] && names(dry) == ["fast", "slow"], "\(dry.stdout)")
        let run = try aqWal(["compact", dir, "--max-consumer-lag", "500", "--json"])
        #expect(run.json["dropped_consumers"] as? [String] == ["slow"] && names(run) == ["fast"], "\(run.stdout)")
    }

    @Test func aDamagedCursorStopsCompactionWithExit2AndBadArgumentsExit64() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 600)
        #expect(try aqWal(["consumer", "set", dir, "c", "5"]).status == 0)
        #expect(try aqWal(["checkpoint", dir, "600"]).status == 0)
        _ = FileManager.default.createFile(atPath: dir + "/consumers/c.cursor", contents: Data("garbage".utf8))
        let compact = try aqWal(["compact", dir])
        #expect(compact.status == 2)
        #expect(compact.stderr.contains("c.cursor: corruption at offset 7: bad_cursor"), "\(compact.stderr)")
        #expect(try LogReader.open(directory: dir).firstSequence == 1, "nothing removed")
        #expect(try aqWal(["consumer", "list", dir]).status == 2)
        let inspect = try aqWal(["inspect", dir])
        #expect(inspect.status == 2 && inspect.stdout.contains("c") && inspect.stderr.contains("c.cursor"), "shown, then exit 2: \(inspect.stderr)")
        #expect(try aqWal(["consumer", "set", dir, "c", "600"]).stdout == "consumer c registered at 600\n", "set again, replacing the damage")
        #expect(try aqWal(["inspect", dir]).status == 0)
        #expect(try aqWal(["consumer", "list", dir]).status == 0)
        #expect(try aqWal(["consumer", "set", dir, "../x", "1"]).status == 64)
        #expect(try aqWal(["consumer", "set", dir, "d", "601"]).status == 64)
        #expect(try aqWal(["consumer", "set", tmp.sub("missing"), "d", "1"]).status == 74)
    }

    /// A cursor past the log's last sequence (its file copied from a longer log) is damage, as
    /// a checkpoint past the end is: listed and inspected with exit 2, naming the file.
    @Test func aCursorPastTheLogsEndIsReportedAsDamaged() throws {
        let tmp = TemporaryDirectory(); let long = tmp.sub("long"), short = tmp.sub("short")
        try Fixture.healthy(long, count: 900)
        try Fixture.healthy(short, count: 300)
        #expect(try aqWal(["consumer", "set", long, "c", "800"]).status == 0)
        #expect(try aqWal(["consumer", "set", short, "d", "300"]).status == 0)
        try FileManager.default.copyItem(atPath: long + "/consumers/c.cursor", toPath: short + "/consumers/c.cursor")
        let listed = try aqWal(["consumer", "list", short])
        #expect(listed.status == 2)
        #expect(listed.stderr.contains("c.cursor: corruption at offset 16: bad_cursor"), "\(listed.stderr)")
        #expect(listed.stderr.contains("position 800 above the log's last sequence 300"), "\(listed.stderr)")
        let inspect = try aqWal(["inspect", short])
        #expect(inspect.status == 2 && inspect.stderr.contains("c.cursor"), "\(inspect.stderr)")
        // Compaction holds everything for it, as for any damaged cursor.
        #expect(try aqWal(["consumer", "drop", short, "d"]).status == 0)
        #expect(try aqWal(["checkpoint", short, "300"]).status == 0)
        let compact = try aqWal(["compact", short])
        #expect(compact.status == 2 && compact.stderr.contains("c.cursor"), "\(compact.stderr)")
        #expect(try LogReader.open(directory: short).firstSequence == 1, "nothing removed")
        #expect(try aqWal(["consumer", "drop", short, "c"]).status == 0)
        #expect(try aqWal(["consumer", "list", short]).status == 0, "the cursor at the end is fine")
    }

    @Test(.enabled(if: unprivilegedRunner != nil, "needs root and setpriv to run aq-wal as another user"))
    func aConsumerAdvancesItsCursorWithWritePermissionOnThatFileOnly() throws {
        let tmp = TemporaryDirectory()
        chmod(tmp.path, 0o755)
        let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 300)
        #expect(try aqWal(["consumer", "set", dir, "worker", "0"]).status == 0)
        chmod(dir, 0o755)
        chmod(dir + "/consumers", 0o755)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "consumers" { chmod(dir + "/" + name, 0o644) }
        chown(dir + "/consumers/worker.cursor", 65534, 65534)

        let advance = try aqWal(["consumer", "set", dir, "worker", "250"], unprivileged: true)
        #expect(advance.status == 0, "\(advance.stderr)")
        #expect(try ConsumerCursor.list(directory: dir).first?.position == 250)
        let list = try aqWal(["consumer", "list", dir], unprivileged: true)
        #expect(list.status == 0, "\(list.stderr)")
        // Registering a new cursor needs the directory: refused for this user.
        let register = try aqWal(["consumer", "set", dir, "other", "0"], unprivileged: true)
        #expect(register.status == 74, "\(register.stderr)")
    }

    /// An operator's `compact` run as root leaves `COMPACT.LOCK` root's: the service, another
    /// user, still records its checkpoints.
    @Test(.enabled(if: unprivilegedRunner != nil, "needs root and setpriv to run aq-wal as another user"))
    func aCheckpointIsWrittenWhenTheCompactionLockBelongsToAnotherUser() throws {
        let tmp = TemporaryDirectory()
        chmod(tmp.path, 0o755)
        let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 300)
        #expect(try aqWal(["compact", dir]).status == 0)  // creates COMPACT.LOCK, root's, 0644
        chmod(dir + "/COMPACT.LOCK", 0o644)
        chmod(dir, 0o777)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "COMPACT.LOCK" { chmod(dir + "/" + name, 0o666) }
        let checkpoint = try aqWal(["checkpoint", dir, "250"], unprivileged: true)
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        #expect(try Checkpoint.read(directory: dir) == .recorded(250))
    }

    /// A cursor file copied in under a name `set` refuses holds compaction like any other, so
    /// `drop` takes that name; a position whose next records were compacted is refused, as is
    /// a `dump` range that lies wholly below the first retained record said to be empty.
    @Test func oddNamesCanBeDroppedAndCompactedPositionsAreRefused() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 1200)
        #expect(try aqWal(["consumer", "set", dir, "good", "10"]).status == 0)
        try FileManager.default.moveItem(atPath: dir + "/consumers/good.cursor", toPath: dir + "/consumers/bad name.cursor")
        #expect(try aqWal(["checkpoint", dir, "1200"]).status == 0)
        let held = try aqWal(["compact", dir, "--json"])
        #expect(held.json["held_by_consumer"] as? String == "bad name", "\(held.stdout)")
        #expect(try aqWal(["consumer", "set", dir, "bad name", "20"]).status == 64, "set keeps its name rules")
        let drop = try aqWal(["consumer", "drop", dir, "bad name"])
        #expect(drop.status == 0, "\(drop.stderr)")
        #expect(try aqWal(["consumer", "set", dir, "nl", "10"]).status == 0)
        try FileManager.default.moveItem(atPath: dir + "/consumers/nl.cursor", toPath: dir + "/consumers/n\nl.cursor")
        let listed = try aqWal(["consumer", "list", dir])
        #expect(listed.stdout == "consumer n\\nl at 10 (lag 1190)\n1 consumers; last sequence 1200\n", "one line per cursor: \(listed.stdout)")
        #expect(try aqWal(["consumer", "drop", dir, "n\nl"]).status == 0)
        #expect(try aqWal(["consumer", "drop", dir, "../LOCK"]).status == 64)
        #expect(FileManager.default.fileExists(atPath: dir + "/LOCK"))

        #expect(try aqWal(["compact", dir]).status == 0)
        let first = try LogReader.open(directory: dir).firstSequence
        try #require(first > 1, "compaction removed a segment")
        let late = try aqWal(["consumer", "set", dir, "late", "0"])
        #expect(late.status == 64 && late.stderr.contains("below the first retained record \(first)"), "\(late.stderr)")
        #expect(try aqWal(["consumer", "set", dir, "late", "\(first - 1)"]).status == 0, "the lowest position still allowed")
        let huge = try aqWal(["consumer", "set", dir, "late", "\(UInt64.max)"])
        #expect(huge.status == 64 && huge.stderr.contains("above the log's last durable sequence"), "\(huge.status) \(huge.stderr)")
        let below = try aqWal(["dump", dir, "--from", "1", "--to", "\(first - 1)"])
        #expect(below.status == 0 && below.stdout.isEmpty)
        #expect(below.stderr.contains("--to \(first - 1) is below the first retained record (\(first)") && below.stderr.contains("nothing to print"),
                "\(below.stderr)")
    }
}
