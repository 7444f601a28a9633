/// When an append is acknowledged.
public enum Durability: Sendable, Equatable {
    /// After the `fdatasync` that covers the record completed (default).
    case sync
    /// Like `sync`, but the committer waits up to `maxDelay` (or until `maxBytes` are staged,
    /// or until the batch holds as many appends as the last one did: its producers are all
    /// back, or the disk has been idle for a quarter of a typical commit) for more producers
    /// to share one sync, and only while the last batch held fewer than 16 appends (a batch
    /// that large gains little from a few more). Only the concurrent ``Log`` waits; the
    /// single-owner ``LogWriter`` behaves as `sync`.
    case group(maxDelay: Duration, maxBytes: Int)
    /// After the write reached the OS page cache (survives a process crash, not power loss);
    /// synced on ``LogWriter/flush()``, on roll and on close. A lone ``Log`` producer makes
    /// that page-cache write on its own thread (no hand-off to the committer).
    case deferred
}
