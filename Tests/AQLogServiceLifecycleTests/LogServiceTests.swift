import Testing
import AQLog
import AQLogServiceLifecycle
import AQTestSupport
import Logging
import ServiceLifecycle
import Synchronization

/// A service that appends to the log until the group shuts down, recording each sequence the
/// log acknowledged.
private struct Appender: Service {
    let log: Log
    let acknowledged: Acknowledged

    func run() async throws {
        var i = 0
        while !Task.isShuttingDownGracefully {
            acknowledged.add(try await log.append([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 100)))
            i += 1
        }
    }
}

/// The sequences a log acknowledged, gathered across tasks.
private final class Acknowledged: Sendable {
    private let list = Mutex<[UInt64]>([])
    func add(_ s: UInt64) { list.withLock { $0.append(s) } }
    var sequences: [UInt64] { list.withLock { $0 } }
}

/// `LogService` keeps a log open while its `ServiceGroup` runs and closes it durably once the
/// group shuts down: gracefully (triggered), or by cancellation.
@Suite struct LogServiceTests {
    private static let options = LogOptions(segmentSize: 64 * 1024, backend: .posix)

    /// The log is closed (its lock released: a writer opens it) and holds every record
    /// acknowledged before the shutdown, as the payloads appended.
    private static func expectClosed(_ dir: String, acknowledged: [UInt64]) throws {
        let reopened = try LogWriter.open(directory: dir, options: options)
        defer { try? reopened.close() }
        #expect(reopened.lastSequence >= acknowledged.last ?? 0)
        let reader = try LogReader.open(directory: dir)
        for s in acknowledged {
            #expect(try reader.record(s) == [UInt8](repeating: UInt8(truncatingIfNeeded: s - 1), count: 100))
        }
    }

    @Test(arguments: [Durability.sync, .deferred])
    func aGracefulShutdownClosesTheLogWithEveryAcknowledgedRecord(_ durability: Durability) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let logService = try LogService(directory: dir, options: Self.options, durability: durability)
        let acknowledged = Acknowledged()
        let group = ServiceGroup(services: [logService, Appender(log: logService.log, acknowledged: acknowledged)],
                                 logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually { acknowledged.sequences.count >= 50 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let sequences = acknowledged.sequences
        #expect(sequences.count >= 50)
        // Closed: a later append is refused, and the directory is free for the next writer.
        await #expect(throws: LogError.closed) { try await logService.log.append([1]) }
        try Self.expectClosed(dir, acknowledged: sequences)
    }

    @Test func aCancelledGroupClosesTheLogToo() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let logService = try LogService(directory: dir, options: Self.options)
        let acknowledged = Acknowledged()
        _ = try await logService.log.append([UInt8](repeating: 0, count: 100))
        acknowledged.add(1)
        let group = ServiceGroup(services: [logService], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        // The service is waiting for the shutdown when the group's task is cancelled.
        try await Task.sleep(for: .milliseconds(50))
        running.cancel()
        _ = await running.result
        await #expect(throws: LogError.closed) { try await logService.log.append([1]) }
        try Self.expectClosed(dir, acknowledged: acknowledged.sequences)
    }
}
