import Testing
import AQTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif


// `aq-wal archive` and `aq-wal restore` driving the recipes in scripts/archive/ with real tools:
// cp into a directory, rclone (a local remote configured through environment variables) and
// the AWS CLI against a moto_server that each S3 test starts on a free loopback port and stops
// by its pid. scripts/install-archive-tools.sh installs rclone, aws and moto_server; a tool's
// tests are skipped, with the reason, where it is not installed.


@Suite struct CLIArchiveToolsTests {
    // MARK: A directory (cp)

    @Test func directoryRecipeFullCycle() throws {
        try fullCycle(try Rig(.directory))
    }

    @Test func aFailingCommandStopsWith74AndTheNextRunResumesThere() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        try #require(sealed.count == 3)
        // The archive directory is missing (a volume not mounted): nothing is sent or created.
        let unmounted = rig.tmp.sub("unmounted")
        let nowhere = try rig.archive(primary, command: "\(shQuoted(ArchiveTools.recipes + "/dir-archive.sh")) %p \(shQuoted(unmounted))/%f")
        #expect(nowhere.status == 74, "\(nowhere.stdout)\(nowhere.stderr)")
        #expect(nowhere.stderr.contains(sealed[0].file) && nowhere.stderr.contains("exited with status 1"), "\(nowhere.stderr)")
        #expect(!FileManager.default.fileExists(atPath: unmounted))
        // Another object already holds the second segment's name.
        writeFile(rig.archiveDir + "/" + sealed[1].file, Array("something else".utf8))
        let failed = try rig.archive(primary)
        #expect(failed.status == 74)
        #expect(sentSegments(failed) == [sealed[0].file])
        #expect(failed.stderr.contains(sealed[1].file) && failed.stderr.contains("exited with status 1"), "\(failed.stderr)")
        #expect(rig.tmp.exists("archive/" + sealed[1].file) && readFile(rig.archiveDir + "/" + sealed[1].file) == Array("something else".utf8))
        #expect(try rig.object(sealed[2].file) == nil, "stops at the failure")
        try FileManager.default.removeItem(atPath: rig.archiveDir + "/" + sealed[1].file)
        let resumed = try rig.archive(primary)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(sentSegments(resumed) == [sealed[1].file, sealed[2].file])
    }

    @Test func aRetryAfterACrashBetweenCopyAndRecordSucceeds() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // The copy landed, aq-wal never recorded it: the archive already holds identical bytes.
        let copied = try runTool("/bin/sh", [ArchiveTools.recipes + "/dir-archive.sh", primary + "/" + sealed[0].file, rig.archiveDir + "/" + sealed[0].file],
                             environment: rig.environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        let archived = try rig.archive(primary)
        #expect(archived.status == 0, "\(archived.stderr)")
        #expect(sentSegments(archived) == sealed.map(\.file))
    }

    @Test func restoreFailuresOtherThanNotFoundExit74() throws {
        let rig = try Rig(.directory)
        let (_, sealed) = try archivedLog(rig)
        // The archive directory is missing (a volume not mounted): an error, not an empty archive.
        let standby = rig.tmp.sub("standby")
        let unmounted = try rig.restore(standby, command: "\(shQuoted(ArchiveTools.recipes + "/dir-restore.sh")) \(shQuoted(rig.tmp.sub("unmounted")))/%f %p")
        #expect(unmounted.status == 74, "\(unmounted.stdout)\(unmounted.stderr)")
        #expect(unmounted.stderr.contains("exited with status 1"), "\(unmounted.stderr)")
        #expect(segmentFiles(standby).isEmpty)
        // Any status but 0 and the not-found one, after some segments: they stay.
        let flaky = "case %f in *\(sealed[1].file)) exit 3;; esac; " + rig.restoreCommand
        let partway = try rig.restore(standby, command: flaky)
        #expect(partway.status == 74, "\(partway.stdout)\(partway.stderr)")
        #expect(partway.stderr.contains("exited with status 3") && partway.stderr.contains(sealed[1].file), "\(partway.stderr)")
        #expect(segmentFiles(standby) == [sealed[0].file])
        #expect(try rig.aqWal(["verify", standby]).status == 0)
        let finished = try rig.restore(standby)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(segmentFiles(standby) == sealed.map(\.file))
    }

    @Test func aSlowCommandIsWaitedForAndASecondArchiverExits75() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        let started = rig.tmp.sub("started")
        let slow = "touch \(shQuoted(started)); sleep 1; " + rig.archiveCommand
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["archive", primary, "--command", slow]
        process.environment = rig.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) }; process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: started), process.isRunning, Date() < deadline { usleep(10_000) }
        let second = try rig.archive(primary)
        #expect(second.status == 75, "\(second.stdout)\(second.stderr)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try rig.objectNames() == sealed.map(\.file))
        let again = try rig.archive(primary)
        #expect(again.status == 0 && sentSegments(again).isEmpty, "\(again.stdout)\(again.stderr)")
    }

    @Test func anArchiveCommandKilledMidCopyLeavesNothingArchived() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // A cp that writes the first 20000 bytes and hangs until timeout kills the command.
        let shim = try shims(rig, ["cp": "head -c 20000 \"$3\" > \"$4\"; exec sleep 30"])
        let killed = try rig.archive(primary, command: "PATH=\(shQuoted(shim)):$PATH timeout -s KILL 3 " + rig.archiveCommand)
        #expect(killed.status == 74, "\(killed.stdout)\(killed.stderr)")
        #expect(killed.stderr.contains(sealed[0].file), "\(killed.stderr)")
        #expect(try rig.objectNames().isEmpty, "the partial copy never has the object's name")
        let partial = try FileManager.default.contentsOfDirectory(atPath: rig.archiveDir).filter { $0.hasPrefix(".\(sealed[0].file).partial.") }
        #expect(partial.count == 1 && partial.allSatisfy { readFile(rig.archiveDir + "/" + $0).count == 20000 }, "\(partial)")
        let retried = try rig.archive(primary)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(sentSegments(retried) == sealed.map(\.file), "the killed segment is sent again")
        let standby = rig.tmp.sub("standby")
        #expect(try rig.restore(standby).status == 0)
        #expect(try rig.records(standby) == rig.records(primary, through: sealed.last!.last))
    }

    @Test func aRestoreCommandKilledMidCopyAdoptsNothingOfIt() throws {
        let rig = try Rig(.directory)
        let (primary, sealed) = try archivedLog(rig)
        // A cp that writes half of the second segment to %p and hangs until timeout kills it.
        let shim = try shims(rig, ["cp": "case $3 in *\(sealed[1].file)) head -c 32768 \"$3\" > \"$4\"; exec sleep 30;; esac; exec /bin/cp \"$@\""])
        let standby = rig.tmp.sub("standby")
        let killed = try rig.restore(standby, command: "PATH=\(shQuoted(shim)):$PATH timeout -s KILL 3 " + rig.restoreCommand)
        #expect(killed.status == 74, "\(killed.stdout)\(killed.stderr)")
        #expect(segmentFiles(standby) == [sealed[0].file], "what was restored before stays; nothing of the partial file")
        #expect(try rig.aqWal(["verify", standby]).status == 0)
        let finished = try rig.restore(standby)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try rig.records(standby) == rig.records(primary, through: sealed.last!.last))
    }

    @Test func aDamagedOrForeignArchivedSegmentIsRefusedWithExit2() throws {
        let rig = try Rig(.directory)
        let (_, sealed) = try archivedLog(rig)
        let object = rig.archiveDir + "/" + sealed[1].file
        let original = readFile(object)
        // Truncated: as a copy made without a temporary name leaves it when interrupted.
        writeFile(object, Array(original.prefix(30000)))
        let standby = rig.tmp.sub("standby")
        let truncated = try rig.restore(standby)
        #expect(truncated.status == 2, "\(truncated.stdout)\(truncated.stderr)")
        #expect(truncated.stderr.contains(sealed[1].file), "\(truncated.stderr)")
        #expect(segmentFiles(standby) == [sealed[0].file])
        // Foreign: the same name and records, from another log.
        let other = rig.tmp.sub("other")
        #expect(try rig.append(other, recordLines("primary", 0..<1000)).status == 0)
        #expect(segmentFiles(other).contains(sealed[1].file))
        writeFile(object, readFile(other + "/" + sealed[1].file))
        let foreign = try rig.restore(standby)
        #expect(foreign.status == 2, "\(foreign.stdout)\(foreign.stderr)")
        #expect(foreign.stderr.contains(sealed[1].file), "\(foreign.stderr)")
        #expect(segmentFiles(standby) == [sealed[0].file])
        #expect(try rig.aqWal(["verify", standby]).status == 0)
        writeFile(object, original)
        #expect(try rig.restore(standby).status == 0)
        #expect(segmentFiles(standby) == sealed.map(\.file))
    }

    // MARK: rclone (a local remote from environment variables)

    @Test(.enabled(if: ArchiveTools.rclone != nil, "rclone is not installed (scripts/install-archive-tools.sh)"))
    func rcloneRecipeFullCycle() throws {
        try fullCycle(try Rig(.rclone))
    }

    @Test(.enabled(if: ArchiveTools.rclone != nil, "rclone is not installed (scripts/install-archive-tools.sh)"))
    func rcloneKilledMidCopyAndRestoreFailures() throws {
        let rig = try Rig(.rclone)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // 16 KiB/s: a 64 KiB segment takes four seconds; the command is killed after two and a half.
        let slow = ["RCLONE_BWLIMIT": "16k"]
        let killed = try rig.archive(primary, command: "timeout -s KILL 2.5 " + rig.archiveCommand, extra: slow)
        #expect(killed.status == 74, "\(killed.stdout)\(killed.stderr)")
        #expect(killed.stderr.contains(sealed[0].file), "\(killed.stderr)")
        #expect(try rig.objectNames().isEmpty, "the partial copy never has the object's name")
        let retried = try rig.archive(primary)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(sentSegments(retried) == sealed.map(\.file))

        let standby = rig.tmp.sub("standby")
        let killedRestore = try rig.restore(standby, command: "timeout -s KILL 2.5 " + rig.restoreCommand, extra: slow)
        #expect(killedRestore.status == 74, "\(killedRestore.stdout)\(killedRestore.stderr)")
        #expect(segmentFiles(standby).isEmpty, "nothing of a partial file is adopted")
        // Not "not found": a missing archive directory, an unknown remote.
        for source in ["arch:" + rig.tmp.sub("unmounted"), "nosuchremote:wal"] {
            let failed = try rig.restore(standby, command: "\(shQuoted(ArchiveTools.recipes + "/rclone-restore.sh")) \(shQuoted(source + "/"))%f %p")
            #expect(failed.status == 74, "\(source): \(failed.stdout)\(failed.stderr)")
            #expect(segmentFiles(standby).isEmpty)
        }
        let restored = try rig.restore(standby)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try rig.records(standby) == rig.records(primary, through: sealed.last!.last))
    }

    // MARK: S3 (the AWS CLI against moto_server)

    @Test(.enabled(if: ArchiveTools.s3Ready, "aws or moto_server is not installed (scripts/install-archive-tools.sh)"))
    func s3RecipeFullCycle() throws {
        let rig = try Rig(.s3)
        defer { rig.stop() }
        try fullCycle(rig)
    }

    @Test(.enabled(if: ArchiveTools.s3Ready, "aws or moto_server is not installed (scripts/install-archive-tools.sh)"))
    func s3KilledCommandAndRestoreFailures() throws {
        let rig = try Rig(.s3)
        defer { rig.stop() }
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // The upload command hangs until timeout kills it: nothing is archived, the next run sends it.
        // A stand-in aws: put-object hangs; get-object writes the first 32768 bytes of the
        // object to its output file, then hangs.
        let aws = try #require(ArchiveTools.aws)
        let shim = try shims(rig, ["aws": """
            case "$2" in
              put-object) exec sleep 30 ;;
              get-object) for out; do :; done; \(shQuoted(aws)) "$@" >/dev/null || exit 1
                          head -c 32768 "$out" > "$out.part" && mv "$out.part" "$out"; exec sleep 30 ;;
            esac
            exec \(shQuoted(aws)) "$@"
            """])
        let killed = try rig.archive(primary, command: "PATH=\(shQuoted(shim)):$PATH timeout -s KILL 2 " + rig.archiveCommand)
        #expect(killed.status == 74, "\(killed.stdout)\(killed.stderr)")
        #expect(killed.stderr.contains(sealed[0].file), "\(killed.stderr)")
        #expect(try rig.objectNames().isEmpty)
        let retried = try rig.archive(primary)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(sentSegments(retried) == sealed.map(\.file))

        // Not "not found": no such bucket; the endpoint down (a port nothing listens on).
        let standby = rig.tmp.sub("standby")
        let noBucket = try rig.restore(standby, command: "\(shQuoted(ArchiveTools.recipes + "/s3-restore.sh")) s3://no-such-bucket/wal/%f %p")
        #expect(noBucket.status == 74, "\(noBucket.stdout)\(noBucket.stderr)")
        #expect(noBucket.stderr.contains("exited with status 1"), "\(noBucket.stderr)")
        let closed = try #require(freeLoopbackPort())
        let down = try rig.restore(standby, extra: ["AWS_ENDPOINT_URL": "http://127.0.0.1:\(closed)"])
        #expect(down.status == 74, "\(down.stdout)\(down.stderr)")
        #expect(segmentFiles(standby).isEmpty)
        // The restore command killed with half a segment written: nothing of it is adopted.
        let killedRestore = try rig.restore(standby, command: "PATH=\(shQuoted(shim)):$PATH timeout -s KILL 3 " + rig.restoreCommand)
        #expect(killedRestore.status == 74, "\(killedRestore.stdout)\(killedRestore.stderr)")
        #expect(segmentFiles(standby).isEmpty)
        let restored = try rig.restore(standby)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try rig.records(standby) == rig.records(primary, through: sealed.last!.last))
    }
}
