/// Tells readers how far they may read: every process through the writer's `LOCK` record
/// (``StorageLock/publish(_:)``), this process's tails of the same directory through its
/// ``DurabilityNotifier/Channel``, taken once when the log opens. Owned by the log's engine.
///
/// The writer publishes after the records' write (and sync) completed, in the same lock hold
/// that moves its ``Watermarks``, and before it resumes their producers: a producer can read
/// what it was acknowledged, and no reader is told more than the watermarks acknowledge. A failed `LOCK` write leaves readers behind the writer, never
/// ahead; the next publication retries it.
final class Publisher {
    private let lock: any StorageLock
    private let channel: DurabilityNotifier.Channel
    /// What `LOCK` holds (nil: nothing this writer published yet, or the last write failed).
    private var written: WriterProgress?

    init(lock: any StorageLock, channel: DurabilityNotifier.Channel) {
        self.lock = lock
        self.channel = channel
    }

    /// Publishes `progress` if it is new: `LOCK` first, then this process's tails, woken at
    /// once (a resumed tail runs on its own executor, never inside the caller's lock).
    func publish(_ progress: WriterProgress) {
        guard progress != written else { return }
        guard lock.publish(progress) else {
            written = nil  // retried next time
            return
        }
        let previous = written?.readableThrough ?? 0
        written = progress
        if progress.readableThrough > previous { channel.published(progress.readableThrough) }
    }

    func release() { lock.release() }
}
