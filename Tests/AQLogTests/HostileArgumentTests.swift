import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// Values an embedder can pass that the library refuses with a typed error or reads
/// sensibly, never a trap.
@Suite struct HostileArgumentTests {
    @Test func aRepairUnderStrictIsAnInvalidArgument() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 5)
        #expect(performing: { _ = try LogRepair.repair(directory: dir, policy: .strict) }, throws: { error in
            guard case LogError.invalidArgument = error else { return false }
            return true
        })
    }

    @Test func aTailBatchSizeBelowOneReadsOneAtATime() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeLog(dir, count: 5)
        for size in [0, -1] {
            var tail = LogTail(directory: dir)
            tail.batchSize = size
            var records = tail.makeAsyncIterator()
            for expected in written { #expect(try await records.next()?.payload == expected) }
        }
    }

    /// An in-flight bound of `Int.max` ("unlimited") is clamped to what a header records.
    @Test func anUnlimitedInFlightBoundIsClamped() throws {
        var options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        options.maxInFlightBytes = .max
        options.maxCommitsInFlight = 4
        let policy = DurabilityPolicy(durability: .sync, options: options, overlappingWrites: true)
        #expect(policy.headerDepth.blocks <= Int(UInt16.max))
    }

    @Test func aCommitOnAClosedCursorIsClosed() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeLog(dir, count: 5)
        try ConsumerCursor.register(directory: dir, name: "c", position: 0)
        let cursor = try ConsumerCursor.open(directory: dir, name: "c")
        cursor.close()
        try FileManager.default.removeItem(atPath: dir + "/LOCK")
        try FileManager.default.createDirectory(atPath: dir + "/LOCK", withIntermediateDirectories: false)  // unreadable as a file
        #expect(throws: LogError.closed) { try cursor.commit(1) }
    }

    /// "Never" spelled as the largest duration: the runtime traps on a sleep that long, so the
    /// library waits at most a year, and cancellation still ends the wait.
    @Test func aWaitOfTheLargestDurationDoesNotTrap() async throws {
        let waiting = Task { await DurabilityNotifier.shared.wait(directory: "/nonexistent-aq-test", beyond: 0, timeout: .seconds(Int64.max)) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        #expect(await waiting.value == false)
    }
}
