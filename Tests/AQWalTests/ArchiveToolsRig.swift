import Testing
import AQTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One archive: how to archive to it and restore from it (the templates `aq-wal` expands), the
/// environment its commands run in, and a look at what it holds.
final class Rig {
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
        try runTool(aqWalPath, arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Runs the AWS CLI against this rig's moto_server.
    func awsCLI(_ arguments: [String]) throws -> CLIResult {
        try runTool(ArchiveTools.aws!, arguments, environment: environment)
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
func sentSegments(_ result: CLIResult) -> [String] {
    result.stdout.split(separator: "\n").compactMap { line in
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0] == "archived", words[1].hasSuffix(".seg") else { return nil }
        return String(words[1])
    }
}

func fileModificationTime(_ path: String) -> Double {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date)?.timeIntervalSince1970 ?? 0
}

/// The whole cycle through one recipe: archive (twice), restore, verify, compare, promote,
/// archive the promoted copy to the same archive, and fence an old primary that went on
/// writing after the same point.
func fullCycle(_ rig: Rig) throws {
    let primary = rig.tmp.sub("primary"), standby = rig.tmp.sub("standby")
    #expect(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
    let sealed = try rig.sealed(primary)
    try #require(sealed.count == 3, "1000 records of ~200 bytes seal three 64 KiB segments")
    let lastSealed = sealed.last!.last

    let first = try rig.archive(primary)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(sentSegments(first) == sealed.map(\.file))
    #expect(first.stdout.split(separator: "\n").last?.hasPrefix("archived 3 segments") == true, "\(first.stdout)")
    for segment in sealed { #expect(try rig.object(segment.file) == readFile(primary + "/" + segment.file)) }
    #expect(try rig.objectNames() == sealed.map(\.file), "never the open segment")
    let second = try rig.archive(primary)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(sentSegments(second).isEmpty, "\(second.stdout)")

    let restored = try rig.restore(standby)
    #expect(restored.status == 0, "\(restored.stderr)")
    let summary = restored.stdout.split(separator: "\n").last.map(String.init) ?? ""
    #expect(summary.contains("restored 3 segments") && summary.contains("\(lastSealed)"), "\(restored.stdout)")
    #expect(segmentFiles(standby) == sealed.map(\.file))
    #expect(try rig.aqWal(["verify", standby]).status == 0)
    #expect(try rig.records(standby) == rig.records(primary, through: lastSealed))
    // The recipes keep the segment's modification time (S3 metadata: whole seconds).
    let last = sealed.last!.file
    #expect(abs(fileModificationTime(standby + "/" + last) - fileModificationTime(primary + "/" + last)) < 1.0)

    // Promotion: the copy continues the log at the next sequence.
    let promoted = try rig.append(standby, recordLines("promoted", 0..<700))
    #expect(promoted.status == 0, "\(promoted.stderr)")
    #expect(promoted.stdout.split(separator: "\n").first == Substring(String(lastSealed + 1)))
    #expect(try rig.aqWal(["verify", standby]).status == 0)
    let newSealed = try rig.sealed(standby).filter { $0.first > lastSealed }
    try #require(newSealed.count == 2)
    let fromPromoted = try rig.archive(standby)
    #expect(fromPromoted.status == 0, "\(fromPromoted.stderr)")
    #expect(Set(newSealed.map(\.file)).isSubset(of: sentSegments(fromPromoted)))
    for segment in newSealed { #expect(try rig.object(segment.file) == readFile(standby + "/" + segment.file)) }

    // The old primary goes on writing after the same point: its next segment has the promoted
    // one's name and other bytes, and the recipe refuses to replace it.
    #expect(try rig.append(primary, recordLines("old-primary", 0..<700)).status == 0)
    let diverged = try #require(try rig.sealed(primary).first { $0.first == lastSealed + 1 })
    #expect(diverged.file == newSealed[0].file)
    #expect(readFile(primary + "/" + diverged.file) != readFile(standby + "/" + diverged.file))
    let fenced = try rig.archive(primary)
    #expect(fenced.status == 74, "\(fenced.stdout)\(fenced.stderr)")
    #expect(fenced.stderr.contains(diverged.file) && fenced.stderr.contains("exited with status 1"), "\(fenced.stderr)")
    #expect(fenced.stderr.contains("refusing to replace"), "the recipe's own message: \(fenced.stderr)")
    #expect(sentSegments(fenced).isEmpty)
    #expect(try rig.object(diverged.file) == readFile(standby + "/" + diverged.file), "the promoted log's object is unchanged")

    // A copy restored now follows the promoted history.
    let later = rig.tmp.sub("later")
    let again = try rig.restore(later)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try rig.records(later) == rig.records(standby, through: newSealed.last!.last))
}

/// A log with three sealed segments archived through `rig`; returns its directory and sealed segments.
func archivedLog(_ rig: Rig) throws -> (dir: String, sealed: [SegmentInfo]) {
    let primary = rig.tmp.sub("primary")
    try #require(try rig.append(primary, recordLines("primary", 0..<1000)).status == 0)
    let sealed = try rig.sealed(primary)
    try #require(sealed.count == 3)
    let archived = try rig.archive(primary)
    try #require(archived.status == 0, "\(archived.stderr)")
    return (primary, sealed)
}

/// A directory of stand-in commands put first on a command's PATH.
func shims(_ rig: Rig, _ scripts: [String: String]) throws -> String {
    let dir = rig.tmp.sub("shims")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, body) in scripts {
        let path = dir + "/" + name
        writeFile(path, Array(("#!/bin/sh\n" + body + "\n").utf8))
        chmod(path, 0o755)
    }
    return dir
}
