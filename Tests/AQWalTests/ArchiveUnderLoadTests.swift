import Testing
import AQTestSupport
import Foundation
import AQLog

/// Archiving from cron beside a live writer and a compaction cron: `aq-wal archive`,
/// `aq-wal checkpoint` and `aq-wal compact` run as separate processes in loops while a writer in
/// this process appends and checkpoints advance to its last record. Then the archive holds every
/// segment the log sealed, in one unbroken chain, and `aq-wal restore` rebuilds them all.
@Suite struct ArchiveUnderLoadTests {
    @Test func archivingBesideAWriterAndCompactionLosesNothing() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"), store = tmp.sub("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
        let total = 4000
        let done = Progress()
        let writerTask = onThread { () throws -> Void in
            let writer = try LogWriter.open(directory: dir, options: testOptions)
            for i in 0..<total {
                _ = try writer.append(record(i))
                if i % 200 == 0 { usleep(5000) }
            }
            try writer.close()
        }
        let archiveCron = onThread { () throws -> (runs: Int, statuses: [Int32]) in
            var runs = 0, statuses: [Int32] = []
            while true {
                let finished = done.writerDone.load(ordering: .acquiring)
                // A slow archive (0.1 s a segment): compaction, checkpointing each last record,
                // would run ahead of it but for the hold.
                statuses.append(try aqWal(["archive", dir, "--command", "sleep 0.1; " + CLIArchiveTests.store(store)]).status)
                runs += 1
                if finished {
                    done.archiveDone.store(true, ordering: .releasing)
                    return (runs, statuses)
                }
            }
        }
        let compactCron = onThread { () throws -> (removed: Int, statuses: [Int32]) in
            var removed = 0, statuses: [Int32] = []
            while true {
                // Until the archive loop's last run is over: a last compaction before it could
                // find nothing archived yet and remove nothing.
                let finished = done.archiveDone.load(ordering: .acquiring)
                if let last = try? LogReader.open(directory: dir).lastSequence, last > 0 {
                    statuses.append(try aqWal(["checkpoint", dir, String(last)]).status)
                }
                let r = try aqWal(["compact", dir, "--json"])
                statuses.append(r.status)
                removed += (r.json["removed"] as? [Any])?.count ?? 0
                if finished { return (removed, statuses) }
            }
        }
        defer {
            done.writerDone.store(true, ordering: .releasing)
            done.archiveDone.store(true, ordering: .releasing)
        }
        try await writerTask.value
        done.writerDone.store(true, ordering: .releasing)
        let archived = try await archiveCron.value
        let compacted = try await compactCron.value
        #expect(archived.statuses.allSatisfy { $0 == 0 }, "every archive run succeeded: \(archived.statuses)")
        #expect(compacted.statuses.allSatisfy { $0 == 0 }, "every checkpoint and compact run succeeded: \(compacted.statuses)")
        #expect(compacted.removed > 0, "compaction removed archived segments")

        // Every sealed segment the log ever had is in the archive: restore rebuilds them, from 1,
        // and the records are the writer's.
        let copy = tmp.sub("copy")
        let restored = try aqWal(["restore", copy, "--command", CLIArchiveTests.fetch(store), "--json"])
        #expect(restored.status == 0)
        // Everything before the log's open segment was sealed, so archived (the last archive run
        // started after the writer closed), whatever compaction removed from the log since.
        let open = try #require(try LogReader.open(directory: dir).segments.last)
        #expect(!open.isSealed)
        let sealedLast = open.baseSequence - 1
        #expect(try ArchiveState.read(directory: dir) == .archived(through: sealedLast))
        #expect(sealedLast > UInt64(total) / 2)
        #expect(restored.json["first_sequence"] as? Int == 1)
        #expect(UInt64(restored.json["last_sequence"] as? Int ?? 0) == sealedLast)
        let reader = try LogReader.open(directory: copy)
        var expected: UInt64 = 1
        try reader.forEach(from: 1) { sequence, bytes in
            #expect(sequence == expected && Array(bytes) == record(Int(sequence) - 1))
            expected += 1
            return true
        }
        #expect(expected == sealedLast + 1)
        print("archiving under load: \(archived.runs) archive runs, \(compacted.removed) segments compacted, \(sealedLast) records restored")
    }
}
