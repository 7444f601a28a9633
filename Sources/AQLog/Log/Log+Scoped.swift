extension Log {
    /// Opens the log in `directory` as ``open(directory:options:durability:)-(String,_,_)`` does, runs `body`
    /// with it, and closes it whatever happens: when `body` returns, when it throws, and when
    /// the task is cancelled (``close()`` does not observe cancellation, so it always writes
    /// what is staged, its close marker and sync, and releases the directory).
    ///
    /// Returns what `body` returns once the log is closed. Throws the ``LogError`` of opening
    /// (`body` does not run), the error `body` threw, unchanged, or the ``LogError`` of a close
    /// after `body` returned. When `body` throws and the close fails too, `body`'s error is the
    /// one thrown (the cause; a close after it often fails for the same reason), and the close's
    /// error is logged as a warning to ``LogOptions/logger``. `body` runs in the caller's
    /// isolation (`isolation`), so it may touch the caller's state and return a non-`Sendable`
    /// value.
    ///
    /// The log must not be used after `body` returns: an append then throws ``LogError/closed``.
    ///
    /// ```swift
    /// let last = try await Log.withLog(directory: "/var/lib/app/wal") { log in
    ///     try await log.append(Array("hello".utf8))
    /// }
    /// ```
    public static func withLog<Result>(
        directory: String, options: LogOptions = .init(), durability: Durability = .sync,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Log) async throws -> Result
    ) async throws -> Result {
        try await open(directory: directory, options: options, durability: durability).closing(after: body)
    }

    /// Runs `body` with this log, then closes it (``withLog(directory:options:durability:isolation:_:)``).
    func closing<Result>(isolation: isolated (any Actor)? = #isolation, after body: (Log) async throws -> Result) async throws -> Result {
        let result: Result
        do { result = try await body(self) } catch {
            do { try await close() } catch let closeError {
                committer.engine.logger.warning("closing the log after an error failed too", metadata: [
                    "directory": "\(committer.engine.directory)", "error": "\(error)", "closeError": "\(closeError)"])
            }
            throw error
        }
        try await close()
        return result
    }
}
