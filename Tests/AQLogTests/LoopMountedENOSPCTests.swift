import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A real `ENOSPC`: a 16 MiB ext4 image, loop-mounted (needs root, as CI runs), filled by a
/// ballast file until preparing the next segment fails; then the ballast is removed and the
/// same log keeps going. Skipped (reported as such) without root; as root it must mount.
@Suite struct LoopMountedENOSPCTests {
    @discardableResult
    func sh(_ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(.enabled(if: getuid() == 0, "needs root for a loop mount"))
    func enospcAtPreallocationFailsCleanlyAndTheLogKeepsWorkingOnceSpaceReturns() throws {
        let tmp = TemporaryDirectory()
        let image = tmp.sub("fs.img"), mountPoint = tmp.sub("mnt")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        try #require(sh(["truncate", "-s", "16M", image]) == 0)
        try #require(sh(["mkfs.ext4", "-q", "-F", "-m", "0", image]) == 0, "mkfs.ext4 (e2fsprogs)")
        try #require(sh(["mount", "-o", "loop", image, mountPoint]) == 0, "loop mount")
        defer { sh(["umount", mountPoint]) }
        // Leave about 3 MiB free: room for a few 1 MiB segments, then ENOSPC.
        var stats = statvfs()
        _ = statvfs(mountPoint, &stats)
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        let ballast = mountPoint + "/ballast"
        #expect(FileManager.default.createFile(atPath: ballast, contents: Data(count: free - 3 << 20)))
        let dir = mountPoint + "/log"
        let w = try LogWriter.open(directory: dir, options: LogOptions(segmentSize: 1 << 20, backend: .posix))
        var acked: [[UInt8]] = []
        var enospc = 0
        for i in 0..<2000 where enospc == 0 {
            let p = payload(i, size: 4000)
            do { try w.append(p); acked.append(p) } catch {
                guard case .io(let f) = error, f.errno == .noSpace else { Issue.record("unexpected \(error)"); return }
                enospc += 1
            }
        }
        #expect(enospc == 1, "the disk never filled")
        // Not poisoned: the failing append changed nothing, and once space returns the log goes on.
        try FileManager.default.removeItem(atPath: ballast)
        for i in 0..<600 { let p = payload(10_000 + i, size: 4000); try w.append(p); acked.append(p) }
        try w.close()
        #expect(try readAll(dir) == acked)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
    }
}
