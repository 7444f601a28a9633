import Testing
import Foundation
import AQLog
import AQTestSupport

/// A monitoring user with read permission only (files 0644, directory 0755, owned by root) runs
/// the read-only commands: each succeeds and reports what a root run reports.
@Suite struct CLIReadOnlyUserTests {
    @Test(.enabled(if: unprivilegedRunner != nil, "needs root and setpriv to run aq-wal as another user"))
    func readersNeedReadPermissionOnly() throws {
        let tmp = TemporaryDirectory()
        chmod(tmp.path, 0o755)
        let dir = tmp.sub("log")
        let records = try Fixture.healthy(dir, count: 300)
        chmod(dir, 0o755)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) { chmod(dir + "/" + name, 0o644) }
        // A live writer holds the lock meanwhile: readers probe it read-only.
        let writer = try LogWriter.open(directory: dir, options: testOptions)
        defer { try? writer.close() }

        let inspect = try aqWal(["inspect", dir, "--json"], unprivileged: true)
        #expect(inspect.status == 0, "inspect: \(inspect.stderr)")
        #expect(inspect.json["last_sequence"] as? Int == records.count, "\(inspect.stdout)")
        let verify = try aqWal(["verify", dir], unprivileged: true)
        #expect(verify.status == 0, "verify: \(verify.stderr)")
        let dump = try aqWal(["dump", dir], unprivileged: true)
        #expect(dump.status == 0, "dump: \(dump.stderr)")
        #expect(dump.jsonLines.count == records.count)
        // What they could not do: write.
        let append = try aqWal(["append", dir + "-new"], stdin: "x\n", unprivileged: true)
        #expect(append.status == 73, "a log it cannot create: \(append.stderr)")
        // An existing empty directory it may not write is a log it cannot create too (73),
        // where a log it may not write is an I/O error (74).
        let empty = tmp.sub("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        chmod(empty, 0o755)
        let intoEmpty = try aqWal(["append", empty], stdin: "x\n", unprivileged: true)
        let left = try FileManager.default.contentsOfDirectory(atPath: empty)
        #expect(intoEmpty.status == 73 && left.isEmpty, "\(intoEmpty.stderr) \(left)")
        try writer.close()
        let intoLog = try aqWal(["append", dir], stdin: "x\n", unprivileged: true)
        #expect(intoLog.status == 74, "\(intoLog.stderr)")
    }

    /// `LOCK` records the durable point readers hold the log to: one the user may not read
    /// stops every read-only command alike, naming it, rather than letting some read the
    /// segments without that point.
    @Test(.enabled(if: unprivilegedRunner != nil, "needs root and setpriv to run aq-wal as another user"))
    func aLockTheUserMayNotReadStopsEveryReader() throws {
        let tmp = TemporaryDirectory()
        chmod(tmp.path, 0o755)
        let dir = tmp.sub("log")
        _ = try Fixture.healthy(dir, count: 30)
        chmod(dir, 0o755)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) { chmod(dir + "/" + name, 0o644) }
        chmod(dir + "/LOCK", 0o600)
        for command in [["verify"], ["inspect"], ["dump"], ["consumer", "list"]] {
            let run = try aqWal(command + [dir], unprivileged: true)
            #expect(run.status == 74, "\(command): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("LOCK"), "\(command): \(run.stderr)")
        }
    }
}
