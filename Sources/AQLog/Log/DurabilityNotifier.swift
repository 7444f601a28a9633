

/// An in-process registry that lets a writer wake tail readers of the same directory as soon
/// as new records are readable (durable; for a `.deferred` writer, acknowledged), instead of
/// waiting for their next poll.
///
/// Keyed by directory path as spelled by the writer and the reader (a trailing `/` is
/// ignored; use the same spelling on both sides). The writer calls
/// ``published(directory:durableThrough:)`` after each acknowledging commit; ``LogTail`` waits with
/// ``wait(directory:beyond:timeout:)`` and still polls, so a notification that is missed
/// (or a writer in another process) costs at most one poll interval.
public final class DurabilityNotifier: Sendable {
    /// The process-wide registry the log's writers publish to.
    public static let shared = DurabilityNotifier()

    private struct Waiter {
        var beyond: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct Entry {
        var durable: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Locked(State())

    public init() {}

    static func key(_ directory: String) -> String {
        guard directory.utf8.last == UInt8(ascii: "/") else { return directory }  // per commit: keep it cheap
        var d = Substring(directory)
        while d.count > 1, d.hasSuffix("/") { d = d.dropLast() }
        return String(d)
    }

    /// Records that everything through `durableThrough` in `directory` is readable and wakes
    /// the waiters it satisfies. Cheap (one lock, one dictionary lookup) when nobody waits.
    public func published(directory: String, durableThrough: UInt64) {
        let key = Self.key(directory)
        let ready: [CheckedContinuation<Void, Never>] = state.withLock { s in
            var entry = s.entries[key] ?? Entry()
            entry.durable = max(entry.durable, durableThrough)
            var ready: [CheckedContinuation<Void, Never>] = []
            if !entry.waiters.isEmpty {
                for (id, w) in entry.waiters where w.beyond < entry.durable {
                    ready.append(w.continuation)
                    entry.waiters[id] = nil
                }
            }
            s.entries[key] = entry
            return ready
        }
        for c in ready { c.resume() }
    }

    /// The highest sequence published as readable for `directory` (0 when none was).
    public func durableThrough(directory: String) -> UInt64 {
        state.withLock { $0.entries[Self.key(directory)]?.durable ?? 0 }
    }

    /// Tasks currently waiting on `directory` (for tests and diagnostics).
    public func waiterCount(directory: String) -> Int {
        state.withLock { $0.entries[Self.key(directory)]?.waiters.count ?? 0 }
    }

    /// Returns when a sequence above `beyond` is published for `directory`, after `timeout`,
    /// or when the task is cancelled, whichever comes first. Returns true when notified.
    @discardableResult
    public func wait(directory: String, beyond: UInt64, timeout: Duration) async -> Bool {
        let key = Self.key(directory)
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        let notified = Locked(false)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { s in
                    var entry = s.entries[key] ?? Entry()
                    guard entry.durable <= beyond else { return false }
                    entry.waiters[id] = Waiter(beyond: beyond, continuation: c)
                    s.entries[key] = entry
                    return true
                }
                guard registered else {
                    notified.withLock { $0 = true }
                    c.resume()
                    return
                }
                Task { [self] in
                    try? await Task.sleep(for: timeout)
                    self.cancelWaiter(key: key, id: id)
                }
            }
        } onCancel: {
            self.cancelWaiter(key: key, id: id)
        }
        if notified.withLock({ $0 }) { return true }
        return durableThrough(directory: directory) > beyond
    }

    /// Resumes waiter `id` if it is still registered (timeout or cancellation).
    private func cancelWaiter(key: String, id: UInt64) {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.entries[key]?.waiters[id] else { return nil }
            s.entries[key]?.waiters[id] = nil
            return w
        }
        waiter?.continuation.resume()
    }
}
