@testable import ActionQueue

/// The events of one task's life, one command each: task, first run, ready, lease, leased,
/// running, attempt started, attempt finished, completed.
func taskLife(_ n: UInt64, at ts: UInt64 = 1000) -> [WalEventType] {
    [taskCreated(n, at: ts), runCreated(n, task: n, at: ts), transition(n, .scheduled, .ready, at: ts),
     .leaseAcquired(runId: R(n), owner: "w\(n)", expiry: ts + 100, timestamp: ts),
     transition(n, .ready, .leased, at: ts), transition(n, .leased, .running, at: ts),
     .attemptStarted(runId: R(n), attemptId: A(n), timestamp: ts),
     .attemptFinished(runId: R(n), attemptId: A(n), result: .success, error: nil, output: [1], timestamp: ts),
     transition(n, .running, .completed, at: ts)]
}
