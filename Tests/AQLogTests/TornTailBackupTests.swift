import Testing
import AQTestSupport
import AQLogSimulation
import Foundation
import Synchronization
@testable import AQLog

/// Every repair keeps the bytes it removes: a writer's open as much as `LogRepair`. The backup
/// is synced, its directory entry too, before the segment is touched; a second tear at the
/// same offset gets its own backup; compaction removes the backups of what it removes.
@Suite struct TornTailBackupTests {
    static let options = LogOptions(segmentSize: 64 * 1024, backend: .posix)

    /// A log in `disk` whose open segment ends with a torn frame; returns the segment's path,
    /// the torn offset and the torn bytes.
    static func tornLog(_ disk: SimulatedStorage, records: Int = 20) throws -> (String, Int, [UInt8]) {
        let w = try LogWriter(directory: "/log", options: options, durability: .sync, storage: disk)
        for i in 0..<records { try w.append(payload(i)) }
        try w.close()
        let last = try LogReader(directory: "/log", storage: disk).segments.last!
        var bytes = disk.contents(of: last.path)!
        let torn: [UInt8] = [0x05, 0x00, 0x00, 0x11, 0x22]
        bytes.replaceSubrange(last.dataEnd..<(last.dataEnd + torn.count), with: torn)
        disk.setContents(of: last.path, bytes)
        return (last.path, last.dataEnd, torn)
    }

    @Test func aWritersOpenKeepsTheTornBytesDurablyBeforeZeroingThem() throws {
        let disk = SimulatedStorage(seed: 1)
        let (segment, offset, torn) = try Self.tornLog(disk)
        let trace = Mutex<[String]>([])
        disk.trace { line in trace.withLock { $0.append(line) } }
        let writer = try LogWriter(directory: "/log", options: Self.options, durability: .sync, storage: disk)
        disk.trace(nil)
        let backup = try #require(writer.recoveryReport.tornTailBackup)
        #expect(backup == segment + ".torn-\(offset).bak")
        try writer.close()
        // Order: the backup's sync and the directory's, then the first write to the segment.
        let lines = trace.withLock { $0 }
        let zeroing = try #require(lines.firstIndex { $0.hasSuffix("write \(segment)") })
        let backupSynced = try #require(lines.firstIndex { $0.hasSuffix("sync \(backup)") })
        #expect(backupSynced < zeroing, "the backup is synced before the segment is zeroed")
        #expect(lines[backupSynced..<zeroing].contains { $0.hasSuffix("syncDirectory /log") }, "and its directory entry")
        // A power loss now keeps the backup and its bytes.
        disk.crash(.dropUnsynced)
        let kept = try #require(disk.durableContents(of: backup))
        #expect(Array(kept.prefix(torn.count)) == torn)
    }

    @Test func aSecondTearAtTheSameOffsetKeepsTheFirstBackup() throws {
        let disk = SimulatedStorage(seed: 2)
        let (segment, offset, _) = try Self.tornLog(disk)
        try LogWriter(directory: "/log", options: Self.options, durability: .sync, storage: disk).close()
        var bytes = disk.contents(of: segment)!
        bytes.replaceSubrange(offset..<(offset + 3), with: [0x07, 0x00, 0x00])
        disk.setContents(of: segment, bytes)
        let writer = try LogWriter(directory: "/log", options: Self.options, durability: .sync, storage: disk)
        #expect(writer.recoveryReport.tornTailBackup == segment + ".torn-\(offset)-2.bak")
        try writer.close()
        let names = try disk.listDirectory("/log").filter { $0.hasSuffix(".bak") }
        #expect(names.count == 2)
    }

    @Test func compactionRemovesTheBackupsOfTheSegmentsItRemoves() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: Self.options)
        try w.append(contentsOf: (0..<600).map { payload($0, size: 200) })
        try w.close()
        let segments = try LogReader.open(directory: dir).segments
        try #require(segments.count >= 3)
        let first = LogDirectoryLayout.name(of: segments[0].path), last = LogDirectoryLayout.name(of: segments.last!.path)
        writeFile(dir + "/" + first + ".torn-100.bak", [1])
        writeFile(dir + "/" + first + ".torn-100-2.bak", [2])
        writeFile(dir + "/" + last + ".torn-200.bak", [3])
        try Checkpoint.write(directory: dir, sequence: segments[0].lastSequence)
        let report = try Compactor(directory: dir).run()
        #expect(report.removed.count == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bak") }
        #expect(left == [last + ".torn-200.bak"], "only the removed segment's backups go")
    }
}
