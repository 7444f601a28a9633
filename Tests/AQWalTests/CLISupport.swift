import Foundation
import AQLog
import AQTestSupport

/// The built `aq-wal`: beside the test bundle in the build products directory (where
/// `swift build --build-tests` and `swift test` put every product), else under `.build/debug`.
let aqWalPath: String = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var candidates = [exe.deletingLastPathComponent().appendingPathComponent("aq-wal").path]
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/aq-wal").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}()

/// What one `aq-wal` run produced.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    var stderrLines: [Substring] { stderr.split(separator: "\n") }
    /// stdout parsed as one JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
    }
    /// stdout parsed as JSON lines.
    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }
}

/// Another user to run `aq-wal` as (`nobody`), through `setpriv`; nil (with the reason) where
/// that is impossible: not root, or no `setpriv`.
let unprivilegedRunner: (path: String, arguments: [String])? = {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return nil }
    return ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups"])
}()

/// Runs `aq-wal` with `arguments` as a real process, feeding `stdin`; as `nobody` when
/// `unprivileged` (the caller checks ``unprivilegedRunner`` first).
func aqWal(_ arguments: [String], stdin: String = "", unprivileged: Bool = false) throws -> CLIResult {
    if unprivileged, let runner = unprivilegedRunner {
        return try runProcess(runner.path, runner.arguments + [aqWalPath] + arguments, stdin: stdin)
    }
    return try runProcess(aqWalPath, arguments, stdin: stdin)
}

/// Runs `executable` with `arguments` as a real process, feeding `stdin`; its environment is
/// `environment` when given, else this process's.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String = "") throws -> CLIResult {
    let tmp = TemporaryDirectory()
    let outPath = tmp.sub("out"), errPath = tmp.sub("err")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let input = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    let out = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
    let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
    return CLIResult(status: process.terminationStatus, stdout: out, stderr: err)
}

let testOptions = LogOptions(segmentSize: 64 * 1024, backend: .posix)

func record(_ i: Int, size: Int = 200) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7 &+ 1) } }


/// Fixtures: logs in each state the CLI must handle.
enum Fixture {
    /// `count` records of 200 bytes over several 64 KiB segments, closed cleanly.
    @discardableResult
    static func healthy(_ dir: String, count: Int = 600) throws -> [[UInt8]] {
        let w = try LogWriter.open(directory: dir, options: testOptions)
        let all = (0..<count).map { record($0) }
        for start in stride(from: 0, to: count, by: 50) { try w.append(contentsOf: Array(all[start..<min(count, start + 50)])) }
        try w.close()
        return all
    }

    /// A healthy log plus a crash image with a torn (partial) frame after the last commit.
    /// Returns the torn segment's path and the torn offset.
    static func torn(_ dir: String) throws -> (path: String, offset: Int) {
        try healthy(dir, count: 100)
        let w = try LogWriter.open(directory: dir, options: testOptions)
        for i in 0..<5 { try w.append(record(100 + i)) }
        try replaceWithCrashImage(dir) { try w.close() }
        let last = try LogReader.open(directory: dir).segments.last!
        patch(last.path, at: last.dataEnd, [0x05, 0x00, 0x00])
        return (last.path, last.dataEnd)
    }

    /// A deferred log left as a power loss can leave it: of 6 never-synced one-record batches,
    /// the third is damaged and the later three are intact. Returns the 6 payloads.
    @discardableResult
    static func deferredPowerLoss(_ dir: String) throws -> [[UInt8]] {
        let writer = try LogWriter.open(directory: dir, options: testOptions, durability: .deferred)
        let sent = (0..<6).map { record($0) }
        for p in sent { _ = try writer.append(p) }
        try replaceWithCrashImage(dir) { try writer.close() }
        let segment = dir + "/" + segmentFiles(dir).last!
        let bytes = readFile(segment)
        let at = offset(of: sent[2], in: bytes)!
        patch(segment, at: at, [sent[2][0] ^ 0xFF])
        return sent
    }

    /// A killed writer's log whose open segment has one payload byte flipped in a record its
    /// durable prefix (`HIGHWATER`) covers: a writer's open trusts the prefix without reading
    /// it; readers and `verify` read it. Returns the segment's path.
    static func corruptInsideDurablePrefix(_ dir: String) throws -> String {
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.highWaterStep = SegmentLayout.blockSize  // a prefix recorded at almost every raise
        let w = try LogWriter.open(directory: dir, options: options)
        let all = (0..<300).map { record($0) }
        for start in stride(from: 0, to: all.count, by: 10) { try w.append(contentsOf: Array(all[start..<(start + 10)])) }
        try replaceWithCrashImage(dir) { try w.close() }
        let segment = dir + "/" + segmentFiles(dir)[0]
        let at = offset(of: all[11], in: readFile(segment))!
        patch(segment, at: at, [all[11][0] ^ 0xFF])
        return segment
    }

    /// A log whose second segment has a damaged header: every recovery pass refuses it.
    static func corruptHeader(_ dir: String) throws -> String {
        try healthy(dir)
        let second = dir + "/" + segmentFiles(dir)[1]
        patch(second, at: 0, [0xDE, 0xAD])
        return second
    }

    /// A log with one payload byte flipped in a sealed segment: only a full checksum pass
    /// (verify) or reading that record (dump) finds it.
    static func corruptSealedRecord(_ dir: String) throws -> String {
        try healthy(dir)
        let first = dir + "/" + segmentFiles(dir)[0]
        var bytes = readFile(first)
        bytes[SegmentLayout.dataStart + 16 + 3] ^= 0x40
        writeFile(first, bytes)
        return first
    }
}
