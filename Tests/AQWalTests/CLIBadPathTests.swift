import Testing
import Foundation
import AQLog
import AQTestSupport

/// Bad paths and bad arguments: one clear line and the documented exit code for each.
@Suite struct CLIBadPathTests {
    @Test func aRegularFileWhereTheLogShouldBeIsNotADirectory() throws {
        let tmp = TemporaryDirectory()
        writeFile(tmp.sub("file"), [1, 2, 3])
        let append = try aqWal(["append", tmp.sub("file")], stdin: "a\n")
        #expect(append.status == 73, "\(append.stderr)")
        #expect(append.stderr.contains("not a directory"), "\(append.stderr)")
        for command in ["inspect", "verify", "dump", "repair", "compact"] {
            let r = try aqWal([command, tmp.sub("file")])
            #expect(r.status == 74, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("\(tmp.sub("file")): not a directory"), "\(command): \(r.stderr)")
        }
        #expect(tmp.read("file") == [1, 2, 3])
        let missing = try aqWal(["inspect", tmp.sub("absent")])
        #expect(missing.status == 74 && missing.stderr.contains("no such log directory"), "\(missing.stderr)")
    }

    @Test func outOfRangeArgumentsSayWhatIsWrong() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 100)
        let checkpoint = try aqWal(["checkpoint", dir, "500"])
        #expect(checkpoint.status == 64)
        #expect(checkpoint.stderr.contains("above the log's last durable sequence 100"), "\(checkpoint.stderr)")
        #expect(!checkpoint.stderr.contains("invalid options"), "\(checkpoint.stderr)")
        for option in ["--keep-segments", "--keep-bytes"] {
            let negative = try aqWal(["compact", dir, option, "-1"])
            #expect(negative.status == 64)
            #expect(negative.stderr.contains("\(option) must be at least 0"), "\(negative.stderr)")
        }
        // A negative number is the option's value, refused as one, not a missing value.
        for (arguments, says) in [(["dump", dir, "--from", "-1"], "'-1' is invalid"), (["dump", dir, "--to", "-5"], "'-5' is invalid"),
                                  (["append", dir, "--segment-size", "-1"], "--segment-size must be a multiple of 4096")] {
            let negative = try aqWal(arguments, stdin: "x\n")
            #expect(negative.status == 64, "\(arguments): \(negative.stderr)")
            #expect(negative.stderr.contains(says) && !negative.stderr.contains("Missing value"), "\(arguments): \(negative.stderr)")
        }
        // A segment size the log refuses is a usage error with the usage, before the log is touched.
        for size in ["0", "4096", "65537", "4294967296"] {
            let refused = try aqWal(["append", tmp.sub("new-\(size)"), "--segment-size", size], stdin: "x\n")
            #expect(refused.status == 64 && refused.stderr.contains("Usage:"), "\(size): \(refused.stderr)")
            #expect(!tmp.exists("new-\(size)"), "\(size): a log was created")
        }
    }

    /// A command line that names no action, or help for one that does not exist, is a usage
    /// error a script can see (64, usage on stderr), not the help with exit 0.
    @Test func noSubcommandOrAnUnknownHelpTopicIsAUsageError() throws {
        for arguments in [[], ["consumer"], ["help", "bogus"], ["help", "dump", "extra"], ["help", "consumer", "bogus"],
                          ["bogus", "--help"], ["follow", "/tmp"]] {
            let run = try aqWal(arguments)
            #expect(run.status == 64, "\(arguments): \(run.status)")
            #expect(run.stdout.isEmpty && run.stderr.contains("Usage:"), "\(arguments): \(run.stdout) \(run.stderr)")
        }
        for arguments in [["--help"], ["help"], ["help", "dump"], ["help", "consumer", "set"], ["consumer", "--help"]] {
            let run = try aqWal(arguments)
            #expect(run.status == 0 && run.stdout.contains("USAGE:"), "\(arguments): \(run.status) \(run.stderr)")
        }
    }

    /// Path bytes that are not UTF-8 are refused (64) rather than repaired into another name,
    /// and a name holding a control character still makes a one-line error.
    @Test func argumentsThatAreNotUTF8AreRefusedAndErrorsStayOneLine() throws {
        let tmp = TemporaryDirectory()
        let append = try runProcess("/bin/sh", ["-c", "echo one | \"$0\" append \"$1/$(printf 'caf\\351')\"", aqWalPath, tmp.path])
        #expect(append.status == 64 && append.stderr.contains("not valid UTF-8"), "\(append.status) \(append.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty, "no log under a repaired name")
        let inspect = try aqWal(["inspect", tmp.sub("a\nb\u{1B}")])
        #expect(inspect.status == 74)
        #expect(inspect.stderr.hasSuffix("a\\nb\\x1B: no such log directory\n") && inspect.stderr.filter { $0 == "\n" }.count == 1,
                "\(inspect.stderr)")
        // ... and so does `inspect`'s first line, naming a log whose name holds them.
        #expect(try aqWal(["append", tmp.sub("c\nd\u{1B}")], stdin: "x\n").status == 0)
        let shown = try aqWal(["inspect", tmp.sub("c\nd\u{1B}")])
        #expect(shown.status == 0 && shown.stdout.hasPrefix("log \(tmp.path)/c\\nd\\x1B: 1 segments"), "\(shown.stdout)")
        // ... and `compact`'s lines naming a damaged file.
        writeFile(tmp.sub("c\nd\u{1B}") + "/CHECKPOINT", [UInt8]("junk".utf8))
        let compact = try aqWal(["compact", tmp.sub("c\nd\u{1B}")])
        #expect(compact.stdout.contains("c\\nd\\x1B/CHECKPOINT") && !compact.stdout.contains("\u{1B}"), "\(compact.stdout)")
    }

    /// A directory that holds no log (no segment, no `LOCK`) is not a healthy empty log, and
    /// the commands that keep state leave nothing in it.
    @Test func aDirectoryWithoutALogIsRefusedAndLeftAsItWas() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("empty")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        writeFile(dir + "/notes.txt", [1])
        for command in [["verify", dir], ["inspect", dir], ["dump", dir], ["repair", dir], ["checkpoint", dir, "0"], ["compact", dir],
                        ["consumer", "list", dir], ["consumer", "set", dir, "c", "0"], ["consumer", "drop", dir, "c"],
                        ["archive", dir, "--command", "true"]] {
            let run = try aqWal(command)
            #expect(run.status == 74 && run.stderr.contains("\(dir): no log here"), "\(command): \(run.status) \(run.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["notes.txt"])
    }
}
