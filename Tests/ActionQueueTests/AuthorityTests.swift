import Testing
@testable import ActionQueue

/// The reference's mutation-authority scenarios (§7.6), restated, plus the fencing we add.
@Suite struct AuthorityTests {
    func authority(_ events: [WalEventType] = []) throws -> MutationAuthority<InMemoryEventLog> {
        let log = InMemoryEventLog()
        try appendAll(events, to: log)
        return try MutationAuthority(projection: try replayed(events), log: log)
    }

    @discardableResult
    func submit(_ a: MutationAuthority<InMemoryEventLog>, _ event: WalEventType,
                _ durability: DurabilityPolicy = .immediate) throws(MutationAuthorityError) -> MutationOutcome {
        try a.submit(MutationCommand(sequence: a.projection.latestSequence + 1, event: event), durability: durability)
    }

    @Test func validCommandsAreAppendedFlushedAndApplied() throws {
        let a = try authority()
        #expect(try submit(a, taskCreated(1)).sequence == 1)
        #expect(try submit(a, runCreated(1, task: 1)).sequence == 2)
        let outcome = try submit(a, transition(1, .scheduled, .ready))
        #expect(outcome == MutationOutcome(sequence: 3, durable: true))
        #expect(a.log.lastSequence == 3)
        #expect(a.log.durableSequence == 3)
        #expect(a.projection.runState(R(1)) == .ready)
        // The authority-written log replays to the same state.
        #expect(try RecoveryBootstrap.recover(log: a.log, snapshots: nil).projection == a.projection)
    }

    @Test func validationFailureAppendsNothing() throws {
        let a = try authority([taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready), taskCreated(2)])
        #expect(throws: MutationAuthorityError.validation(.nonMonotonicSequence(expected: 5, provided: 4))) {
            try a.submit(MutationCommand(sequence: 4, event: taskCreated(3)))
        }
        #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(.taskCausality(sequence: 5, .unknownTask(T(9)))))) {
            try submit(a, .taskCanceled(taskId: T(9), timestamp: 1))
        }
        try submit(a, .taskCanceled(taskId: T(2), timestamp: 2000))
        #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(.taskCausality(sequence: 6, .alreadyCanceled(T(2), first: 2000, duplicate: 2001))))) {
            try submit(a, .taskCanceled(taskId: T(2), timestamp: 2001))
        }
        #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(.leaseCausality(sequence: 6, .invalidRunState(R(1), state: .ready, .heartbeat))))) {
            try submit(a, .leaseHeartbeat(runId: R(1), owner: "w", expiry: 1, timestamp: 1))
        }
        #expect(throws: MutationAuthorityError.validation(.reservedEvent("BudgetExhausted"))) {
            try submit(a, .budgetExhausted(taskId: T(1), dimension: .token, timestamp: 1))
        }
        #expect(throws: MutationAuthorityError.validation(.emptyDependencyList(T(1)))) {
            try submit(a, .dependencyDeclared(taskId: T(1), dependsOn: [], timestamp: 1))
        }
        #expect(throws: MutationAuthorityError.validation(.budgetNotAllocated(BudgetKey(taskId: T(1), dimension: .token)))) {
            try submit(a, .budgetConsumed(taskId: T(1), dimension: .token, amount: 1, timestamp: 1))
        }
        #expect(throws: MutationAuthorityError.validation(.unknownSubscription(S(1)))) {
            try submit(a, .subscriptionTriggered(subscriptionId: S(1), timestamp: 1))
        }
        #expect(a.log.lastSequence == 5)
        #expect(a.fence == nil)
    }

    @Test func openAttemptCannotLeaveRunningSoTheLogNeverGetsAPoisonRecord() throws {
        let a = try authority(runningPrefix + [.attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1)])
        #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(.invalidTransition(sequence: 8, .attemptInProgress(R(1), A(1)))))) {
            try submit(a, transition(1, .running, .completed))
        }
        #expect(throws: MutationAuthorityError.self) { try submit(a, .runSuspended(runId: R(1), reason: nil, timestamp: 1)) }
        #expect(a.log.lastSequence == 7)
        try submit(a, .attemptFinished(runId: R(1), attemptId: A(1), result: .success, error: nil, output: nil, timestamp: 2))
        try submit(a, transition(1, .running, .completed))
        #expect(try RecoveryBootstrap.recover(log: a.log, snapshots: nil).projection == a.projection)
    }

    @Test func appendFailureAppliesNothingAndStaysUsable() throws {
        let a = try authority([taskCreated(1)])
        a.log.pendingFaults = [.appendFailsBeforeWrite]
        #expect(throws: MutationAuthorityError.append(EventLogFailure(InMemoryEventLog.Failure.injected(.appendFailsBeforeWrite)))) {
            try submit(a, taskCreated(2))
        }
        #expect(a.projection.latestSequence == 1)
        #expect(a.fence == nil)
        #expect(try submit(a, taskCreated(2)).sequence == 2)
    }

    @Test func flushFailureFencesUntilReopen() throws {
        let a = try authority([taskCreated(1), runCreated(1, task: 1)])
        a.log.pendingFaults = [.flushFails]
        let fence = AuthorityFence.partialDurability(
            sequence: 3, flushError: EventLogFailure(InMemoryEventLog.Failure.injected(.flushFails)))
        #expect(throws: MutationAuthorityError.fenced(fence)) { try submit(a, transition(1, .scheduled, .ready)) }
        #expect(a.log.lastSequence == 3)  // appended
        #expect(a.projection.latestSequence == 2)  // not applied
        // Every later command is refused with the same fence (no wedge, no divergence).
        #expect(throws: MutationAuthorityError.fenced(fence)) { try submit(a, taskCreated(2)) }
        // Reopen: recovery replays the appended record and a new authority continues.
        let recovered = try RecoveryBootstrap.recover(log: a.log, snapshots: nil)
        #expect(recovered.projection.runState(R(1)) == .ready)
        let reopened = try MutationAuthority(projection: recovered.projection, log: a.log)
        #expect(try submit(reopened, taskCreated(2)).sequence == 4)
    }

    @Test func ambiguousAppendFences() throws {
        let a = try authority()
        a.log.pendingFaults = [.appendFailsAfterWrite]
        #expect(throws: MutationAuthorityError.self) { try submit(a, taskCreated(1)) }
        guard case .ambiguousAppend(sequence: 1, _)? = a.fence else {
            Issue.record("expected an ambiguous-append fence, got \(String(describing: a.fence))")
            return
        }
    }

    @Test func logMovingBehindTheAuthorityFences() throws {
        let a = try authority([taskCreated(1)])
        try appendAll([taskCreated(2)], to: a.log)
        #expect(throws: MutationAuthorityError.fenced(.logDiverged(projectionSequence: 1, logLastSequence: 2))) {
            try submit(a, taskCreated(3))
        }
        #expect(throws: MutationAuthorityError.projectionLogMismatch(projectionSequence: 0, logLastSequence: 2)) {
            try MutationAuthority(projection: ReplayReducer(), log: a.log)
        }
    }

    @Test func deferredDurabilityDoesNotFlush() throws {
        let a = try authority([taskCreated(1), .budgetAllocated(taskId: T(1), dimension: .token, limit: 10, timestamp: 1)])
        let flushes = a.log.flushCount
        let outcome = try submit(a, .budgetConsumed(taskId: T(1), dimension: .token, amount: 4, timestamp: 2), .deferred)
        #expect(outcome.durable == false)
        #expect(a.log.flushCount == flushes)
        #expect(a.projection.budgets[BudgetKey(taskId: T(1), dimension: .token)]?.consumed == 4)
    }

    @Test func pauseResumeSuspendResumeAndSubscriptions() throws {
        let a = try authority(runningPrefix + [
            .attemptStarted(runId: R(1), attemptId: A(1), timestamp: 1),
            .attemptFinished(runId: R(1), attemptId: A(1), result: .suspended, error: nil, output: nil, timestamp: 2),
        ])
        try submit(a, .enginePaused(timestamp: 10))
        #expect(throws: MutationAuthorityError.self) { try submit(a, .enginePaused(timestamp: 11)) }
        try submit(a, .engineResumed(timestamp: 12))
        #expect(throws: MutationAuthorityError.self) { try submit(a, .runResumed(runId: R(1), timestamp: 13)) }
        try submit(a, .runSuspended(runId: R(1), reason: "budget", timestamp: 13))
        try submit(a, .runResumed(runId: R(1), timestamp: 14))
        try submit(a, .subscriptionCreated(subscriptionId: S(1), taskId: T(1), filter: .custom(key: "x"), timestamp: 15))
        #expect(throws: MutationAuthorityError.validation(.subscriptionAlreadyExists(S(1)))) {
            try submit(a, .subscriptionCreated(subscriptionId: S(1), taskId: T(1), filter: .custom(key: "x"), timestamp: 16))
        }
        try submit(a, .subscriptionCanceled(subscriptionId: S(1), timestamp: 17))
        #expect(throws: MutationAuthorityError.validation(.subscriptionAlreadyCanceled(S(1)))) {
            try submit(a, .subscriptionCanceled(subscriptionId: S(1), timestamp: 18))
        }
        #expect(a.projection.runState(R(1)) == .ready)
        #expect(try RecoveryBootstrap.recover(log: a.log, snapshots: nil).projection == a.projection)
    }

    @Test func aMultiEventCommandIsOneRecordValidatedTogether() throws {
        let a = try authority()
        let commands = taskCommands(1)
        #expect(try a.submit(MutationCommand(sequence: 1, events: commands[0])).sequence == 1)
        try submit(a, commands[1][0])
        // Each event is checked against the state the previous ones leave: a second subscription
        // with the same id in one command is refused, and so is a lease followed by a bad move.
        let sub = WalEventType.subscriptionCreated(subscriptionId: S(1), taskId: T(1), filter: .custom(key: "x"), timestamp: 3)
        #expect(throws: MutationAuthorityError.validation(.subscriptionAlreadyExists(S(1)))) {
            try a.submit(MutationCommand(sequence: 3, events: [sub, sub]))
        }
        let before = a.projection
        #expect(throws: MutationAuthorityError.validation(.rejectedByReplay(
            .invalidTransition(sequence: 3, .illegalTransition(R(1), from: .ready, to: .running))))) {
            try a.submit(MutationCommand(sequence: 3, events: [commands[2][0], transition(1, .ready, .running)]))
        }
        #expect(a.projection == before, "validation left the projection as it was")
        #expect(a.log.lastSequence == 2)
        #expect(try a.submit(MutationCommand(sequence: 3, events: commands[2])) == MutationOutcome(sequence: 3, durable: true))
        #expect(a.projection.runState(R(1)) == .leased && a.projection.runs[R(1)]?.lease != nil)
        #expect(a.log.lastSequence == 3, "one record for the two events")
        #expect(try RecoveryBootstrap.recover(log: a.log, snapshots: nil).projection == a.projection)
    }
}
