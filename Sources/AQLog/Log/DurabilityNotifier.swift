import Foundation

/// An in-process registry that lets a writer wake tail readers of the same directory as soon
/// as new records are readable (durable; for a `.deferred` writer, acknowledged), instead of
/// waiting for their next poll.
///
/// Keyed by the directory's identity, not its spelling: its resolved absolute path, so
/// `data/lat`, `./data/lat/` and a symbolic link to it reach the same readers (a directory that
/// does not exist yet is keyed by its absolute path with `.`, `..` and repeated `/` folded).
/// A writer takes its directory's `Channel`
/// once, when it opens, and publishes to it after each acknowledging commit; ``LogTail``
/// waits with ``wait(directory:beyond:timeout:)`` and still polls, so a notification that is
/// missed (or a writer in another process) costs at most one poll interval.
public final class DurabilityNotifier: Sendable {
    /// The process-wide registry the log's writers publish to.
    public static let shared = DurabilityNotifier()

    /// One directory's readable point and the tasks waiting beyond it.
    final class Channel: Sendable {
        private struct Waiter {
            var beyond: UInt64
            var continuation: CheckedContinuation<Void, Never>
        }

        private struct State {
            var durable: UInt64 = 0
            var waiters: [UInt64: Waiter] = [:]
        }

        private let state = Locked(State())

        var durable: UInt64 { state.withLock { $0.durable } }
        var waiterCount: Int { state.withLock { $0.waiters.count } }

        /// Records that everything through `readable` is readable and wakes the waiters it
        /// satisfies. One uncontended lock when nobody waits.
        func published(_ readable: UInt64) {
            let ready: [CheckedContinuation<Void, Never>] = state.withLock { s in
                s.durable = max(s.durable, readable)
                guard !s.waiters.isEmpty else { return [] }
                var ready: [CheckedContinuation<Void, Never>] = []
                for (id, w) in s.waiters where w.beyond < s.durable {
                    ready.append(w.continuation)
                    s.waiters[id] = nil
                }
                return ready
            }
            for c in ready { c.resume() }
        }

        /// Registers `continuation` as waiter `id`; false (nothing registered) when a sequence
        /// beyond `beyond` is already readable.
        fileprivate func register(_ id: UInt64, beyond: UInt64, _ continuation: CheckedContinuation<Void, Never>) -> Bool {
            state.withLock { s in
                guard s.durable <= beyond else { return false }
                s.waiters[id] = Waiter(beyond: beyond, continuation: continuation)
                return true
            }
        }

        /// Resumes waiter `id` if it is still registered (timeout or cancellation).
        fileprivate func cancel(_ id: UInt64) {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    private struct State {
        var channels: [String: Channel] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Locked(State())

    /// An empty registry of its own. The log's writers publish to ``shared`` only, so a
    /// ``LogTail`` given this one is never woken early: it relies on polling alone.
    public init() {}

    /// `directory`'s identity: its resolved absolute path (`realpath`), or, while it does not
    /// exist, its absolute path with `.`, `..` and repeated `/` folded.
    static func key(_ directory: String) -> String {
        if let resolved = realpath(directory, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `directory`'s channel, created on first use.
    func channel(for directory: String) -> Channel {
        let key = Self.key(directory)
        return state.withLock { s in
            if let c = s.channels[key] { return c }
            let c = Channel()
            s.channels[key] = c
            return c
        }
    }

    /// Records that everything through `durableThrough` in `directory` is readable and wakes
    /// the waiters it satisfies.
    package func published(directory: String, durableThrough: UInt64) {
        channel(for: directory).published(durableThrough)
    }

    /// The highest sequence published as readable for `directory` (0 when none was).
    public func durableThrough(directory: String) -> UInt64 { channel(for: directory).durable }

    /// Tasks currently waiting on `directory` (for tests and diagnostics).
    public func waiterCount(directory: String) -> Int { channel(for: directory).waiterCount }

    /// Returns when a sequence above `beyond` is published for `directory`, after `timeout`,
    /// or when the task is cancelled, whichever comes first (a `timeout` past a year waits a
    /// year). Returns true when notified.
    @discardableResult
    public func wait(directory: String, beyond: UInt64, timeout: Duration) async -> Bool {
        let channel = channel(for: directory)
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        let notified = Locked(false)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                guard channel.register(id, beyond: beyond, c) else {
                    notified.withLock { $0 = true }
                    c.resume()
                    return
                }
                Task {
                    try? await Task.sleep(for: timeout.sleepable)
                    channel.cancel(id)
                }
            }
        } onCancel: {
            channel.cancel(id)
        }
        if notified.withLock({ $0 }) { return true }
        return channel.durable > beyond
    }
}
