import AQLog

/// A command accepted by the authority, waiting for the log to acknowledge its record.
struct StagedCommand {
    var sequence: UInt64
    var changes: [ProjectionChange]
    var payload: [UInt8]
    var continuation: CheckedContinuation<Result<MutationOutcome, MutationAuthorityError>, Never>
}

/// What the authority's lock guards.
///
/// Invariants: `pending` is `acknowledged` with every `queue`d and in-flight command applied,
/// in sequence order; `acknowledged.latestSequence` is the log's last acknowledged sequence
/// (until a fence, after which neither moves); exactly one drain task runs while `draining`.
struct PipelineState {
    var pending: ReplayReducer
    var acknowledged: ReplayReducer
    var queue: [StagedCommand] = []
    var draining = false
    var closing = false
    var fence: AuthorityFence?
    var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init(projection: ReplayReducer) {
        pending = projection
        acknowledged = projection
    }

    /// Validates `events` together against `pending`, applies them there and queues their record, or
    /// resumes `continuation` with the refusal. Returns whether the caller must start the drain.
    mutating func accept(_ events: [WalEventType], encoded: [UInt8], maxRecordSize: Int,
                         continuation: CheckedContinuation<Result<MutationOutcome, MutationAuthorityError>, Never>) -> Bool {
        if let fence {
            continuation.resume(returning: .failure(.fenced(fence)))
            return false
        }
        if closing {
            continuation.resume(returning: .failure(.closed))
            return false
        }
        let (sequence, overflow) = pending.latestSequence.addingReportingOverflow(1)
        var writer = PostcardWriter(capacity: encoded.count + 10)
        writer.writeU64(sequence)
        var payload = writer.bytes
        payload.append(contentsOf: encoded)
        guard payload.count <= maxRecordSize else {
            continuation.resume(returning: .failure(.validation(.recordTooLarge(size: payload.count, limit: maxRecordSize))))
            return false
        }
        let changes: [ProjectionChange]
        do throws(MutationValidationError) {
            guard !overflow else { throw .sequenceOverflow }
            changes = try pending.commitAtomically(events, sequence: sequence) { event, p throws(MutationValidationError) in
                try CommandPreconditions.check(event.event, against: p)
                do throws(ReplayError) { return try p.plan(event) } catch { throw .rejectedByReplay(error) }
            }
        } catch {
            continuation.resume(returning: .failure(.validation(error)))
            return false
        }
        queue.append(StagedCommand(sequence: sequence, changes: changes, payload: payload, continuation: continuation))
        if draining { return false }
        draining = true
        return true
    }

    /// Takes the queued commands for the next append, or ends the drain (and wakes `close`)
    /// when none is left.
    mutating func nextBatch() -> [StagedCommand] {
        guard !queue.isEmpty else {
            draining = false
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters.removeAll()
            return []
        }
        defer { queue.removeAll(keepingCapacity: true) }
        return queue
    }

    /// Applies an acknowledged batch in sequence order and resumes its submitters, or fences
    /// and fails it (with everything queued behind it) when the log failed or diverged.
    mutating func finish(_ batch: [StagedCommand], _ result: Result<Range<UInt64>, LogError>, durableThrough: UInt64) {
        let first = batch[0].sequence
        switch result {
        case .success(let range) where range.lowerBound == first && range.count == batch.count:
            for staged in batch {
                acknowledged.commit(staged.changes, sequence: staged.sequence)
                let outcome = MutationOutcome(sequence: staged.sequence, durable: staged.sequence <= durableThrough)
                staged.continuation.resume(returning: .success(outcome))
            }
            return
        case .success(let range):
            fence = .logDiverged(projectionSequence: first - 1, logLastSequence: range.upperBound - 1)
        case .failure(let error):
            fence = .ambiguousAppend(sequence: first, EventLogFailure(error))
        }
        guard let fence else { return }
        for staged in batch + queue { staged.continuation.resume(returning: .failure(.fenced(fence))) }
        queue.removeAll()
    }
}

extension AsyncMutationAuthority {
    /// Appends queued batches one after another until the queue is empty. One batch is in
    /// flight at a time, so records reach the log in the order their sequences were given.
    func drain() async {
        while true {
            let batch = state.withLock { $0.nextBatch() }
            if batch.isEmpty { return }
            let result: Result<Range<UInt64>, LogError>
            do { result = .success(try await log.append(contentsOf: batch.map(\.payload))) } catch {
                result = .failure(error)
            }
            let durable = log.durableSequence
            state.withLock { $0.finish(batch, result, durableThrough: durable) }
        }
    }
}
