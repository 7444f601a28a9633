/// Indexes over the projection's runs, kept up to date by the reducer on every change to a
/// run (replay, the authorities, snapshot loading, and the undo of a refused multi-event
/// command), so an engine's hot queries are not scans.
///
/// Costs, with *n* the entries of the index touched and *k* the entries returned: a run
/// change updates each index in O(log n) comparisons plus, for the two ordered indexes, an
/// O(n) element shift (sorted arrays: contiguous, cheap to copy and compare; the shift stays
/// small while the ready queue and the active leases number in the thousands). The indexes
/// are derived state: never stored in snapshots, rebuilt when one is loaded.
public struct RunIndexes: Sendable, Hashable {
    /// Runs in `ready`, in lease order: highest ``RunInstance/effectivePriority`` first, then
    /// the earliest ``RunInstance/scheduledAt``, then the run id.
    public private(set) var ready: [ReadyRun] = []
    /// Active leases by expiry, earliest first, then run id.
    public private(set) var leaseExpiries: [LeaseExpiry] = []
    /// Every run of each task.
    public private(set) var runsByTask: [TaskId: Set<RunId>] = [:]
    /// How many runs are in each state (states with none are absent).
    public private(set) var countsByState: [RunState: Int] = [:]

    /// Empty indexes (no run).
    public init() {}

    /// Indexes of `runs`.
    init(runs: some Sequence<RunRecord>) {
        for run in runs { replace(nil, with: run) }
    }

    /// Moves the indexes from `old` (nil: the run did not exist) to `new` (nil: it no longer
    /// does) for one run.
    mutating func replace(_ old: RunRecord?, with new: RunRecord?) {
        let oldReady = old.flatMap(ReadyRun.init), newReady = new.flatMap(ReadyRun.init)
        if oldReady != newReady {
            if let oldReady { Self.remove(oldReady, from: &ready) }
            if let newReady { Self.insert(newReady, into: &ready) }
        }
        let oldLease = old.flatMap(LeaseExpiry.init), newLease = new.flatMap(LeaseExpiry.init)
        if oldLease != newLease {
            if let oldLease { Self.remove(oldLease, from: &leaseExpiries) }
            if let newLease { Self.insert(newLease, into: &leaseExpiries) }
        }
        if let old, old.instance.state != new?.instance.state {
            let left = countsByState[old.instance.state, default: 0] - 1
            countsByState[old.instance.state] = left > 0 ? left : nil
        }
        if let new, new.instance.state != old?.instance.state { countsByState[new.instance.state, default: 0] += 1 }
        if let old, new == nil {
            runsByTask[old.instance.taskId]?.remove(old.instance.id)
            if runsByTask[old.instance.taskId]?.isEmpty == true { runsByTask[old.instance.taskId] = nil }
        }
        if let new, old == nil { runsByTask[new.instance.taskId, default: []].insert(new.instance.id) }
    }

    /// The first index whose element is not below `key`.
    static func lowerBound<T: Comparable>(_ key: T, in array: [T]) -> Int {
        var low = 0, high = array.count
        while low < high {
            let mid = (low + high) / 2
            if array[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func insert<T: Comparable>(_ key: T, into array: inout [T]) {
        array.insert(key, at: lowerBound(key, in: array))
    }

    private static func remove<T: Comparable>(_ key: T, from array: inout [T]) {
        let index = lowerBound(key, in: array)
        if index < array.count && array[index] == key { array.remove(at: index) }
    }
}

/// A ready run's place in the lease order (see ``RunIndexes/ready``).
public struct ReadyRun: Sendable, Hashable, Comparable {
    /// The run's effective priority (higher leases first).
    public var priority: Int32
    /// When the run was scheduled (earlier leases first among equal priorities).
    public var scheduledAt: UInt64
    /// The run.
    public var runId: RunId

    init?(_ run: RunRecord) {
        guard run.instance.state == .ready else { return nil }
        priority = run.instance.effectivePriority
        scheduledAt = run.instance.scheduledAt
        runId = run.instance.id
    }

    /// Lease order: higher priority, then earlier `scheduledAt`, then lower run id.
    public static func < (a: Self, b: Self) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.scheduledAt != b.scheduledAt { return a.scheduledAt < b.scheduledAt }
        return a.runId < b.runId
    }
}

/// An active lease's place in the expiry order (see ``RunIndexes/leaseExpiries``).
public struct LeaseExpiry: Sendable, Hashable, Comparable {
    /// When the lease expires.
    public var expiry: UInt64
    /// The leased run.
    public var runId: RunId

    init(expiry: UInt64, runId: RunId) {
        self.expiry = expiry
        self.runId = runId
    }

    init?(_ run: RunRecord) {
        guard let lease = run.lease else { return nil }
        expiry = lease.expiry
        runId = run.instance.id
    }

    /// Expiry order: earlier expiry, then lower run id.
    public static func < (a: Self, b: Self) -> Bool {
        a.expiry != b.expiry ? a.expiry < b.expiry : a.runId < b.runId
    }
}
