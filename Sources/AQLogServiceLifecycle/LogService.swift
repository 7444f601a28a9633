import AQLog
import ServiceLifecycle

/// A `Log` run as a swift-service-lifecycle `Service`: the log stays open while its
/// `ServiceGroup` runs, and is closed durably when the group shuts down.
///
/// ``run()`` waits for the group's graceful shutdown (or for its task to be cancelled), then
/// calls `Log.close()`: what is staged is written, a close marker is written and
/// synced, and the directory's writer lock is released. Every record acknowledged before then
/// is durable (a `.deferred` log is synced by the close); appends issued after the close began
/// fail with `LogError.closed`.
///
/// A `ServiceGroup` shuts its services down in reverse order: list the log's service before the
/// services that append to it, so they have stopped appending when the log closes.
///
/// ```swift
/// let logService = try LogService(directory: "/var/lib/app/wal")
/// let api = APIService(log: logService.log)        // appends to the log
/// let group = ServiceGroup(services: [logService, api],
///                          gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct LogService: Service {
    /// The log this service closes; hand it to the services that append to it.
    public let log: Log

    /// A service that closes `log` when its group shuts down.
    public init(log: Log) {
        self.log = log
    }

    /// Opens (or creates) the log in `directory` as `Log.open(directory:options:durability:)`
    /// does, for a service that closes it when its group shuts down.
    public init(directory: String, options: LogOptions = .init(), durability: Durability = .sync) throws(LogError) {
        log = try Log.open(directory: directory, options: options, durability: durability)
    }

    /// Waits until the group shuts down gracefully, or this task is cancelled (the group was
    /// cancelled, or gave up waiting for a graceful shutdown), then closes the log. The close
    /// does not observe cancellation: it always runs to the end. Throws only what
    /// `Log.close()` throws (the error a poisoned log failed with).
    public func run() async throws {
        // Throws `CancellationError` when cancelled first: the log is closed all the same.
        try? await gracefulShutdown()
        try await log.close()
    }
}
