/// How the concurrent ``Log`` archives its own segments (``LogOptions/archiving``).
///
/// A background task runs a ``LogArchiver`` when the log opens (sending what earlier runs
/// left) and after every seal. A failed run is retried after ``retryDelay``, doubling up to
/// ``maximumRetryDelay``; each failure is logged as a warning and counted
/// (`aqlog_archive_failures_total`). Appends never wait for it, and compaction keeps every
/// segment not yet archived. ``Log/close()`` cancels a run in progress (`send` sees its task
/// cancelled); the next open sends what it did not.
///
/// ```swift
/// var options = LogOptions()
/// options.archiving = LogArchiving { segment in try await bucket.upload(segment.path, as: segment.fileName) }
/// options.maximumSegmentAge = .seconds(60)   // a standby lags at most a minute of records
/// let log = try Log.open(directory: "/var/lib/app/wal", options: options)
/// ```
public struct LogArchiving: Sendable {
    /// Stores one sealed segment (``LogArchiver/send``'s contract).
    public var send: @Sendable (ArchiveSegment) async throws -> Void
    /// The wait before the first retry of a failed run. Default 1 s.
    public var retryDelay: Duration = .seconds(1)
    /// The longest wait between retries. Default 60 s. Both delays are read as at least zero
    /// and at most a year.
    public var maximumRetryDelay: Duration = .seconds(60)
    /// Held bytes past which a run logs a warning (``LogArchiver/heldBytesWarning``). Default 1 GiB.
    public var heldBytesWarning: Int = 1 << 30

    /// Archiving through `send`.
    public init(send: @escaping @Sendable (ArchiveSegment) async throws -> Void) { self.send = send }

    /// Archiving through an operator's command (``ShellCommand``), as `aq-wal archive --command` runs it.
    public init(command: ShellCommand) { send = command.archiving }
}

/// The task that archives a ``Log``'s sealed segments (``LogArchiving``).
final class BackgroundArchiver: Sendable {
    private let wakeups: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    init(archiver: LogArchiver, retryDelay: Duration, maximumRetryDelay: Duration) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wakeups = continuation
        let (retryDelay, maximumRetryDelay) = (retryDelay.sleepable, maximumRetryDelay.sleepable)
        task = Task.detached {
            for await _ in stream {
                var delay = retryDelay
                while !Task.isCancelled {
                    do {
                        _ = try await archiver.run()
                        break
                    } catch {
                        // Reported by the run (warning, failure counter); try again later.
                        try? await Task.sleep(for: delay)
                        delay = min(delay * 2, maximumRetryDelay).sleepable
                    }
                }
            }
        }
        continuation.yield()
    }

    /// Asks for a run (runs asked for while one is going coalesce into one after it).
    func wake() { wakeups.yield() }

    /// Cancels the task and waits for it to end.
    func stop() async {
        wakeups.finish()
        task.cancel()
        await task.value
    }

    /// Cancels the task without waiting.
    func cancel() {
        wakeups.finish()
        task.cancel()
    }
}
