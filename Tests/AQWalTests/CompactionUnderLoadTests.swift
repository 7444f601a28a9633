import Testing
import AQTestSupport
import Foundation
import Synchronization
import AQLog

/// The "segment compaction cron": `aq-wal checkpoint` + `aq-wal compact` run as separate
/// processes in a loop while a writer in this process appends and a `LogTail` follows it.
@Suite struct CompactionUnderLoadTests {
    @Test func compactionInAnotherProcessLosesNothingAndBreaksNoOne() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let total = 4000
        let progress = Progress()
        let first = try LogWriter.open(directory: dir, options: testOptions)
        try first.append(record(0))
        try first.close()

        // The writer: group durability (acknowledged as sync by LogWriter), small segments.
        let writerTask = onThread { () throws -> [UInt64] in
            let writer = try LogWriter.open(directory: dir, options: testOptions,
                                            durability: .group(maxDelay: .milliseconds(1), maxBytes: 1 << 16))
            var acknowledged: [UInt64] = [1]
            for i in 1..<total {
                acknowledged.append(try writer.append(record(i)))
                if i % 200 == 0 { usleep(5000) }
            }
            try writer.close()
            return acknowledged
        }

        // The tail: every record from 1, in order.
        let tailTask = Task.detached { () throws -> [(UInt64, [UInt8])] in
            var seen: [(UInt64, [UInt8])] = []
            for try await element in LogTail(directory: dir, from: 1) {
                seen.append(element)
                progress.consumed.store(element.sequence, ordering: .releasing)
                if element.sequence == UInt64(total) { break }
            }
            return seen
        }

        // The cron: checkpoint what the tail has consumed, compact, repeat.
        let cronTask = onThread { () throws -> (runs: Int, removed: Int, statuses: [Int32], slowestMs: Double) in
            var runs = 0, removed = 0, statuses: [Int32] = [], slowest = 0.0
            while true {
                let done = progress.writerDone.load(ordering: .acquiring)
                let through = progress.consumed.load(ordering: .acquiring)
                if through > 0 { statuses.append(try aqWal(["checkpoint", dir, String(through)]).status) }
                let r = try aqWal(["compact", dir, "--json"])
                statuses.append(r.status)
                runs += 1
                removed += (r.json["removed"] as? [Any])?.count ?? 0
                slowest = max(slowest, r.json["duration_ms"] as? Double ?? 0)
                if done { return (runs, removed, statuses, slowest) }
            }
        }

        // Stop the cron loop whatever happens below (a thrown error included).
        defer { progress.writerDone.store(true, ordering: .releasing) }
        let acknowledged = try await writerTask.value
        let seen = try await tailTask.value
        progress.writerDone.store(true, ordering: .releasing)
        let cron = try await cronTask.value

        #expect(acknowledged == Array(1...UInt64(total)), "the writer never errored")
        #expect(seen.map(\.0) == Array(1...UInt64(total)), "the tail saw every record in order")
        #expect(seen.allSatisfy { $0.1 == record(Int($0.0) - 1) })
        #expect(cron.statuses.allSatisfy { $0 == 0 }, "every checkpoint and compact run succeeded: \(cron.statuses)")
        #expect(cron.removed > 0, "compaction actually removed segments (\(cron.runs) runs)")

        // Nothing acknowledged above the checkpoint was lost, and the log is whole.
        let checkpoint = try #require(try Checkpoint.read(directory: dir).sequence)
        let reader = try LogReader.open(directory: dir)
        #expect(reader.firstSequence <= checkpoint + 1)
        #expect(reader.lastSequence == UInt64(total))
        var expected = reader.firstSequence
        try reader.forEach(from: reader.firstSequence) { sequence, bytes in
            #expect(sequence == expected && Array(bytes) == record(Int(sequence) - 1))
            expected += 1
            return true
        }
        #expect(expected == UInt64(total) + 1)
        #expect(try aqWal(["verify", dir]).status == 0)
        print("compaction under load: \(cron.runs) runs, \(cron.removed) segments removed, slowest run \(cron.slowestMs) ms")
    }
}

/// Shared counters between the test's tasks.
final class Progress: Sendable {
    let consumed = Atomic<UInt64>(0)
    let writerDone = Atomic<Bool>(false)
    /// Set after an archiving loop's last run (which began once the writer was done).
    let archiveDone = Atomic<Bool>(false)
}

/// Runs blocking work (fsyncs, waiting for child processes) on its own thread, so it never
/// starves Swift concurrency's two-thread cooperative pool that the tail runs on.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> Task<T, any Error> {
    Task {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
