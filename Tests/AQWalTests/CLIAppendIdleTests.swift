import Testing
import Foundation
import AQLog
import AQTestSupport

/// `aq-wal append` fed by a pipe that stays open (`tail -f … | aq-wal append`): once input
/// pauses it vouches for the last batch (`LogWriter.markIdle`), so a bit flip in that batch at
/// rest is refused as corruption instead of repaired as a torn tail with acknowledged records.
@Suite struct CLIAppendIdleTests {
    @Test func aPausedAppendVouchesForItsLastBatch() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let outPath = tmp.sub("out")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aqWalPath)
        process.arguments = ["append", dir, "--segment-size", "65536", "--backend", "posix"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let lines = (1...3).map { "record-\($0)-" + String(repeating: "x", count: 40) }
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(await eventually(timeout: .seconds(60)) {
            String(decoding: readFile(outPath), as: UTF8.self).split(separator: "\n").last == "3"
        }, "the three lines acknowledged")

        // Images of the live log (a crash now), the last record damaged at rest: a torn tail
        // until the idle frame lands, corruption after.
        let image = tmp.sub("image")
        let refused = await eventually(timeout: .seconds(60)) {
            try? FileManager.default.removeItem(atPath: image)
            guard (try? FileManager.default.copyItem(atPath: dir, toPath: image)) != nil else { return false }
            try? FileManager.default.removeItem(atPath: image + "/LOCK")
            let segment = image + "/" + segmentFiles(image).last!
            guard let at = offset(of: Array(lines[2].utf8), in: readFile(segment)) else { return false }
            patch(segment, at: at + 10, [readFile(segment)[at + 10] ^ 0xFF])
            return (try? LogVerifier(directory: image).verify())?.corruption != nil
        }
        #expect(refused, "damage to the last batch of a paused append is refused")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
