import Testing
import Foundation
import AQLog
import AQTestSupport

/// `aq-wal` started with a standard stream closed or of the wrong kind: it never reads or
/// writes the log's own files through descriptors 0, 1 and 2, and a stdin it cannot read is
/// one line and exit 74, not a crash.
@Suite struct CLIStandardStreamsTests {
    private func shell(_ script: String) throws -> CLIResult { try runProcess("/bin/sh", ["-c", script]) }

    @Test func aClosedStdinAppendsNothing() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        #expect(try aqWal(["append", dir, "--backend", "posix"], stdin: "first\n").status == 0)
        let r = try shell("'\(aqWalPath)' append '\(dir)' --backend posix <&-")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing read, nothing appended: \(r.stdout)")
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 1)
    }

    @Test func aClosedStdoutLeavesTheLockFileAlone() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let r = try shell("printf 'a\\nb\\nc\\n' | '\(aqWalPath)' append '\(dir)' --backend posix >&-")
        #expect(r.status == 0, "\(r.stderr)")
        let lock = dir + "/LOCK"
        #expect(try PosixStorage().recordedProgress(lockPath: lock)?.durableThrough == 3, "LOCK holds the writer's record, not the output")
        #expect(try LogReader.open(directory: dir).lastSequence == 3)
    }

    @Test func aDirectoryAsStdinIsAnIOErrorBeforeTheLogIsCreated() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let r = try shell("'\(aqWalPath)' append '\(dir)' < /")
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("stdin"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func anEmptyArchiveOrRestoreCommandIsAUsageError() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        #expect(try aqWal(["append", dir, "--backend", "posix"], stdin: "a\n").status == 0)
        for command in ["", "  "] {
            let archive = try aqWal(["archive", dir, "--command", command])
            #expect(archive.status == 64, "\(archive.stderr)")
            let restore = try aqWal(["restore", tmp.sub("copy"), "--command", command])
            #expect(restore.status == 64, "\(restore.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + ArchiveState.fileName), "nothing marked archived")
    }

    /// Too few descriptors allowed: the soft limit is raised where the hard one allows, and
    /// otherwise the command exits 74 with one line, never a crash in a thread pool that could
    /// not make its event descriptor.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func tooFewDescriptorsIsOneLineNotACrash() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir)
        for command in [["verify", dir], ["append", dir], ["dump", dir]] {
            let low = try runProcess("/usr/bin/prlimit", ["--nofile=5", aqWalPath] + command, stdin: "x\n")
            #expect(low.status == 74 && low.stderrLines.count == 1 && low.stderr.contains("RLIMIT_NOFILE"), "\(command[0]): \(low.stderr)")
            let raised = try runProcess("/usr/bin/prlimit", ["--nofile=5:64", aqWalPath] + command, stdin: "x\n")
            #expect(raised.status == 0, "\(command[0]): \(raised.stderr)")
        }
        // Help and usage errors read nothing: no room needed.
        for (arguments, status) in [(["--help"], Int32(0)), (["help", "verify"], 0), (["verify"], 64)] {
            let r = try runProcess("/usr/bin/prlimit", ["--nofile=5", aqWalPath] + arguments)
            #expect(r.status == status && !r.stderr.contains("RLIMIT_NOFILE"), "\(arguments): \(r.stderr)")
        }
    }
}
