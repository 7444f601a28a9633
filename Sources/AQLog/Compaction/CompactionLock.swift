#if canImport(Glibc)
import Glibc
#endif

/// `COMPACT.LOCK`: serialises compactions with each other and with changes to what holds
/// segments (registering or dropping a consumer cursor). Never the writer's `LOCK`.
enum CompactionLock {
    /// The lock file's name in the log directory.
    static let fileName = "COMPACT.LOCK"

    /// Takes the lock without waiting; ``LogError/logLocked(path:)`` names the file when another
    /// holder has it.
    static func take(directory: String, storage: any Storage) throws(LogError) -> any StorageLock {
        let path = LogDirectoryLayout.join(directory, fileName)
        do { return try storage.lockExclusive(path) } catch {
            if error.errno == .wouldBlock { throw .logLocked(path: path) }
            throw .io(error)
        }
    }

    /// Runs `body` holding the lock, retrying every millisecond for up to `waiting` while
    /// another holder has it (compactions are short), then ``LogError/logLocked(path:)``.
    static func withLock<R>(directory: String, storage: any Storage, waiting: Duration,
                            _ body: () throws(LogError) -> R) throws(LogError) -> R {
        let deadline = ContinuousClock.now + waiting
        var lock: any StorageLock
        while true {
            do {
                lock = try take(directory: directory, storage: storage)
                break
            } catch {
                guard case .logLocked = error, ContinuousClock.now < deadline else { throw error }
                sleepBriefly()
            }
        }
        defer { lock.release() }
        return try body()
    }

    private static func sleepBriefly() { usleep(1_000) }
}
