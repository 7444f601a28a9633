import Testing
import AQTestSupport
import Foundation
import Logging
import Synchronization
@testable import AQLog

/// An error of the body's own, to tell it from the log's.
private struct BodyFailed: Error, Equatable {}

/// `Log.withLog` and `LogWriter.withWriter` close the log whatever the body does: return,
/// throw, or (for `Log`) be cancelled; when the body throws and the close fails too, the
/// body's error is the one thrown.
@Suite struct ScopedLogTests {
    private static let options = LogOptions(segmentSize: 1 << 20, backend: .posix)

    /// Options whose logger keeps what the log reports in `records`.
    private static func options(_ records: inout LogRecords?) -> LogOptions {
        let (logger, kept) = RecordingLogHandler.logger()
        records = kept
        var o = options
        o.logger = logger
        return o
    }

    /// The directory is free (a writer opens it) and holds `count` records `payload(0..<count)`;
    /// the log was closed, not dropped (a dropped log closes itself with a warning).
    private static func expectClosed(_ dir: String, count: Int, records: LogRecords? = nil) throws {
        let reopened = try LogWriter.open(directory: dir, options: options)
        #expect(reopened.lastSequence == UInt64(count))
        try reopened.close()
        #expect(try readAll(dir) == (0..<count).map { payload($0) })
        if let records { #expect(records.entries(.warning, "Log dropped without close(): closing it").isEmpty) }
    }

    @Test func withLogReturnsTheBodysResultAndCloses() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var escaped: Log?
        let last = try await Log.withLog(directory: dir, options: Self.options) { log in
            escaped = log
            var last: UInt64 = 0
            for i in 0..<20 { last = try await log.append(payload(i)) }
            return last
        }
        #expect(last == 20)
        await #expect(throws: LogError.closed) { try await escaped?.append([1]) }
        try Self.expectClosed(dir, count: 20)
    }

    @Test func withLogClosesWhenTheBodyThrowsAndRethrowsItsError() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var records: LogRecords?
        let options = Self.options(&records)
        await #expect(throws: BodyFailed()) {
            try await Log.withLog(directory: dir, options: options, durability: .deferred) { log in
                for i in 0..<7 { try await log.append(payload(i)) }
                throw BodyFailed()
            }
        }
        try Self.expectClosed(dir, count: 7, records: records)
    }

    @Test func withLogClosesWhenItsTaskIsCancelled() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var records: LogRecords?
        let options = Self.options(&records)
        let appended = Mutex(0)
        let task = Task {
            try await Log.withLog(directory: dir, options: options) { log in
                for i in 0..<5 { try await log.append(payload(i)) }
                appended.withLock { $0 = 5 }
                try await Task.sleep(for: .seconds(600))  // until cancelled
            }
        }
        #expect(await eventually { appended.withLock { $0 } == 5 })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        try Self.expectClosed(dir, count: 5, records: records)
    }

    @Test func openingFailsWithoutRunningTheBody() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = Self.options
        options.createIfMissing = false
        let ran = Mutex(false)
        await #expect(throws: LogError.self) {
            try await Log.withLog(directory: dir, options: options) { _ in ran.withLock { $0 = true } }
        }
        #expect(!ran.withLock { $0 })
    }

    /// A log whose next sync fails (poisoned, so its close fails too), and its storage.
    private static func failingLog(_ dir: String, logger: Logger) throws -> Log {
        let storage = RecordingStorage()
        var options = Self.options
        options.logger = logger
        options.idleVouchDelay = nil
        let log = try Log(directory: dir, options: options, storage: storage)
        storage.state.withLock { $0.failSyncAfter = 1 }
        return log
    }

    @Test func theBodysErrorWinsOverTheClosesAndTheCloseErrorIsLogged() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (logger, records) = RecordingLogHandler.logger()
        let log = try Self.failingLog(dir, logger: logger)
        await #expect(throws: BodyFailed()) {
            try await log.closing { log in
                await #expect(throws: LogError.self) { try await log.append([1]) }
                throw BodyFailed()
            }
        }
        // The close did fail: the log was poisoned.
        await #expect { try await log.close() } throws: { error in
            if case .poisoned = error as? LogError { return true } else { return false }
        }
        let warnings = records.entries(.warning, "closing the log after an error failed too")
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["closeError"]?.contains("fdatasync") == true)
    }

    @Test func aCloseFailureAfterTheBodyReturnedIsThrown() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (logger, _) = RecordingLogHandler.logger()
        let log = try Self.failingLog(dir, logger: logger)
        await #expect { try await log.closing { log in try? await log.append([1]) } } throws: { error in
            if case .poisoned = error as? LogError { return true } else { return false }
        }
    }

    @Test func withWriterClosesOnReturnAndOnThrow() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let next = try LogWriter.withWriter(directory: dir, options: Self.options) { writer in
            for i in 0..<3 { try writer.append(payload(i)) }
            return writer.nextSequence
        }
        #expect(next == 4)
        try Self.expectClosed(dir, count: 3)
        #expect(throws: BodyFailed()) {
            try LogWriter.withWriter(directory: dir, options: Self.options) { writer in
                for i in 3..<5 { try writer.append(payload(i)) }
                throw BodyFailed()
            }
        }
        try Self.expectClosed(dir, count: 5)
    }

    @Test func withWriterThrowsTheBodysErrorWhenTheCloseFailsToo() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (logger, records) = RecordingLogHandler.logger()
        let storage = RecordingStorage()
        var options = Self.options
        options.logger = logger
        let writer = try LogWriter(directory: dir, options: options, durability: .deferred, storage: storage)
        #expect(throws: BodyFailed()) {
            try writer.closing { writer in
                try writer.append([1])
                storage.state.withLock { $0.failSyncAfter = 1 }  // the close's sync
                throw BodyFailed()
            }
        }
        #expect(records.entries(.warning, "closing the log after an error failed too").count == 1)
    }
}
