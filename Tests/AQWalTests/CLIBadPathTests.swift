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
    }
}
