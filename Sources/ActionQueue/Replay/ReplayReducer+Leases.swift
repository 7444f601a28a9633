// Lease rules of the reducer.

extension ReplayReducer {
    func planLease(_ kind: LeaseEventKind, _ runId: RunId, owner: String, expiry: UInt64, at ts: UInt64,
                   seq: UInt64) throws(ReplayError) -> ProjectionChange {
        guard var run = runs[runId] else { throw .leaseCausality(sequence: seq, .unknownRun(runId, kind)) }
        let state = run.instance.state
        let allowed: Bool = switch kind {
        case .acquire: state == .ready || state == .leased
        case .heartbeat: state == .leased || state == .running
        case .expire, .release: state.admitsLease
        }
        guard allowed else { throw .leaseCausality(sequence: seq, .invalidRunState(runId, state: state, kind)) }

        if kind == .acquire {
            if let lease = run.lease { throw .leaseCausality(sequence: seq, .leaseAlreadyActive(runId, owner: lease.owner)) }
            run.lease = LeaseRecord(owner: owner, expiry: expiry, acquiredAt: ts, updatedAt: ts)
            return .run(run, isNew: false)
        }
        guard var lease = run.lease else { throw .leaseCausality(sequence: seq, .missingActiveLease(runId, kind)) }
        guard lease.owner == owner else {
            throw .leaseCausality(sequence: seq, .ownerMismatch(runId, expected: lease.owner, provided: owner, kind))
        }
        if kind == .heartbeat {
            guard expiry >= lease.expiry else {
                throw .leaseCausality(sequence: seq, .nonMonotonicHeartbeatExpiry(runId, current: lease.expiry, provided: expiry))
            }
            lease.expiry = expiry
            lease.updatedAt = ts
            run.lease = lease
            return .run(run, isNew: false)
        }
        guard lease.expiry == expiry else {
            throw .leaseCausality(sequence: seq, .expiryMismatch(runId, expected: lease.expiry, provided: expiry, kind))
        }
        run.lease = nil
        if state == .leased {
            // The run returns to Ready. Unlike the reference (which does this silently) we
            // record it in the history so the history's last state always equals the state.
            run.instance.state = .ready
            run.instance.lastStateChangeAt = ts
            run.history.append(StateHistoryEntry(from: .leased, to: .ready, timestamp: ts))
        }
        return .run(run, isNew: false)
    }
}
