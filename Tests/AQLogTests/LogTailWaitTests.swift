import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A tail started before its log exists: it fails at once unless asked to wait.
@Suite struct LogTailWaitTests {
    @Test(.timeLimit(.minutes(1))) func aWaitingTailYieldsTheRecordsOfALogCreatedLater() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("later/log")
        var tail = LogTail(directory: dir)
        tail.waitsForLog = true
        let consumer = Task {
            var seen: [(UInt64, [UInt8])] = []
            for try await (sequence, bytes) in tail {
                seen.append((sequence, bytes))
                if sequence == 3 { break }
            }
            return seen
        }
        try await Task.sleep(for: .milliseconds(300))
        try FileManager.default.createDirectory(atPath: tmp.sub("later"), withIntermediateDirectories: false)
        try await Task.sleep(for: .milliseconds(100))
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        try await Task.sleep(for: .milliseconds(100))
        for i in 0..<3 { try w.append(payload(i, size: 100)) }
        let seen = try await consumer.value
        try w.close()
        #expect(seen.map(\.0) == [1, 2, 3])
        #expect(seen.map(\.1) == (0..<3).map { payload($0, size: 100) })
    }

    @Test func withoutTheOptionAMissingLogFailsAtOnceAsBefore() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("absent")
        var tail = LogTail(directory: dir)
        tail.minimumPollInterval = .seconds(3600)
        tail.maximumPollInterval = .seconds(3600)
        let started = ContinuousClock.now
        var it = tail.makeAsyncIterator()
        await #expect(throws: LogError.notFound(path: dir)) { _ = try await it.next() }
        #expect(ContinuousClock.now - started < .seconds(10))
        // Waiting is for a missing directory only: a file in its place still fails.
        writeFile(dir, [1])
        var waiting = LogTail(directory: dir)
        waiting.waitsForLog = true
        var fileIterator = waiting.makeAsyncIterator()
        await #expect(throws: LogError.notADirectory(path: dir)) { _ = try await fileIterator.next() }
    }

    /// Hour-long polls: only cancellation can end this wait within the time limit.
    @Test(.timeLimit(.minutes(1))) func cancellingAWaitingTailEndsItPromptly() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("never")
        var tail = LogTail(directory: dir)
        tail.waitsForLog = true
        tail.minimumPollInterval = .seconds(3600)
        tail.maximumPollInterval = .seconds(3600)
        let consumer = Task {
            var it = tail.makeAsyncIterator()
            return try await it.next()
        }
        #expect(await eventually { DurabilityNotifier.shared.waiterCount(directory: dir) > 0 }, "the tail is waiting")
        let cancelled = ContinuousClock.now
        consumer.cancel()
        #expect(try await consumer.value == nil)
        #expect(ContinuousClock.now - cancelled < .seconds(10))
        #expect(!FileManager.default.fileExists(atPath: dir), "waiting creates nothing")
    }
}
