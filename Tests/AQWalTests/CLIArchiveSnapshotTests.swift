import Testing
import AQTestSupport
import Foundation
import ActionQueue
@testable import AQLog

/// ActionQueue snapshots travel with the segments (`--snapshots`): a standby restored from an
/// archive that starts after the log's head recovers from the snapshot sent with its first
/// segment.
@Suite struct CLIArchiveSnapshotTests {
    @Test func aStandbyRestoredFromALaterStartRecoversFromTheSnapshotSentWithIt() async throws {
        let tmp = TemporaryDirectory()
        let events = tmp.sub("events"), snapshots = tmp.sub("snapshots"), archive = tmp.sub("archive")
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: false)
        let store = SnapshotStore(directory: snapshots)
        let authority = try await AsyncMutationAuthority.open(directory: events, options: testOptions, durability: .deferred, snapshots: store)
        func submit(_ count: Int) async throws {
            for _ in 0..<count {
                try await authority.submit(.taskCreated(taskSpec: TaskSpec(id: TaskId(), payload: TaskPayload(bytes: record(0))), timestamp: 1))
            }
        }
        try await submit(900)
        // The snapshot covers the first 900 commands; compaction drops the segments it covers.
        try await authority.publishSnapshot(to: store, timestamp: 2, retain: 1)
        try await submit(900)
        try await authority.close()
        let removed = try Compactor(directory: events).run().removed
        #expect(!removed.isEmpty)
        let first = try LogReader.open(directory: events).segments.first!
        #expect(first.baseSequence > 1 && first.baseSequence <= 901 && first.lastSequence >= 900)

        let archived = try aqWal(["archive", events, "--command", CLIArchiveTests.store(archive), "--snapshots", snapshots])
        #expect(archived.status == 0)
        let pairedName = SnapshotStore.archiveName(pairedWith: first.fileName)
        #expect(FileManager.default.fileExists(atPath: archive + "/" + pairedName), "the snapshot went with the first segment")

        let standby = tmp.sub("standby"), standbySnapshots = tmp.sub("standby-snapshots")
        let restored = try aqWal(["restore", standby, "--command", CLIArchiveTests.fetch(archive), "--from", "\(first.baseSequence)",
                                  "--snapshots", standbySnapshots, "--json"])
        #expect(restored.status == 0)
        #expect(restored.json["snapshots"] as? [Int] == [900])
        let last = UInt64(restored.json["last_sequence"] as? Int ?? 0)
        #expect(last > 900)
        let copy = try await AsyncMutationAuthority.open(directory: standby, options: testOptions, snapshots: SnapshotStore(directory: standbySnapshots))
        #expect(copy.projection.latestSequence == last)
        #expect(copy.projection.tasks.count == Int(last), "every command up to the copy's last sequence, from snapshot and replay")
        try await copy.close()

        // A damaged snapshot object is refused (exit 2) and not filed.
        var bytes = readFile(archive + "/" + pairedName)
        bytes[bytes.count - 1] ^= 1
        writeFile(archive + "/" + pairedName, bytes)
        let again = try aqWal(["restore", tmp.sub("standby2"), "--command", CLIArchiveTests.fetch(archive), "--from", "\(first.baseSequence)",
                               "--snapshots", tmp.sub("standby2-snapshots")])
        #expect(again.status == 2 && again.stderr.contains(pairedName))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: tmp.sub("standby2-snapshots")))?.filter { $0.hasPrefix("snapshot-") } ?? [] == [])
    }

    /// With `--snapshots`, a snapshot directory that is not there, or a paired snapshot that
    /// is damaged, stops the run before the segment goes: once recorded as archived, a segment
    /// is never sent again, and an archived object is never replaced.
    @Test func aMissingSnapshotDirectoryOrADamagedSnapshotStopsTheRunBeforeTheSegment() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"); let archive = tmp.sub("archive"); let snapshots = tmp.sub("snapshots")
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: false)
        try Fixture.healthy(dir, count: 1500)
        let first = try LogReader.open(directory: dir).segments.first!
        try #require(first.isSealed)

        let missing = try aqWal(["archive", dir, "--command", CLIArchiveTests.store(archive), "--snapshots", snapshots])
        #expect(missing.status == 74 && missing.stderr.contains("\(snapshots): no such snapshot directory"), "\(missing.status) \(missing.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).isEmpty, "nothing sent")

        try FileManager.default.createDirectory(atPath: snapshots, withIntermediateDirectories: false)
        let garbage = SnapshotStore(directory: snapshots).path(forSequence: first.lastSequence)
        writeFile(garbage, Array("garbage\n".utf8))
        let damaged = try aqWal(["archive", dir, "--command", CLIArchiveTests.store(archive), "--snapshots", snapshots])
        #expect(damaged.status == 2, "\(damaged.status) \(damaged.stderr)")
        #expect(damaged.stderr.contains("\(garbage): damaged snapshot at offset 8"), "\(damaged.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).filter { $0.hasSuffix(".seg") }.isEmpty,
                "the segment it pairs with is not sent either")

        // Once the snapshot is gone, the next run sends the segments (without one).
        try FileManager.default.removeItem(atPath: garbage)
        #expect(try aqWal(["archive", dir, "--command", CLIArchiveTests.store(archive), "--snapshots", snapshots]).status == 0)
        #expect(FileManager.default.fileExists(atPath: archive + "/" + first.fileName))
    }
}
