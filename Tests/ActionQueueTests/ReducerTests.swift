import Testing
@testable import ActionQueue

/// The reference's replay-reducer scenarios (§7.4), restated.
@Suite struct ReducerTests {
    @Test func emptyReplayAndEnginePauseResume() throws {
        #expect(ReplayReducer().latestSequence == 0)
        let r = try replayed([.enginePaused(timestamp: 1000), .engineResumed(timestamp: 2000)])
        #expect(r.engine == EngineControl(paused: false, pausedAt: 1000, resumedAt: 2000))
        #expect(r.latestSequence == 2)

        var paused = try replayed([.enginePaused(timestamp: 1000)])
        #expect(throws: ReplayError.engineControlCausality(sequence: 2, .alreadyPaused(pausedAt: 1000, timestamp: 1001))) {
            try paused.apply(WalEvent(sequence: 2, event: .enginePaused(timestamp: 1001)))
        }
        var fresh = ReplayReducer()
        #expect(throws: ReplayError.engineControlCausality(sequence: 1, .notPaused(timestamp: 1000))) {
            try fresh.apply(WalEvent(sequence: 1, event: .engineResumed(timestamp: 1000)))
        }
        #expect(throws: ReplayError.engineControlCausality(sequence: 2, .resumeBeforePause(pausedAt: 1000, resumedAt: 999))) {
            try paused.apply(WalEvent(sequence: 2, event: .engineResumed(timestamp: 999)))
        }
    }

    @Test func illegalTransitionsAreRejectedAndGapsAllowed() throws {
        var r = try replayed([taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready),
                              transition(1, .ready, .leased)])
        #expect(r.runState(R(1)) == .leased)
        #expect(throws: ReplayError.invalidTransition(sequence: 5, .previousStateMismatch(R(1), recorded: .ready, actual: .leased))) {
            try r.apply(WalEvent(sequence: 5, event: transition(1, .ready, .scheduled)))
        }
        var gaps = ReplayReducer()
        try gaps.apply(WalEvent(sequence: 1, event: taskCreated(1)))
        try gaps.apply(WalEvent(sequence: 5, event: taskCreated(2)))
        try gaps.apply(WalEvent(sequence: 10, event: taskCreated(3)))
        #expect(gaps.latestSequence == 10)
        #expect(throws: ReplayError.invalidTransition(sequence: 10, .sequenceNotAfterLatest(latest: 10))) {
            try gaps.apply(WalEvent(sequence: 10, event: taskCreated(4)))
        }
        var scheduled = try replayed([taskCreated(1), runCreated(1, task: 1)])
        #expect(throws: ReplayError.invalidTransition(sequence: 3, .illegalTransition(R(1), from: .scheduled, to: .completed))) {
            try scheduled.apply(WalEvent(sequence: 3, event: transition(1, .scheduled, .completed)))
        }
        var created = try replayed([taskCreated(1)])
        let running = RunInstance(id: R(1), taskId: T(1), state: .running, createdAt: 1, scheduledAt: 1)
        #expect(throws: ReplayError.invalidTransition(sequence: 2, .runCreatedNotScheduled(R(1), state: .running))) {
            try created.apply(WalEvent(sequence: 2, event: .runCreated(runInstance: running)))
        }
    }

    @Test func fullLifecycleWithAttempts() throws {
        var r = try replayed(runningPrefix)
        #expect(throws: ReplayError.invalidTransition(sequence: 7, .attemptMismatch(R(1), expected: nil, provided: A(1)))) {
            try r.apply(WalEvent(sequence: 7, event: .attemptFinished(runId: R(1), attemptId: A(1), result: .success,
                                                                       error: nil, output: nil, timestamp: 1)))
        }
        #expect(r.latestSequence == 6)
        try r.apply(WalEvent(sequence: 7, event: .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1100)))
        #expect(throws: ReplayError.invalidTransition(sequence: 8, .attemptMismatch(R(1), expected: A(1), provided: A(9)))) {
            try r.apply(WalEvent(sequence: 8, event: .attemptFinished(runId: R(1), attemptId: A(9), result: .success,
                                                                       error: nil, output: nil, timestamp: 1)))
        }
        // Leaving Running with an open attempt is refused (the reference's authority missed this).
        #expect(throws: ReplayError.invalidTransition(sequence: 8, .attemptInProgress(R(1), A(1)))) {
            try r.apply(WalEvent(sequence: 8, event: transition(1, .running, .completed)))
        }
        try r.apply(WalEvent(sequence: 8, event: .attemptFinished(runId: R(1), attemptId: A(1), result: .success,
                                                                   error: nil, output: [9, 9], timestamp: 1200)))
        try r.apply(WalEvent(sequence: 9, event: transition(1, .running, .completed, at: 1300)))
        let run = try #require(r.runs[R(1)])
        #expect(run.instance.state == .completed)
        #expect(run.instance.attemptCount == 1)
        #expect(run.attempts == [AttemptRecord(attemptId: A(1), startedAt: 1100, finishedAt: 1200, result: .success, output: [9, 9])])
        #expect(run.lease == nil)  // Completed clears the lease.
        #expect(run.history.map(\.to) == [.scheduled, .ready, .leased, .running, .completed])
        #expect(run.instance.lastStateChangeAt == 1300)
    }

    @Test func attemptStartedOutsideRunningLeavesStateRetryable() throws {
        var r = try replayed([taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready)])
        let before = r
        #expect(throws: ReplayError.invalidTransition(sequence: 4, .attemptRequiresRunning(R(1), state: .ready))) {
            try r.apply(WalEvent(sequence: 4, event: .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1)))
        }
        #expect(r == before)
        #expect(r.latestSequence == 3)
        try r.apply(WalEvent(sequence: 4, event: .runCanceled(runId: R(1), timestamp: 2000)))
        #expect(r.runState(R(1)) == .canceled)
        #expect(r.runs[R(1)]?.history.last == StateHistoryEntry(from: .ready, to: .canceled, timestamp: 2000))
    }

    @Test func taskCancellation() throws {
        var r = try replayed([taskCreated(1, at: 1000), .taskCanceled(taskId: T(1), timestamp: 4000)])
        #expect(r.tasks[T(1)]?.canceledAt == 4000)
        #expect(throws: ReplayError.taskCausality(sequence: 3, .alreadyCanceled(T(1), first: 4000, duplicate: 4001))) {
            try r.apply(WalEvent(sequence: 3, event: .taskCanceled(taskId: T(1), timestamp: 4001)))
        }
        #expect(r.latestSequence == 2)
        #expect(throws: ReplayError.taskCausality(sequence: 3, .unknownTask(T(2)))) {
            try r.apply(WalEvent(sequence: 3, event: .taskCanceled(taskId: T(2), timestamp: 1)))
        }
    }

    @Test func leaseRules() throws {
        var r = try replayed([taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready),
                              .leaseAcquired(runId: R(1), owner: "worker-1", expiry: 5000, timestamp: 1000)])
        #expect(r.runs[R(1)]?.lease?.owner == "worker-1")
        #expect(r.runState(R(1)) == .ready)  // Acquiring does not change the state.
        try r.apply(WalEvent(sequence: 5, event: transition(1, .ready, .leased)))
        #expect(throws: ReplayError.leaseCausality(sequence: 6, .ownerMismatch(R(1), expected: "worker-1", provided: "w2", .heartbeat))) {
            try r.apply(WalEvent(sequence: 6, event: .leaseHeartbeat(runId: R(1), owner: "w2", expiry: 6000, timestamp: 1)))
        }
        #expect(throws: ReplayError.leaseCausality(sequence: 6, .expiryMismatch(R(1), expected: 5000, provided: 4999, .release))) {
            try r.apply(WalEvent(sequence: 6, event: .leaseReleased(runId: R(1), owner: "worker-1", expiry: 4999, timestamp: 1)))
        }
        #expect(throws: ReplayError.leaseCausality(sequence: 6, .leaseAlreadyActive(R(1), owner: "worker-1"))) {
            try r.apply(WalEvent(sequence: 6, event: .leaseAcquired(runId: R(1), owner: "w2", expiry: 1, timestamp: 1)))
        }
        try r.apply(WalEvent(sequence: 6, event: .leaseExpired(runId: R(1), owner: "worker-1", expiry: 5000, timestamp: 5000)))
        #expect(r.runState(R(1)) == .ready)
        #expect(r.runs[R(1)]?.lease == nil)
        #expect(throws: ReplayError.leaseCausality(sequence: 7, .missingActiveLease(R(1), .expire))) {
            try r.apply(WalEvent(sequence: 7, event: .leaseExpired(runId: R(1), owner: "worker-1", expiry: 5000, timestamp: 1)))
        }
        // New worker, then an attempt.
        try r.apply(WalEvent(sequence: 7, event: .leaseAcquired(runId: R(1), owner: "worker-2", expiry: 7000, timestamp: 5001)))
        try r.apply(WalEvent(sequence: 8, event: transition(1, .ready, .leased)))
        try r.apply(WalEvent(sequence: 9, event: transition(1, .leased, .running)))
        try r.apply(WalEvent(sequence: 10, event: .leaseHeartbeat(runId: R(1), owner: "worker-2", expiry: 8000, timestamp: 5002)))
        #expect(throws: ReplayError.leaseCausality(sequence: 11, .nonMonotonicHeartbeatExpiry(R(1), current: 8000, provided: 7999))) {
            try r.apply(WalEvent(sequence: 11, event: .leaseHeartbeat(runId: R(1), owner: "worker-2", expiry: 7999, timestamp: 1)))
        }
        try r.apply(WalEvent(sequence: 11, event: .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 5003)))
        #expect(r.runs[R(1)]?.lease?.owner == "worker-2")
        #expect(r.runs[R(1)]?.lease?.expiry == 8000)
        #expect(r.runs[R(1)]?.instance.attemptCount == 1)

        var unknown = ReplayReducer()
        #expect(throws: ReplayError.leaseCausality(sequence: 1, .unknownRun(R(5), .acquire))) {
            try unknown.apply(WalEvent(sequence: 1, event: .leaseAcquired(runId: R(5), owner: "w", expiry: 1, timestamp: 1)))
        }
        #expect(unknown.latestSequence == 0)
        var scheduled = try replayed([taskCreated(1), runCreated(1, task: 1)])
        #expect(throws: ReplayError.leaseCausality(sequence: 3, .invalidRunState(R(1), state: .scheduled, .acquire))) {
            try scheduled.apply(WalEvent(sequence: 3, event: .leaseAcquired(runId: R(1), owner: "w", expiry: 1, timestamp: 1)))
        }
    }

    @Test func suspendResumeTimeoutAndDomainState() throws {
        var events = runningPrefix
        events += [
            .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1100),
            .attemptFinished(runId: R(1), attemptId: A(1), result: .timeout, error: "deadline exceeded", output: nil, timestamp: 1200),
            .runSuspended(runId: R(1), reason: "budget", timestamp: 1300),
            .runResumed(runId: R(1), timestamp: 1400),
            taskCreated(2), .dependencyDeclared(taskId: T(2), dependsOn: [T(1)], timestamp: 1500),
            .budgetAllocated(taskId: T(1), dimension: .token, limit: 500, timestamp: 1),
            .budgetConsumed(taskId: T(1), dimension: .token, amount: 200, timestamp: 2),
            .subscriptionCreated(subscriptionId: S(1), taskId: T(2), filter: .taskCompleted(taskId: T(1)), timestamp: 3),
            .subscriptionTriggered(subscriptionId: S(1), timestamp: 4),
            .subscriptionCanceled(subscriptionId: S(1), timestamp: 5),
        ]
        var r = try replayed(events)
        let run = try #require(r.runs[R(1)])
        #expect(run.instance.state == .ready)
        #expect(run.lease == nil)  // Suspended admits no lease.
        #expect(run.attempts[0].result == .timeout)
        #expect(run.attempts[0].error == "deadline exceeded")
        #expect(r.dependencies[T(2)]?.prerequisites == [T(1)])
        #expect(r.budgets[BudgetKey(taskId: T(1), dimension: .token)] == BudgetRecord(limit: 500, consumed: 200, allocatedAt: 1))
        #expect(r.subscriptions[S(1)] == SubscriptionRecord(taskId: T(2), filter: .taskCompleted(taskId: T(1)), createdAt: 3,
                                                              triggeredAt: 4, canceledAt: 5))
        let seq = r.latestSequence
        try r.apply(WalEvent(sequence: seq + 1, event: .budgetReplenished(taskId: T(1), dimension: .token, newLimit: 200, timestamp: 9)))
        #expect(r.budgets[BudgetKey(taskId: T(1), dimension: .token)] == BudgetRecord(limit: 200, consumed: 0, allocatedAt: 1))
        #expect(throws: ReplayError.taskCausality(sequence: seq + 2, .unknownTask(T(9)))) {
            try r.apply(WalEvent(sequence: seq + 2, event: .dependencyDeclared(taskId: T(2), dependsOn: [T(9)], timestamp: 1)))
        }
    }

    @Test func repeatPolicyRunsSurviveRestart() throws {
        let events: [WalEventType] = [
            .taskCreated(taskSpec: TaskSpec(id: T(1), runPolicy: .repeat(count: 3, intervalSecs: 60)), timestamp: 0),
            runCreated(1, task: 1), runCreated(2, task: 1), runCreated(3, task: 1),
            transition(1, .scheduled, .ready), transition(1, .ready, .leased), transition(1, .leased, .running),
            .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1),
            .attemptFinished(runId: R(1), attemptId: A(1), result: .success, error: nil, output: nil, timestamp: 2),
            transition(1, .running, .completed), transition(2, .scheduled, .ready),
        ]
        let once = try replayed(events)
        let again = try replayed(events)  // "restart": a fresh replay of the same log
        #expect(once == again)
        let runs = again.runs(ofTask: T(1))
        #expect(runs.map(\.instance.state) == [.completed, .ready, .scheduled])
        #expect(runs.map(\.instance.attemptCount) == [1, 0, 0])
    }

    @Test func platformEvents() throws {
        let r = try replayed([
            .tenantCreated(tenantId: Ten(1), name: "acme", timestamp: 1),
            .actorRegistered(actorId: Act(1), identity: "bot", capabilities: ["gpu"], department: nil,
                             heartbeatIntervalSecs: 30, tenantId: Ten(1), timestamp: 2),
            .actorHeartbeat(actorId: Act(1), timestamp: 3),
            .roleAssigned(actorId: Act(1), role: .auditor, tenantId: Ten(1), timestamp: 4),
            .capabilityGranted(actorId: Act(1), capability: .canReview, tenantId: Ten(1), timestamp: 5),
            .capabilityRevoked(actorId: Act(1), capability: .canReview, tenantId: Ten(1), timestamp: 6),
            .ledgerEntryAppended(entryId: L(1), tenantId: Ten(1), ledgerKey: "audit", actorId: nil, payload: [1], timestamp: 7),
            .actorDeregistered(actorId: Act(1), timestamp: 8),
        ])
        #expect(r.tenants[Ten(1)] == TenantRecord(name: "acme", createdAt: 1))
        #expect(r.actors[Act(1)]?.lastHeartbeatAt == 3)
        #expect(r.actors[Act(1)]?.deregisteredAt == 8)
        #expect(r.roleAssignments[RoleAssignmentKey(actorId: Act(1), tenantId: Ten(1))]?.role == .auditor)
        #expect(r.capabilityGrants[CapabilityGrantKey(actorId: Act(1), capability: .canReview, tenantId: Ten(1))]
                == CapabilityGrantRecord(grantedAt: 5, revokedAt: 6))
        #expect(r.ledger.count == 1)
    }
}
