// Postcard wire form of WalEvent: varint(sequence), varint(discriminant), the variant's
// fields in declaration order. Byte-identical to actionqueue-storage 0.1.2's v5 payload.

extension WalEvent: PostcardCodable {
    /// Writes `sequence` as a `u64` varint, then ``event``.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeU64(sequence)
        event.encode(to: &writer)
    }

    /// Reads the sequence, then the event; throws ``CodecError`` on malformed input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        sequence = try reader.readU64()
        event = try WalEventType(from: &reader)
    }

    /// Reads only the leading sequence varint of an encoded event.
    public static func peekSequence(_ payload: [UInt8]) throws(CodecError) -> UInt64 {
        var reader = PostcardReader(payload)
        return try reader.readU64()
    }
}

extension WalEventType: PostcardCodable {
    /// Writes ``discriminant`` as a `u32` varint, then the variant's fields in declaration order.
    public func encode(to w: inout PostcardWriter) {
        w.writeU32(discriminant)
        switch self {
        case .taskCreated(let spec, let ts):
            spec.encode(to: &w); w.writeU64(ts)
        case .runCreated(let run):
            run.encode(to: &w)
        case .runStateChanged(let runId, let previous, let next, let ts):
            w.writeIdentifier(runId); previous.encode(to: &w); next.encode(to: &w); w.writeU64(ts)
        case .attemptStarted(let runId, let attemptId, let ts):
            w.writeIdentifier(runId); w.writeIdentifier(attemptId); w.writeU64(ts)
        case .attemptFinished(let runId, let attemptId, let result, let error, let output, let ts):
            w.writeIdentifier(runId); w.writeIdentifier(attemptId); result.encode(to: &w)
            w.writeOptional(error) { $0.writeString($1) }
            w.writeOptional(output) { $0.writeBytes($1) }
            w.writeU64(ts)
        case .taskCanceled(let taskId, let ts):
            w.writeIdentifier(taskId); w.writeU64(ts)
        case .runCanceled(let runId, let ts):
            w.writeIdentifier(runId); w.writeU64(ts)
        case .leaseAcquired(let runId, let owner, let expiry, let ts),
             .leaseHeartbeat(let runId, let owner, let expiry, let ts),
             .leaseExpired(let runId, let owner, let expiry, let ts),
             .leaseReleased(let runId, let owner, let expiry, let ts):
            w.writeIdentifier(runId); w.writeString(owner); w.writeU64(expiry); w.writeU64(ts)
        case .enginePaused(let ts), .engineResumed(let ts):
            w.writeU64(ts)
        case .dependencyDeclared(let taskId, let dependsOn, let ts):
            w.writeIdentifier(taskId); w.writeSequence(dependsOn) { $0.writeIdentifier($1) }; w.writeU64(ts)
        case .runSuspended(let runId, let reason, let ts):
            w.writeIdentifier(runId); w.writeOptional(reason) { $0.writeString($1) }; w.writeU64(ts)
        case .runResumed(let runId, let ts):
            w.writeIdentifier(runId); w.writeU64(ts)
        case .budgetAllocated(let taskId, let dim, let value, let ts),
             .budgetConsumed(let taskId, let dim, let value, let ts),
             .budgetReplenished(let taskId, let dim, let value, let ts):
            w.writeIdentifier(taskId); dim.encode(to: &w); w.writeU64(value); w.writeU64(ts)
        case .budgetExhausted(let taskId, let dim, let ts):
            w.writeIdentifier(taskId); dim.encode(to: &w); w.writeU64(ts)
        case .subscriptionCreated(let subId, let taskId, let filter, let ts):
            w.writeIdentifier(subId); w.writeIdentifier(taskId); filter.encode(to: &w); w.writeU64(ts)
        case .subscriptionTriggered(let subId, let ts), .subscriptionCanceled(let subId, let ts):
            w.writeIdentifier(subId); w.writeU64(ts)
        case .actorRegistered(let actorId, let identity, let caps, let department, let interval, let tenantId, let ts):
            w.writeIdentifier(actorId); w.writeString(identity); w.writeSequence(caps) { $0.writeString($1) }
            w.writeOptional(department) { $0.writeString($1) }; w.writeU64(interval)
            w.writeOptional(tenantId) { $0.writeIdentifier($1) }; w.writeU64(ts)
        case .actorDeregistered(let actorId, let ts), .actorHeartbeat(let actorId, let ts):
            w.writeIdentifier(actorId); w.writeU64(ts)
        case .tenantCreated(let tenantId, let name, let ts):
            w.writeIdentifier(tenantId); w.writeString(name); w.writeU64(ts)
        case .roleAssigned(let actorId, let role, let tenantId, let ts):
            w.writeIdentifier(actorId); role.encode(to: &w); w.writeIdentifier(tenantId); w.writeU64(ts)
        case .capabilityGranted(let actorId, let cap, let tenantId, let ts),
             .capabilityRevoked(let actorId, let cap, let tenantId, let ts):
            w.writeIdentifier(actorId); cap.encode(to: &w); w.writeIdentifier(tenantId); w.writeU64(ts)
        case .ledgerEntryAppended(let entryId, let tenantId, let key, let actorId, let payload, let ts):
            w.writeIdentifier(entryId); w.writeIdentifier(tenantId); w.writeString(key)
            w.writeOptional(actorId) { $0.writeIdentifier($1) }; w.writeBytes(payload); w.writeU64(ts)
        }
    }

    /// Reads a variant; a discriminant of ``variantCount`` or more throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``, malformed fields another
    /// ``CodecError``.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    public init(from r: inout PostcardReader) throws(CodecError) {
        let index = try r.readDiscriminant(count: Self.variantCount, type: "WalEventType")
        switch index {
        case 0: self = .taskCreated(taskSpec: try TaskSpec(from: &r), timestamp: try r.readU64())
        case 1: self = .runCreated(runInstance: try RunInstance(from: &r))
        case 2:
            self = .runStateChanged(runId: try r.readIdentifier(), previousState: try RunState(from: &r),
                                    newState: try RunState(from: &r), timestamp: try r.readU64())
        case 3:
            self = .attemptStarted(runId: try r.readIdentifier(), attemptId: try r.readIdentifier(),
                                   timestamp: try r.readU64())
        case 4:
            self = .attemptFinished(
                runId: try r.readIdentifier(), attemptId: try r.readIdentifier(),
                result: try AttemptResultKind(from: &r),
                error: try r.readOptional { r2 throws(CodecError) in try r2.readString() },
                output: try r.readOptional { r2 throws(CodecError) in try r2.readBytes() },
                timestamp: try r.readU64())
        case 5: self = .taskCanceled(taskId: try r.readIdentifier(), timestamp: try r.readU64())
        case 6: self = .runCanceled(runId: try r.readIdentifier(), timestamp: try r.readU64())
        case 7, 8, 9, 10:
            let runId: RunId = try r.readIdentifier()
            let owner = try r.readString()
            let expiry = try r.readU64()
            let ts = try r.readU64()
            switch index {
            case 7: self = .leaseAcquired(runId: runId, owner: owner, expiry: expiry, timestamp: ts)
            case 8: self = .leaseHeartbeat(runId: runId, owner: owner, expiry: expiry, timestamp: ts)
            case 9: self = .leaseExpired(runId: runId, owner: owner, expiry: expiry, timestamp: ts)
            default: self = .leaseReleased(runId: runId, owner: owner, expiry: expiry, timestamp: ts)
            }
        case 11: self = .enginePaused(timestamp: try r.readU64())
        case 12: self = .engineResumed(timestamp: try r.readU64())
        case 13:
            self = .dependencyDeclared(
                taskId: try r.readIdentifier(),
                dependsOn: try r.readSequence { r2 throws(CodecError) in try r2.readIdentifier() },
                timestamp: try r.readU64())
        case 14:
            self = .runSuspended(runId: try r.readIdentifier(),
                                 reason: try r.readOptional { r2 throws(CodecError) in try r2.readString() },
                                 timestamp: try r.readU64())
        case 15: self = .runResumed(runId: try r.readIdentifier(), timestamp: try r.readU64())
        case 16, 17, 19:
            let taskId: TaskId = try r.readIdentifier()
            let dim = try BudgetDimension(from: &r)
            let value = try r.readU64()
            let ts = try r.readU64()
            switch index {
            case 16: self = .budgetAllocated(taskId: taskId, dimension: dim, limit: value, timestamp: ts)
            case 17: self = .budgetConsumed(taskId: taskId, dimension: dim, amount: value, timestamp: ts)
            default: self = .budgetReplenished(taskId: taskId, dimension: dim, newLimit: value, timestamp: ts)
            }
        case 18:
            self = .budgetExhausted(taskId: try r.readIdentifier(), dimension: try BudgetDimension(from: &r),
                                    timestamp: try r.readU64())
        case 20:
            self = .subscriptionCreated(subscriptionId: try r.readIdentifier(), taskId: try r.readIdentifier(),
                                        filter: try EventFilter(from: &r), timestamp: try r.readU64())
        case 21: self = .subscriptionTriggered(subscriptionId: try r.readIdentifier(), timestamp: try r.readU64())
        case 22: self = .subscriptionCanceled(subscriptionId: try r.readIdentifier(), timestamp: try r.readU64())
        case 23:
            self = .actorRegistered(
                actorId: try r.readIdentifier(), identity: try r.readString(),
                capabilities: try r.readSequence { r2 throws(CodecError) in try r2.readString() },
                department: try r.readOptional { r2 throws(CodecError) in try r2.readString() },
                heartbeatIntervalSecs: try r.readU64(),
                tenantId: try r.readOptional { r2 throws(CodecError) in try r2.readIdentifier() },
                timestamp: try r.readU64())
        case 24: self = .actorDeregistered(actorId: try r.readIdentifier(), timestamp: try r.readU64())
        case 25: self = .actorHeartbeat(actorId: try r.readIdentifier(), timestamp: try r.readU64())
        case 26: self = .tenantCreated(tenantId: try r.readIdentifier(), name: try r.readString(), timestamp: try r.readU64())
        case 27:
            self = .roleAssigned(actorId: try r.readIdentifier(), role: try Role(from: &r),
                                 tenantId: try r.readIdentifier(), timestamp: try r.readU64())
        case 28, 29:
            let actorId: ActorId = try r.readIdentifier()
            let cap = try Capability(from: &r)
            let tenantId: TenantId = try r.readIdentifier()
            let ts = try r.readU64()
            self = index == 28
                ? .capabilityGranted(actorId: actorId, capability: cap, tenantId: tenantId, timestamp: ts)
                : .capabilityRevoked(actorId: actorId, capability: cap, tenantId: tenantId, timestamp: ts)
        default:
            self = .ledgerEntryAppended(
                entryId: try r.readIdentifier(), tenantId: try r.readIdentifier(), ledgerKey: try r.readString(),
                actorId: try r.readOptional { r2 throws(CodecError) in try r2.readIdentifier() },
                payload: try r.readBytes(), timestamp: try r.readU64())
        }
    }
}
