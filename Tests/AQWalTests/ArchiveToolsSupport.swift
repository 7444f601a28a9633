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
enum ArchiveTools {
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
func shQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Runs `executable` with exactly `environment`, feeding `stdin`.
func runTool(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> CLIResult {
    try runProcess(executable, arguments, environment: environment, stdin: stdin)
}

/// One line of about 200 bytes per index in `range`, naming `tag` and the index: 1000 of them
/// fill three 64 KiB segments and part of a fourth.
func recordLines(_ tag: String, _ range: Range<Int>) -> String {
    range.map { i in "\(tag)-" + String(repeating: "0", count: max(0, 6 - String(i).count)) + "\(i)-" + String(repeating: "x", count: 186) + "\n" }.joined()
}

/// A segment as `aq-wal inspect --json` lists it.
struct SegmentInfo: Equatable {
    var file: String
    var first: Int
    var last: Int
    var sealed: Bool
}

/// A free TCP port on 127.0.0.1 (bound, read back, closed).
func freeLoopbackPort() -> UInt16? {
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
func accepting(_ port: UInt16) -> Bool {
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
final class MotoServer {
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
