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

    init(lock: any StorageLock, channel: DurabilityNotifier.Channel) {
        self.lock = lock
        self.channel = channel
    }

    /// Publishes `progress`, new since `previous` (what readers were last told, kept in the
    /// writer's ``Watermarks``): `LOCK` first, then this process's tails, woken at once (a
    /// resumed tail runs on its own executor, never inside the caller's lock). Returns false
    /// when the `LOCK` write failed: readers were told nothing, and the next publication retries.
    func publish(_ progress: WriterProgress, after previous: WriterProgress?) -> Bool {
        guard lock.publish(progress) else { return false }
        if progress.readableThrough > previous?.readableThrough ?? 0 { channel.published(progress.readableThrough) }
        return true
    }

    func release() { lock.release() }
}
