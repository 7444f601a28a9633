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

/// A task's life as the engine submits it, 7 commands: task and first run (one command), ready,
/// lease and leased (one command), running, attempt started, attempt finished, completed.
func taskCommands(_ n: UInt64, at ts: UInt64 = 1000) -> [[WalEventType]] {
    let life = taskLife(n, at: ts)
    return [[life[0], life[1]], [life[2]], [life[3], life[4]], [life[5]], [life[6]], [life[7]], [life[8]]]
}
