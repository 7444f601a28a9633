@testable import ActionQueue

/// Deterministic identifiers: `T(1)` is the UUID 00…01 (last byte 1), etc.
func uuidBytes(_ n: UInt64, tag: UInt8 = 0) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 16)
    bytes[0] = tag
    for i in 0..<8 { bytes[15 - i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
    return bytes
}
func T(_ n: UInt64) -> TaskId { TaskId(bytes: uuidBytes(n))! }
func R(_ n: UInt64) -> RunId { RunId(bytes: uuidBytes(n, tag: 1))! }
func A(_ n: UInt64) -> AttemptId { AttemptId(bytes: uuidBytes(n, tag: 2))! }
func S(_ n: UInt64) -> SubscriptionId { SubscriptionId(bytes: uuidBytes(n, tag: 3))! }
func Act(_ n: UInt64) -> ActorId { ActorId(bytes: uuidBytes(n, tag: 4))! }
func Ten(_ n: UInt64) -> TenantId { TenantId(bytes: uuidBytes(n, tag: 5))! }
func L(_ n: UInt64) -> LedgerEntryId { LedgerEntryId(bytes: uuidBytes(n, tag: 6))! }

func taskCreated(_ task: UInt64, at ts: UInt64 = 1000) -> WalEventType {
    .taskCreated(taskSpec: TaskSpec(id: T(task), payload: TaskPayload(bytes: [1, 2, 3])), timestamp: ts)
}
func runCreated(_ run: UInt64, task: UInt64, at ts: UInt64 = 1000) -> WalEventType {
    .runCreated(runInstance: RunInstance(id: R(run), taskId: T(task), createdAt: ts, scheduledAt: ts))
}
func transition(_ run: UInt64, _ from: RunState, _ to: RunState, at ts: UInt64 = 1000) -> WalEventType {
    .runStateChanged(runId: R(run), previousState: from, newState: to, timestamp: ts)
}

/// Applies events with sequences 1, 2, 3… and fails the test on the first rejection.
func replayed(_ events: [WalEventType]) throws -> ReplayReducer {
    var reducer = ReplayReducer()
    for (i, event) in events.enumerated() { try reducer.apply(WalEvent(sequence: UInt64(i + 1), event: event)) }
    return reducer
}

/// Events that bring run 1 of task 1 to Running with attempt 1 open (sequences 1…6).
let runningPrefix: [WalEventType] = [
    taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready),
    .leaseAcquired(runId: R(1), owner: "worker-1", expiry: 5000, timestamp: 1000),
    transition(1, .ready, .leased), transition(1, .leased, .running),
]
