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
        #expect(append.status != 0)
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
