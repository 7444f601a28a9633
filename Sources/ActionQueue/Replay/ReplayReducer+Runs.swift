// Run lifecycle and attempt rules of the reducer.

extension ReplayReducer {
    func planRunCreated(_ instance: RunInstance, seq: UInt64) throws(ReplayError) -> ProjectionChange {
        guard runs[instance.id] == nil else { throw .duplicateEvent(sequence: seq, .runExists(instance.id)) }
        guard instance.state == .scheduled else {
            throw .invalidTransition(sequence: seq, .runCreatedNotScheduled(instance.id, state: instance.state))
        }
        guard tasks[instance.taskId] != nil else { throw .taskCausality(sequence: seq, .unknownTask(instance.taskId)) }
        guard instance.currentAttemptId == nil, instance.attemptCount == 0 else {
            throw .corruptedData(sequence: seq, reason: "RunCreated carries attempt state for run \(instance.id)")
        }
        let history = [StateHistoryEntry(from: nil, to: .scheduled, timestamp: instance.createdAt)]
        return .run(RunRecord(instance: instance, history: history), isNew: true)
    }

    /// `RunStateChanged`, and the transitions implied by `RunSuspended`, `RunResumed`, `RunCanceled`.
    func planTransition(_ runId: RunId, recordedPrevious: RunState, to next: RunState, at ts: UInt64,
                        seq: UInt64) throws(ReplayError) -> ProjectionChange {
        guard var run = runs[runId] else { throw .invalidTransition(sequence: seq, .unknownRun(runId)) }
        let current = run.instance.state
        guard recordedPrevious == current else {
            throw .invalidTransition(sequence: seq, .previousStateMismatch(runId, recorded: recordedPrevious, actual: current))
        }
        guard current.canTransition(to: next) else {
            throw .invalidTransition(sequence: seq, .illegalTransition(runId, from: current, to: next))
        }
        if let open = run.instance.currentAttemptId, next != .canceled {
            // Entering Running with an open attempt, or leaving Running other than to Canceled.
            throw .invalidTransition(sequence: seq, .attemptInProgress(runId, open))
        }
        run.instance.state = next
        if next != .running { run.instance.currentAttemptId = nil }
        run.instance.lastStateChangeAt = ts
        run.history.append(StateHistoryEntry(from: current, to: next, timestamp: ts))
        if !next.admitsLease { run.lease = nil }
        return .run(run, isNew: false)
    }

    func planAttemptStarted(_ runId: RunId, _ attemptId: AttemptId, at ts: UInt64,
                            seq: UInt64) throws(ReplayError) -> ProjectionChange {
        guard var run = runs[runId] else { throw .invalidTransition(sequence: seq, .unknownRun(runId)) }
        guard run.instance.state == .running else {
            throw .invalidTransition(sequence: seq, .attemptRequiresRunning(runId, state: run.instance.state))
        }
        if let open = run.instance.currentAttemptId {
            throw .invalidTransition(sequence: seq, .attemptAlreadyActive(runId, open))
        }
        guard !run.attempts.contains(where: { $0.attemptId == attemptId }) else {
            throw .duplicateEvent(sequence: seq, .attemptExists(runId, attemptId))
        }
        let (count, overflow) = run.instance.attemptCount.addingReportingOverflow(1)
        guard !overflow else { throw .corruptedData(sequence: seq, reason: "attempt count overflow for run \(runId)") }
        guard run.attempts.count == Int(run.instance.attemptCount) else {
            throw .corruptedData(sequence: seq, reason: "attempt lineage length differs from attempt_count for run \(runId)")
        }
        run.instance.attemptCount = count
        run.instance.currentAttemptId = attemptId
        run.attempts.append(AttemptRecord(attemptId: attemptId, startedAt: ts))
        return .run(run, isNew: false)
    }

    func planAttemptFinished(_ runId: RunId, _ attemptId: AttemptId, result: AttemptResultKind, error: String?,
                             output: [UInt8]?, at ts: UInt64, seq: UInt64) throws(ReplayError) -> ProjectionChange {
        guard var run = runs[runId] else { throw .invalidTransition(sequence: seq, .unknownRun(runId)) }
        guard run.instance.state == .running else {
            throw .invalidTransition(sequence: seq, .attemptRequiresRunning(runId, state: run.instance.state))
        }
        guard run.instance.currentAttemptId == attemptId else {
            throw .invalidTransition(sequence: seq, .attemptMismatch(runId, expected: run.instance.currentAttemptId, provided: attemptId))
        }
        guard let index = run.attempts.lastIndex(where: { $0.attemptId == attemptId }),
              run.attempts[index].finishedAt == nil else {
            throw .corruptedData(sequence: seq, reason: "open attempt \(attemptId) missing or already finished in lineage")
        }
        run.instance.currentAttemptId = nil
        run.attempts[index].finishedAt = ts
        run.attempts[index].result = result
        // Shape repair as in the reference: a successful attempt carries no error text.
        run.attempts[index].error = result == .success ? nil : error
        run.attempts[index].output = output
        return .run(run, isNew: false)
    }
}
