import AQLog
import Foundation

extension SimulatedStorage {
    // MARK: - Locks (called by SimulatedLock)

    func release(lock path: String, generation: Int) {
        locked {
            guard generation == self.generation else { return }
            held.remove(path)  // the record stays, as in a real LOCK file
        }
    }

    /// What the lock file at `path` holds, held or not (as a `pread` of a real `LOCK` sees it).
    func lastPublished(lock path: String) -> WriterProgress {
        locked { published[path] ?? .nothing }
    }

    func publish(lock path: String, generation: Int, _ progress: WriterProgress) -> Bool {
        locked {
            guard generation == self.generation else { return false }
            published[path] = progress
            return true
        }
    }

}


/// A lock of ``SimulatedStorage``: in memory, dropped by a crash.
final class SimulatedLock: StorageLock, @unchecked Sendable {
    private let storage: SimulatedStorage
    private let path: String
    private let generation: Int
    private var released = false
    private var publishing = false
    private let guardLock = NSLock()

    init(storage: SimulatedStorage, path: String, generation: Int) {
        self.storage = storage
        self.path = path
        self.generation = generation
    }

    func release() {
        guardLock.lock()
        let first = !released
        released = true
        guardLock.unlock()
        if first { storage.release(lock: path, generation: generation) }
    }

    func startPublishing() throws(IOFailure) -> WriterProgress {
        guardLock.withLock { publishing = true }
        let previous = storage.lastPublished(lock: path)
        _ = storage.publish(lock: path, generation: generation,
                            WriterProgress(readableThrough: 0, durableThrough: previous.durableThrough))
        return previous
    }

    @discardableResult func publish(_ progress: WriterProgress) -> Bool {
        guard guardLock.withLock({ publishing && !released }) else { return false }
        return storage.publish(lock: path, generation: generation, progress)
    }

    deinit { release() }
}
