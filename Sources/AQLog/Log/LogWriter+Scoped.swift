extension LogWriter {
    /// Opens the log in `directory` as ``open(directory:options:durability:)-(String,_,_)`` does, runs `body`
    /// with the writer, and closes it whether `body` returns or throws.
    ///
    /// Returns what `body` returns once the writer is closed. Throws the ``LogError`` of opening
    /// (`body` does not run), the error `body` threw, unchanged, or the ``LogError`` of a close
    /// after `body` returned. When `body` throws and the close fails too, `body`'s error is the
    /// one thrown, and the close's error is logged as a warning to ``LogOptions/logger``.
    ///
    /// ```swift
    /// try LogWriter.withWriter(directory: "/var/lib/app/wal") { writer in
    ///     try writer.append(contentsOf: batch)
    /// }
    /// ```
    public static func withWriter<Result>(directory: String, options: LogOptions = .init(), durability: Durability = .sync,
                                          _ body: (LogWriter) throws -> Result) throws -> Result {
        try open(directory: directory, options: options, durability: durability).closing(after: body)
    }

    /// Runs `body` with this writer, then closes it (``withWriter(directory:options:durability:_:)``).
    func closing<Result>(after body: (LogWriter) throws -> Result) throws -> Result {
        let result: Result
        do { result = try body(self) } catch {
            do { try close() } catch let closeError {
                engine.logger.warning("closing the log after an error failed too", metadata: [
                    "directory": "\(engine.directory)", "error": "\(error)", "closeError": "\(closeError)"])
            }
            throw error
        }
        try close()
        return result
    }
}
