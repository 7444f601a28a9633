import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `LogOptions.filePermissions`: the files a writer creates, and the directory it creates, carry
/// the bits asked for (the process's umask applied, as for any `open(2)`).
@Suite struct FilePermissionsTests {
    /// The process's umask, read without changing it (`/proc/self/status`).
    static var umask: mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.split(separator: "\t").last ?? "", radix: 8) } ?? 0o022
    }

    static func mode(_ path: String) -> mode_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : 0
    }

    @Test(arguments: [UInt16(0o600), 0o640, 0o666])
    func createdFilesCarryTheModeAskedFor(_ permissions: UInt16) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
        options.filePermissions = permissions
        let writer = try LogWriter.open(directory: dir, options: options, durability: .sync)
        try writer.append(contentsOf: (0..<400).map { payload($0, size: 200) })  // rolls: prepared segments too
        try writer.close()
        let expected = mode_t(permissions) & ~Self.umask
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.contains("LOCK") && files.filter { $0.hasSuffix(".seg") }.count > 1)
        for name in files {
            #expect(Self.mode(dir + "/" + name) == expected, "\(name): \(String(Self.mode(dir + "/" + name), radix: 8))")
        }
        let searchable = mode_t(permissions) | ((mode_t(permissions) & 0o444) >> 2)
        #expect(Self.mode(dir) == searchable & ~Self.umask, "directory: \(String(Self.mode(dir), radix: 8))")
    }
}
