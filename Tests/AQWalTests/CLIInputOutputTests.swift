import Testing
import Foundation
import AQLog
import AQTestSupport

/// `append`'s input (lines of any length, read in linear time; one too long refused as soon as
/// it is known to be) and every command's output into a pipe whose reader went away.
@Suite struct CLIInputOutputTests {
    /// 64 KiB segments: the largest record is a little under 64 KiB.
    static func maxRecord() throws -> Int {
        let tmp = TemporaryDirectory()
        let w = try LogWriter.open(directory: tmp.sub("probe"), options: LogOptions(segmentSize: 65536, backend: .posix))
        defer { try? w.close() }
        return w.maxRecordSize
    }

    @Test func aLineLongerThanTheLargestRecordIsRefusedAfterTheLinesBeforeIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let limit = try Self.maxRecord()
        let fits = String(repeating: "y", count: limit)
        let input = "a\n\(fits)\n" + String(repeating: "x", count: limit + 1) + "\nc\n"
        let r = try aqWal(["append", dir, "--segment-size", "65536", "--backend", "posix"], stdin: input)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stdout == "1\n2\n", "the lines before it are acknowledged")
        #expect(r.stderr.contains("line 3") && r.stderr.contains("\(limit) bytes"), "\(r.stderr)")
        let reader = try LogReader.open(directory: dir)
        #expect(reader.lastSequence == 2, "nothing after the long line is appended")
        #expect(try reader.record(2) == Array(fits.utf8))
    }

    /// The refusal does not wait for the end of the line (or of the input): the writer of
    /// stdin keeps the pipe open, and `append` still exits.
    @Test func aLineTooLongIsRefusedBeforeItEnds() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let limit = try Self.maxRecord()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["append", dir, "--segment-size", "65536", "--backend", "posix"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        input.fileHandleForWriting.write(Data(("ok\n" + String(repeating: "z", count: limit + 4096)).utf8))
        let exited = await eventually(timeout: .seconds(30)) { !process.isRunning }
        #expect(exited, "append waited for the end of a line it must refuse")
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        try input.fileHandleForWriting.close()
        #expect(try LogReader.open(directory: dir).lastSequence == 1)
    }

    /// `aq-wal dump | head -1`: the reader goes away; dump ends quietly with 0 (not SIGPIPE).
    @Test func aClosedStdoutEndsTheOutputNotTheProcess() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 3000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["dump", dir]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = out.fileHandleForReading.readData(ofLength: 64)
        #expect(!first.isEmpty)
        try out.fileHandleForReading.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed by a signal")
        #expect(process.terminationStatus == 0)
    }

    @Test func dumpSaysWhyItPrintsNothingOrStartsLater() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 600)
        let past = try aqWal(["dump", dir, "--from", "601"])
        #expect(past.status == 0 && past.stdout.isEmpty)
        #expect(past.stderr.contains("past the last record (600)"), "\(past.stderr)")
        // A log damaged before --from: its records may go on past the damage, so only the
        // damage is said.
        let damaged = tmp.sub("damaged")
        try Fixture.healthy(damaged, count: 600)
        let segment = damaged + "/" + segmentFiles(damaged)[0]
        patch(segment, at: 0, [0xDE, 0xAD])
        let beyond = try aqWal(["dump", damaged, "--from", "60"])
        #expect(beyond.status == 2 && beyond.stderrLines.count == 1 && beyond.stderr.contains(segment), "\(beyond.stderr)")
        // A log holding no record has nothing a compaction could have taken mid-read.
        let empty = tmp.sub("empty")
        #expect(try aqWal(["append", empty]).status == 0)
        for range in [["--from", "0"], ["--to", "5"], []] {
            let none = try aqWal(["dump", empty] + range)
            #expect(none.status == 0 && none.stdout.isEmpty && !none.stderr.contains("compacted"), "\(range): \(none.stderr)")
        }
        let zero = try aqWal(["dump", dir, "--from", "0", "--to", "2"])
        #expect(zero.status == 0 && zero.jsonLines.count == 2)
        #expect(zero.stderr.contains("first sequence a log has (1)") && !zero.stderr.contains("compacted"), "\(zero.stderr)")
        _ = try aqWal(["checkpoint", dir, "400"])
        _ = try aqWal(["compact", dir])
        let first = try LogReader.open(directory: dir).firstSequence
        try #require(first > 1, "compaction removed a segment")
        let below = try aqWal(["dump", dir, "--from", "1", "--to", "\(first)"])
        #expect(below.status == 0)
        #expect(below.jsonLines.count == 1)
        #expect(below.stderr.contains("below the first retained record (\(first)"), "\(below.stderr)")
    }

    /// From its default start, dump prints everything a compacted log still holds, quietly:
    /// the compaction is no error and no surprise there.
    @Test func dumpOfACompactedLogPrintsEveryRetainedRecord() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try Fixture.healthy(dir, count: 600)
        #expect(try aqWal(["checkpoint", dir, "400"]).status == 0)
        #expect(try aqWal(["compact", dir]).status == 0)
        let first = try LogReader.open(directory: dir).firstSequence
        try #require(first > 1, "compaction removed a segment")
        for arguments in [["dump", dir], ["dump", dir, "--to", "600"]] {
            let dump = try aqWal(arguments)
            #expect(dump.status == 0, "\(arguments): \(dump.stderr)")
            #expect(dump.stderr.isEmpty)
            let lines = dump.jsonLines
            #expect(lines.map { $0["sequence"] as? Int } == (Int(first)...600).map { $0 })
            let payloads = lines.compactMap { ($0["payload"] as? String).flatMap { Data(base64Encoded: $0) } }
            #expect(payloads.map { [UInt8]($0) } == Array(written[Int(first - 1)...]))
        }
    }

    /// The payload encoding agrees with Foundation's base64 for every length mod 3.
    @Test func dumpEncodesPayloadsAsStandardBase64() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let payloads: [[UInt8]] = [[], [0], [0xFF, 0xFE], [1, 2, 3], Array(0...255), [0x3E, 0x3F, 0xFB, 0xFF]]
        let w = try LogWriter.open(directory: dir, options: testOptions)
        try w.append(contentsOf: payloads)
        try w.close()
        let dump = try aqWal(["dump", dir])
        #expect(dump.status == 0)
        let lines = dump.jsonLines
        try #require(lines.count == payloads.count)
        for (line, payload) in zip(lines, payloads) {
            #expect(line["payload"] as? String == Data(payload).base64EncodedString())
            #expect(line["size"] as? Int == payload.count)
        }
    }

    /// Output that cannot be written for any reason but a reader gone (`dump > /dev/full`:
    /// `ENOSPC`) is an I/O error, not a quietly short export.
    @Test func aFullOutputDeviceIsAnIOError() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try Fixture.healthy(dir, count: 600)
        let (status, stderr) = try aqWalIntoAFullDevice(["dump", dir])
        #expect(status == 74, "\(stderr)")
        #expect(stderr.contains("stdout: write failed"), "\(stderr)")
    }

    /// Records a compaction removes while `dump` reads are skipped, and the gap is said on
    /// stderr: a range printed with a hole in it, or cut short, does not pass for a whole one.
    @Test(arguments: [nil, 4000])
    func aGapACompactionLeavesWhileDumpReadsIsReported(to: Int?) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let writer = try LogWriter.open(directory: dir, options: testOptions, durability: .deferred)
        for batch in 0..<60 { try writer.append(contentsOf: (0..<100).map { record(batch * 100 + $0, size: 100) }) }
        try writer.close()
        #expect(segmentFiles(dir).count >= 10)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["dump", dir] + (to.map { ["--to", "\($0)"] } ?? [])
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Unread, the pipe fills a few hundred records in, long before the records compacted below.
        usleep(300_000)
        #expect(try aqWal(["checkpoint", dir, "5500"]).status == 0)
        #expect(try aqWal(["compact", dir]).status == 0)
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
        let sequences = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))).flatMap { ($0 as? [String: Any])?["sequence"] as? Int }
        }
        #expect(sequences.count == lines.count && sequences.first == 1)
        if let to {
            // All of the range past what was printed is gone: said as the range's end.
            let last = try #require(sequences.last)
            #expect(last < to && sequences == Array(1...last))
            #expect(stderr == "aq-wal: records \(last + 1)...\(to) were compacted while dump read the log: skipped\n")
            return
        }
        #expect(sequences.last == 6000)
        let gaps = zip(sequences, sequences.dropFirst()).filter { $1 != $0 + 1 }
        try #require(gaps.count == 1 && gaps[0].1 > gaps[0].0, "\(gaps)")
        #expect(stderr == "aq-wal: records \(gaps[0].0 + 1)...\(gaps[0].1 - 1) were compacted while dump read the log: skipped\n")
    }

    /// Commands that give a verdict on the log (`verify`, `inspect`, `consumer list`, a refused
    /// `repair` or `compact`) keep it when output cannot be written: the failure is
    /// reported and the verdict stands (a damaged log still exits 2 and names its damage on
    /// stderr); a healthy log whose report could not be written exits 74.
    @Test(arguments: [["verify"], ["verify", "--json"], ["inspect"], ["inspect", "--json"], ["consumer", "list"],
                      ["repair", "--json"], ["compact", "--json"]])
    func aFullOutputDeviceKeepsTheVerdict(command: [String]) throws {
        let tmp = TemporaryDirectory()
        let healthy = tmp.sub("healthy"), damaged = tmp.sub("damaged")
        try Fixture.healthy(healthy, count: 600)
        // The damage each command names: a segment's header, or for `consumer list` a cursor.
        let damagedFile: String
        if command[0] == "consumer" {
            try Fixture.healthy(damaged, count: 600)
            #expect(try aqWal(["consumer", "set", damaged, "mailer", "10"]).status == 0)
            damagedFile = damaged + "/" + ConsumerCursor.directoryName + "/mailer.cursor"
            patch(damagedFile, at: 0, [0xDE, 0xAD])
        } else {
            damagedFile = try Fixture.corruptHeader(damaged)
        }
        for (dir, status) in [(healthy, Int32(74)), (damaged, Int32(2))] {
            let (exit, stderr) = try aqWalIntoAFullDevice(command[0] == "consumer" ? command + [dir] : [command[0], dir] + command.dropFirst())
            #expect(exit == status, "\(command) \(stderr)")
            // Healthy: the report was written and failed. Damaged: the damage is named, whether
            // or not the command printed anything before it.
            if status == 74 { #expect(stderr.contains("stdout: write failed"), "\(stderr)") }
            if status == 2 { #expect(stderr.contains(damagedFile), "\(stderr)") }
        }
    }

    /// Both streams into a pipe closed early, on a damaged log: the damage report meets a closed
    /// stderr and is lost, the process still exits with its code (no trap).
    @Test func aClosedStderrLosesTheReportNotTheProcess() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try Fixture.corruptSealedRecord(dir)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["dump", dir]
        let both = Pipe()
        process.standardOutput = both
        process.standardError = both
        try both.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0 || process.terminationStatus == 2)
    }

    /// Runs `aq-wal` with `arguments`, its stdout on `/dev/full`: its exit status and stderr.
    private func aqWalIntoAFullDevice(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
