import Testing
import AQTestSupport
import Foundation
import ActionQueue
@testable import AQLog

/// `aq-wal archive` and `aq-wal restore`: output, exit codes and state, with `cp` as the
/// archive (the recipes for real tools are in `CLIArchiveToolsTests`).
@Suite struct CLIArchiveTests {
    /// Stores `%p` as `STORE/%f` through a temporary name (the shape every recipe has).
    static func store(_ dir: String) -> String { "cp %p \(dir)/.tmp.%f && mv \(dir)/.tmp.%f \(dir)/%f" }
    /// Fetches `STORE/%f` into `%p`, exit 4 when there is none.
    static func fetch(_ dir: String) -> String { "test -e \(dir)/%f || exit 4; cp \(dir)/%f %p" }

    @Test func archiveSendsSealedSegmentsOnceAndAFailureExits74AndResumes() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"); let store = tmp.sub("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
        try Fixture.healthy(dir, count: 1500)
        let sealed = try LogReader.open(directory: dir).segments.filter(\.isSealed)
        // The third segment's copy fails: exit 74 naming it and the status; two were sent.
        let failing = "case %f in *\(sealed[2].fileName)*) exit 3;; esac; " + Self.store(store)
        let first = try aqWal(["archive", dir, "--command", failing])
        #expect(first.status == 74)
        #expect(first.stderr.contains(sealed[2].fileName) && first.stderr.contains("exited with status 3"))
        #expect(first.stdout.contains("archived \(sealed[1].fileName)") && !first.stdout.contains(sealed[2].fileName))
        let second = try aqWal(["archive", dir, "--command", Self.store(store), "--json"])
        #expect(second.status == 0)
        #expect(second.json["sent"] as? [String] == sealed[2...].map(\.fileName))
        #expect(segmentFiles(store) == sealed.map(\.fileName))
        let third = try aqWal(["archive", dir, "--command", "exit 1"])
        #expect(third.status == 0 && third.stdout.contains("archived 0 segments"), "nothing left to send")
        // inspect and compact show the state.
        let inspect = try aqWal(["inspect", dir, "--json"])
        let archive = inspect.json["archive"] as? [String: Any]
        #expect((archive?["state"] as? [String: Any])?["archived_through"] as? Int == Int(sealed.last!.lastSequence))
        #expect((inspect.json["segments"] as? [[String: Any]])?.map { $0["archived"] as? Bool } == sealed.map { _ in true } + [false])
    }

    /// A first run over a log it cannot list leaves it as it was: not archiving, no hold on
    /// compaction.
    @Test func aFirstRunOverADamagedLogChangesNothing() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 1500)
        let first = dir + "/" + segmentFiles(dir)[0]
        writeFile(first, (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
        let checkpoint = dir + "/CHECKPOINT"
        let before = FileManager.default.contents(atPath: checkpoint)
        let r = try aqWal(["archive", dir, "--command", "true"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + ArchiveState.fileName))
        #expect(FileManager.default.contents(atPath: checkpoint) == before, "the checkpoint's hold bit untouched")
    }

    @Test func compactKeepsWhatIsNotArchivedAndStopReleasesIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"); let store = tmp.sub("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
        try Fixture.healthy(dir, count: 1500)
        let sealed = try LogReader.open(directory: dir).segments.filter(\.isSealed)
        let failing = "case %f in *\(sealed[1].fileName)*) exit 3;; esac; " + Self.store(store)
        #expect(try aqWal(["archive", dir, "--command", failing]).status == 74)
        #expect(try aqWal(["checkpoint", dir, "1500"]).status == 0)
        let compact = try aqWal(["compact", dir, "--json"])
        #expect(compact.status == 0)
        #expect((compact.json["removed"] as? [[String: Any]])?.count == 1)
        #expect(compact.json["held_by_archive"] as? Bool == true)
        #expect(((compact.json["archive"] as? [String: Any])?["held_segments"] as? Int) == sealed.count - 1)
        let text = try aqWal(["inspect", dir])
        #expect(text.stdout.contains("not archived") && text.stdout.contains("\(sealed.count - 1) sealed segments"))
        let stop = try aqWal(["archive", dir, "--stop", "--json"])
        #expect(stop.status == 0 && !FileManager.default.fileExists(atPath: dir + "/ARCHIVED"))
        #expect(stop.json["archiving"] as? Bool == false && stop.json["directory"] as? String == dir, "\(stop.stdout)")
        #expect((try aqWal(["compact", dir, "--json"]).json["removed"] as? [[String: Any]])?.count == sealed.count - 1)
    }

    @Test func usageAndLockedAndBadPaths() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        #expect(try aqWal(["archive", dir]).status == 64, "neither --command nor --stop")
        #expect(try aqWal(["archive", dir, "--command", "true", "--stop"]).status == 64)
        #expect(try aqWal(["archive", tmp.sub("missing"), "--command", "true"]).status == 74)
        writeFile(tmp.sub("file"), [1])
        #expect(try aqWal(["archive", tmp.sub("file"), "--command", "true"]).status == 74)
        let held = try PosixStorage().lockExclusive(dir + "/" + LogArchiver.lockFile)
        let locked = try aqWal(["archive", dir, "--command", "true"])
        let stopLocked = try aqWal(["archive", dir, "--stop"])
        held.release()
        #expect(locked.status == 75 && locked.stderr.contains("another archive run"))
        #expect(stopLocked.status == 75, "--stop waits for no archive run")
        // A damaged ARCHIVED: archiving refuses with exit 2 until --stop resets it.
        #expect(try aqWal(["archive", dir, "--command", "true"]).status == 0)
        patch(dir + "/ARCHIVED", at: 16, [0xFF])
        let damaged = try aqWal(["archive", dir, "--command", "true"])
        #expect(damaged.status == 2 && damaged.stderr.contains("damaged archive state"))
        let inspect = try aqWal(["inspect", dir])
        #expect(inspect.status == 2 && inspect.stderr.contains("ARCHIVED"), "shown, then exit 2: \(inspect.stderr)")
        #expect(try aqWal(["archive", dir, "--stop"]).status == 0)
        #expect(try aqWal(["archive", dir, "--command", "true"]).status == 0)
        #expect(try aqWal(["restore", tmp.sub("missing") + "/r", "--command", "exit 4"]).status == 73, "cannot create the copy")
        #expect(try aqWal(["restore", tmp.sub("file"), "--command", "exit 4"]).status == 73)
        let nothing = try aqWal(["restore", tmp.sub("r0"), "--command", "true"])
        #expect(nothing.status == 74 && nothing.stderr.contains("reported the object fetched, but nothing is at"))
        // A directory that was there, holding no log: left as it was, with no `LOCK` making it
        // look like a log, whether the run failed or found nothing to restore.
        try FileManager.default.createDirectory(atPath: tmp.sub("standby"), withIntermediateDirectories: false)
        #expect(try aqWal(["restore", tmp.sub("standby"), "--command", "true"]).status == 74)
        #expect(try aqWal(["restore", tmp.sub("standby"), "--command", "exit 4"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.sub("standby")).isEmpty)
        #expect(try aqWal(["restore", tmp.sub("r"), "--command", "true", "--from", "0"]).status == 64)
        #expect(try aqWal(["restore", tmp.sub("r"), "--command", "true", "--not-found-status", "0"]).status == 64)
    }

    @Test func restoreBuildsAVerifiedCopyReportsTheEndAndRefusesDamage() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"); let store = tmp.sub("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
        let written = try Fixture.healthy(dir, count: 1500)
        #expect(try aqWal(["archive", dir, "--command", Self.store(store)]).status == 0)
        let sealed = try LogReader.open(directory: dir).segments.filter(\.isSealed)
        let last = sealed.last!.lastSequence
        // A command failing otherwise than "not found" is an error, not the end of the archive.
        let broken = try aqWal(["restore", tmp.sub("c0"), "--command", "exit 1"])
        #expect(broken.status == 74 && broken.stderr.contains("exited with status 1"))
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("c0")), "a copy this run created and gave nothing is removed")
        let nothing = try aqWal(["restore", tmp.sub("c1"), "--command", Self.fetch(store), "--from", "\(last + 1)"])
        #expect(nothing.status == 0 && nothing.stdout.contains("the copy holds no records"), "\(nothing.stdout)")
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("c1")))
        let copy = tmp.sub("copy")
        let restored = try aqWal(["restore", copy, "--command", Self.fetch(store)])
        #expect(restored.status == 0)
        #expect(restored.stdout.contains("restored \(sealed.count) segments; the copy holds sequences 1...\(last)"))
        #expect(restored.stdout.contains("its last segment's file time is ") && restored.stdout.contains("s ago"))
        #expect(try aqWal(["verify", copy]).status == 0)
        let dumped = try aqWal(["dump", copy]).jsonLines
        #expect(dumped.count == Int(last))
        #expect(dumped.first?["payload"] as? String == Data(written[0]).base64EncodedString())
        // Promotion: append continues the log.
        let appended = try aqWal(["append", copy], stdin: "promoted\n")
        #expect(appended.status == 0 && appended.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(last + 1)")
        #expect(try aqWal(["verify", copy]).status == 0)
        #expect(try aqWal(["restore", copy, "--command", Self.fetch(store)]).status == 64, "a writer's log")
        // A damaged object: exit 2 naming it; what came before stays.
        var bytes = readFile(store + "/" + sealed[1].fileName)
        bytes[9000] ^= 0x20
        writeFile(store + "/" + sealed[1].fileName, bytes)
        let damaged = try aqWal(["restore", tmp.sub("c2"), "--command", Self.fetch(store)])
        #expect(damaged.status == 2 && damaged.stderr.contains(sealed[1].fileName))
        #expect(segmentFiles(tmp.sub("c2")) == [sealed[0].fileName])
        #expect(damaged.stdout == "restored \(sealed[0].fileName)\n", "what the copy gained is said")
        // The same with --json, the damage further on: what was adopted is listed, and the
        // snapshot of each adopted segment asked for (not only the first segment's).
        bytes[9000] ^= 0x20
        writeFile(store + "/" + sealed[1].fileName, bytes)
        var third = readFile(store + "/" + sealed[2].fileName)
        third[9000] ^= 0x20
        writeFile(store + "/" + sealed[2].fileName, third)
        let asked = tmp.sub("asked")
        let json = try aqWal(["restore", tmp.sub("c3"), "--command", "echo %f >> \(asked); " + Self.fetch(store),
                              "--snapshots", tmp.sub("snapshots"), "--json"])
        #expect(json.status == 2 && json.json["failed"] as? Bool == true)
        #expect(json.json["restored"] as? [String] == [sealed[0].fileName, sealed[1].fileName])
        let requests = String(decoding: readFile(asked), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(requests.contains(SnapshotStore.archiveName(pairedWith: sealed[1].fileName)), "\(requests)")
    }

    /// A restore that never takes the lock (a writer holds the log: 75) adopted nothing: it says
    /// nothing restored and fetches no snapshot, whatever segments the writer adds meanwhile.
    @Test func aRestoreLockedOutClaimsNoneOfTheWritersSegments() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: testOptions)
        let before = segmentFiles(dir)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        let asked = tmp.sub("asked")
        process.arguments = ["restore", dir, "--command", "echo %f >> \(asked); exit 4", "--snapshots", tmp.sub("snapshots")]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // While the restore waits for the lock, the writer rolls into new segments.
        usleep(60_000)
        for i in 0..<1_000 { _ = try writer.append(record(i)) }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try writer.close()
        #expect(process.terminationStatus == 75)
        #expect(segmentFiles(dir).count > before.count, "the writer rolled")
        #expect(stdout.isEmpty, "\(stdout)")
        #expect(!FileManager.default.fileExists(atPath: asked), "nothing fetched, no snapshot for the writer's log either")
    }

    /// A signal to `archive` or `restore` (Ctrl-C, `timeout`, a service stop) ends the command
    /// it is running, with its process group, before the process goes as the signal says:
    /// nothing it started goes on writing afterwards, and a restore that adopted nothing leaves
    /// no directory behind.
    @Test(arguments: ["archive", "restore"])
    func aSignalEndsTheRunningCommandWithTheRun(_ command: String) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"); let pidFile = tmp.sub("pid")
        if command == "archive" { try Fixture.healthy(dir, count: 1500) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = [command, dir, "--command", "echo $$ > \(pidFile); sleep 30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var waited = 0
        while (try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") != true, waited < 10_000 { usleep(10_000); waited += 10 }
        let child = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        waited = 0
        while kill(child, 0) == 0, waited < 5_000 { usleep(10_000); waited += 10 }
        #expect(kill(child, 0) != 0, "the command outlived the run")
        if command == "archive" {
            #expect(try aqWal(["inspect", dir, "--json"]).status == 0)
        } else {
            #expect(!FileManager.default.fileExists(atPath: dir), "the copy it created and gave nothing is removed")
        }
    }
}
