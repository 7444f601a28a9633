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

/// Where the recipes and the tools are.
private enum ArchiveTools {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let recipes = root + "/scripts/archive"
    /// scripts/install-archive-tools.sh's venv first, then PATH.
    static let searchPath: String = {
        let env = ProcessInfo.processInfo.environment
        let prefix = env["AQ_ARCHIVE_TOOLS_PREFIX"] ?? "/opt/aq-archive-tools"
        return prefix + "/bin:" + (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
    }()
    static func find(_ tool: String) -> String? {
        searchPath.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static let rclone = find("rclone")
    static let aws = find("aws")
    static let moto = find("moto_server")
    static let s3Ready = aws != nil && moto != nil
}

/// `text` quoted for /bin/sh.
private func shQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Runs `executable` with exactly `environment`, feeding `stdin`.
private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> CLIResult {
    let tmp = TemporaryDirectory()
    let outPath = tmp.sub("out"), errPath = tmp.sub("err")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
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

/// One line of about 200 bytes per index in `range`, naming `tag` and the index: 1000 of them
/// fill three 64 KiB segments and part of a fourth.
private func lines(_ tag: String, _ range: Range<Int>) -> String {
    range.map { i in "\(tag)-" + String(repeating: "0", count: max(0, 6 - String(i).count)) + "\(i)-" + String(repeating: "x", count: 186) + "\n" }.joined()
}

/// A segment as `aq-wal inspect --json` lists it.
private struct SegmentInfo: Equatable {
    var file: String
    var first: Int
    var last: Int
    var sealed: Bool
}

/// A free TCP port on 127.0.0.1 (bound, read back, closed).
private func freeLoopbackPort() -> UInt16? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return bound ? UInt16(bigEndian: address.sin_port) : nil
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
private func accepting(_ port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A moto_server (an S3 stand-in) on a free loopback port, started here and stopped by its pid.
private final class MotoServer {
    let port: UInt16
    private let process: Process

    init(log: String) throws {
        var lastError = "no free port"
        for _ in 0..<3 {
            guard let port = freeLoopbackPort() else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ArchiveTools.moto!)
            process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
            process.environment = ProcessInfo.processInfo.environment.merging(["PATH": ArchiveTools.searchPath]) { $1 }
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: log)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning, !accepting(port), Date() < deadline { usleep(50_000) }
            if process.isRunning, accepting(port) {
                self.port = port
                self.process = process
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            lastError = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
        }
        throw MotoFailure(log: lastError)
    }

    struct MotoFailure: Error, CustomStringConvertible {
        var log: String
        var description: String { "moto_server did not start: \(log)" }
    }

    /// Stops the server: SIGTERM to its pid, then SIGKILL if it lingers.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// One archive: how to archive to it and restore from it (the templates `aq-wal` expands), the
/// environment its commands run in, and a look at what it holds.
private final class Rig {
    enum Kind { case directory, rclone, s3 }

    let kind: Kind
    let tmp = TemporaryDirectory()
    /// The archive's directory (directory and rclone kinds).
    let archiveDir: String
    var environment: [String: String]
    private var moto: MotoServer?

    init(_ kind: Kind) throws {
        self.kind = kind
        archiveDir = tmp.sub("archive")
        try FileManager.default.createDirectory(atPath: archiveDir, withIntermediateDirectories: false)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = ArchiveTools.searchPath
        for key in env.keys where key.hasPrefix("AWS_") || key.hasPrefix("RCLONE_") { env[key] = nil }
        switch kind {
        case .directory:
            break
        case .rclone:
            env["RCLONE_CONFIG"] = "/dev/null"
            env["RCLONE_CONFIG_ARCH_TYPE"] = "local"
            env["RCLONE_RETRIES"] = "1"
            env["RCLONE_LOW_LEVEL_RETRIES"] = "1"
        case .s3:
            let moto = try MotoServer(log: tmp.sub("moto.log"))
            self.moto = moto
            env["AWS_ACCESS_KEY_ID"] = "test"
            env["AWS_SECRET_ACCESS_KEY"] = "test"
            env["AWS_DEFAULT_REGION"] = "us-east-1"
            env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(moto.port)"
            env["AWS_CONFIG_FILE"] = "/dev/null"
            env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
            env["AWS_EC2_METADATA_DISABLED"] = "true"
            env["AWS_MAX_ATTEMPTS"] = "1"
        }
        environment = env
        if kind == .s3 {
            let made = try awsCLI(["s3api", "create-bucket", "--bucket", "arch"])
            try #require(made.status == 0, "create-bucket: \(made.stderr)")
        }
    }

    func stop() { moto?.stop() }

    /// Where object `name` goes: a path, a remote path or a URL.
    func location(_ name: String) -> String {
        switch kind {
        case .directory: return archiveDir + "/" + name
        case .rclone: return "arch:" + archiveDir + "/" + name
        case .s3: return "s3://arch/wal/" + name
        }
    }

    private var prefix: String {
        switch kind {
        case .directory: return "dir"
        case .rclone: return "rclone"
        case .s3: return "s3"
        }
    }

    /// `aq-wal archive --command` for this archive.
    var archiveCommand: String { "\(shQuoted(ArchiveTools.recipes + "/\(prefix)-archive.sh")) %p \(shQuoted(location("")))%f" }
    /// `aq-wal restore --command` for this archive.
    var restoreCommand: String { "\(shQuoted(ArchiveTools.recipes + "/\(prefix)-restore.sh")) \(shQuoted(location("")))%f %p" }

    /// Runs aq-wal in the commands' environment (plus `extra`).
    func aqWal(_ arguments: [String], stdin: String = "", extra: [String: String] = [:]) throws -> CLIResult {
        try run(aqWalPath, arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Runs the AWS CLI against this rig's moto_server.
    func awsCLI(_ arguments: [String]) throws -> CLIResult {
        try run(ArchiveTools.aws!, arguments, environment: environment)
    }

    /// The bytes of archived object `name`; nil when there is none.
    func object(_ name: String) throws -> [UInt8]? {
        switch kind {
        case .directory, .rclone:
            let path = archiveDir + "/" + name
            return FileManager.default.fileExists(atPath: path) ? readFile(path) : nil
        case .s3:
            let file = tmp.sub("get-\(name)")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let got = try awsCLI(["s3api", "get-object", "--bucket", "arch", "--key", "wal/" + name, file])
            if got.status != 0 {
                try #require(got.stderr.contains("NoSuchKey"), "get-object \(name): \(got.stderr)")
                return nil
            }
            return readFile(file)
        }
    }

    /// The names of the archive's objects (never a temporary one of a recipe's).
    func objectNames() throws -> [String] {
        switch kind {
        case .directory, .rclone:
            return try FileManager.default.contentsOfDirectory(atPath: archiveDir).filter { $0.hasSuffix(".seg") }.sorted()
        case .s3:
            let listed = try awsCLI(["s3api", "list-objects-v2", "--bucket", "arch", "--prefix", "wal/", "--query", "Contents[].Key", "--output", "text"])
            try #require(listed.status == 0, "list-objects-v2: \(listed.stderr)")
            let keys: [String] = listed.stdout.split(whereSeparator: { (c: Character) -> Bool in c == "\t" || c == "\n" }).map(String.init)
            let names: [String] = keys.filter { $0.hasPrefix("wal/") && $0.hasSuffix(".seg") }.map { String($0.dropFirst(4)) }
            return names.sorted()
        }
    }

    // MARK: Logs

    func append(_ dir: String, _ text: String) throws -> CLIResult {
        try aqWal(["append", dir, "--segment-size", "65536", "--durability", "group"], stdin: text)
    }

    func segments(_ dir: String) throws -> [SegmentInfo] {
        let inspected = try aqWal(["inspect", dir, "--json"])
        try #require(inspected.status == 0, "inspect \(dir): \(inspected.stderr)")
        return (inspected.json["segments"] as? [[String: Any]] ?? []).map {
            SegmentInfo(file: $0["file"] as? String ?? "", first: $0["first_sequence"] as? Int ?? -1,
                        last: $0["last_sequence"] as? Int ?? -1, sealed: $0["sealed"] as? Bool ?? false)
        }
    }

    func sealed(_ dir: String) throws -> [SegmentInfo] { try segments(dir).filter(\.sealed) }

    /// (sequence, payload) of every record of `dir` through `through`.
    func records(_ dir: String, through: Int = .max) throws -> [[String]] {
        let dumped = try aqWal(["dump", dir])
        try #require(dumped.status == 0, "dump \(dir): \(dumped.stderr)")
        return dumped.jsonLines.compactMap { line in
            guard let sequence = line["sequence"] as? Int, sequence <= through else { return nil }
            return [String(sequence), line["payload"] as? String ?? ""]
        }
    }

    func archive(_ dir: String, command: String? = nil, extra: [String: String] = [:]) throws -> CLIResult {
        try aqWal(["archive", dir, "--command", command ?? archiveCommand], extra: extra)
    }

    func restore(_ dir: String, command: String? = nil, extra: [String: String] = [:]) throws -> CLIResult {
        try aqWal(["restore", dir, "--command", command ?? restoreCommand], extra: extra)
    }
}

/// The segment file names an archive run reports sending ("archived NAME (sequences …)").
private func sent(_ result: CLIResult) -> [String] {
    result.stdout.split(separator: "\n").compactMap { line in
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0] == "archived", words[1].hasSuffix(".seg") else { return nil }
        return String(words[1])
    }
}

private func modificationTime(_ path: String) -> Double {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date)?.timeIntervalSince1970 ?? 0
}

/// The whole cycle through one recipe: archive (twice), restore, verify, compare, promote,
/// archive the promoted copy to the same archive, and fence an old primary that went on
/// writing after the same point.
private func fullCycle(_ rig: Rig) throws {
    let primary = rig.tmp.sub("primary"), standby = rig.tmp.sub("standby")
    #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
    let sealed = try rig.sealed(primary)
    try #require(sealed.count == 3, "1000 records of ~200 bytes seal three 64 KiB segments")
    let lastSealed = sealed.last!.last

    let first = try rig.archive(primary)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(sent(first) == sealed.map(\.file))
    #expect(first.stdout.split(separator: "\n").last?.hasPrefix("archived 3 segments") == true, "\(first.stdout)")
    for segment in sealed { #expect(try rig.object(segment.file) == readFile(primary + "/" + segment.file)) }
    #expect(try rig.objectNames() == sealed.map(\.file), "never the open segment")
    let second = try rig.archive(primary)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(sent(second).isEmpty, "\(second.stdout)")

    let restored = try rig.restore(standby)
    #expect(restored.status == 0, "\(restored.stderr)")
    let summary = restored.stdout.split(separator: "\n").last.map(String.init) ?? ""
    #expect(summary.contains("restored 3 segments") && summary.contains("\(lastSealed)"), "\(restored.stdout)")
    #expect(segmentFiles(standby) == sealed.map(\.file))
    #expect(try rig.aqWal(["verify", standby]).status == 0)
    #expect(try rig.records(standby) == rig.records(primary, through: lastSealed))
    // The recipes keep the segment's modification time (S3 metadata: whole seconds).
    let last = sealed.last!.file
    #expect(abs(modificationTime(standby + "/" + last) - modificationTime(primary + "/" + last)) < 1.0)

    // Promotion: the copy continues the log at the next sequence.
    let promoted = try rig.append(standby, lines("promoted", 0..<700))
    #expect(promoted.status == 0, "\(promoted.stderr)")
    #expect(promoted.stdout.split(separator: "\n").first == Substring(String(lastSealed + 1)))
    #expect(try rig.aqWal(["verify", standby]).status == 0)
    let newSealed = try rig.sealed(standby).filter { $0.first > lastSealed }
    try #require(newSealed.count == 2)
    let fromPromoted = try rig.archive(standby)
    #expect(fromPromoted.status == 0, "\(fromPromoted.stderr)")
    #expect(Set(newSealed.map(\.file)).isSubset(of: sent(fromPromoted)))
    for segment in newSealed { #expect(try rig.object(segment.file) == readFile(standby + "/" + segment.file)) }

    // The old primary goes on writing after the same point: its next segment has the promoted
    // one's name and other bytes, and the recipe refuses to replace it.
    #expect(try rig.append(primary, lines("old-primary", 0..<700)).status == 0)
    let diverged = try #require(try rig.sealed(primary).first { $0.first == lastSealed + 1 })
    #expect(diverged.file == newSealed[0].file)
    #expect(readFile(primary + "/" + diverged.file) != readFile(standby + "/" + diverged.file))
    let fenced = try rig.archive(primary)
    #expect(fenced.status == 74, "\(fenced.stdout)\(fenced.stderr)")
    #expect(fenced.stderr.contains(diverged.file) && fenced.stderr.contains("exited with status 1"), "\(fenced.stderr)")
    #expect(fenced.stderr.contains("refusing to replace"), "the recipe's own message: \(fenced.stderr)")
    #expect(sent(fenced).isEmpty)
    #expect(try rig.object(diverged.file) == readFile(standby + "/" + diverged.file), "the promoted log's object is unchanged")

    // A copy restored now follows the promoted history.
    let later = rig.tmp.sub("later")
    let again = try rig.restore(later)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try rig.records(later) == rig.records(standby, through: newSealed.last!.last))
}

/// A log with three sealed segments archived through `rig`; returns its directory and sealed segments.
private func archivedLog(_ rig: Rig) throws -> (dir: String, sealed: [SegmentInfo]) {
    let primary = rig.tmp.sub("primary")
    try #require(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
    let sealed = try rig.sealed(primary)
    try #require(sealed.count == 3)
    let archived = try rig.archive(primary)
    try #require(archived.status == 0, "\(archived.stderr)")
    return (primary, sealed)
}

/// A directory of stand-in commands put first on a command's PATH.
private func shims(_ rig: Rig, _ scripts: [String: String]) throws -> String {
    let dir = rig.tmp.sub("shims")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, body) in scripts {
        let path = dir + "/" + name
        writeFile(path, Array(("#!/bin/sh\n" + body + "\n").utf8))
        chmod(path, 0o755)
    }
    return dir
}

@Suite struct CLIArchiveToolsTests {
    // MARK: A directory (cp)

    @Test func directoryRecipeFullCycle() throws {
        try fullCycle(try Rig(.directory))
    }

    @Test func aFailingCommandStopsWith74AndTheNextRunResumesThere() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
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
        #expect(sent(failed) == [sealed[0].file])
        #expect(failed.stderr.contains(sealed[1].file) && failed.stderr.contains("exited with status 1"), "\(failed.stderr)")
        #expect(rig.tmp.exists("archive/" + sealed[1].file) && readFile(rig.archiveDir + "/" + sealed[1].file) == Array("something else".utf8))
        #expect(try rig.object(sealed[2].file) == nil, "stops at the failure")
        try FileManager.default.removeItem(atPath: rig.archiveDir + "/" + sealed[1].file)
        let resumed = try rig.archive(primary)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(sent(resumed) == [sealed[1].file, sealed[2].file])
    }

    @Test func aRetryAfterACrashBetweenCopyAndRecordSucceeds() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // The copy landed, aq-wal never recorded it: the archive already holds identical bytes.
        let copied = try run("/bin/sh", [ArchiveTools.recipes + "/dir-archive.sh", primary + "/" + sealed[0].file, rig.archiveDir + "/" + sealed[0].file],
                             environment: rig.environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        let archived = try rig.archive(primary)
        #expect(archived.status == 0, "\(archived.stderr)")
        #expect(sent(archived) == sealed.map(\.file))
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
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
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
        #expect(again.status == 0 && sent(again).isEmpty, "\(again.stdout)\(again.stderr)")
    }

    @Test func anArchiveCommandKilledMidCopyLeavesNothingArchived() throws {
        let rig = try Rig(.directory)
        let primary = rig.tmp.sub("primary")
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
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
        #expect(sent(retried) == sealed.map(\.file), "the killed segment is sent again")
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
        #expect(try rig.append(other, lines("primary", 0..<1000)).status == 0)
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
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
        let sealed = try rig.sealed(primary)
        // 16 KiB/s: a 64 KiB segment takes four seconds; the command is killed after two and a half.
        let slow = ["RCLONE_BWLIMIT": "16k"]
        let killed = try rig.archive(primary, command: "timeout -s KILL 2.5 " + rig.archiveCommand, extra: slow)
        #expect(killed.status == 74, "\(killed.stdout)\(killed.stderr)")
        #expect(killed.stderr.contains(sealed[0].file), "\(killed.stderr)")
        #expect(try rig.objectNames().isEmpty, "the partial copy never has the object's name")
        let retried = try rig.archive(primary)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(sent(retried) == sealed.map(\.file))

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
        #expect(try rig.append(primary, lines("primary", 0..<1000)).status == 0)
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
        #expect(sent(retried) == sealed.map(\.file))

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
