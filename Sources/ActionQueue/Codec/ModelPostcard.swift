// Postcard wire forms of the core model types (field order = actionqueue core's serde order).

extension RunState: PostcardCodable {
    /// Writes the state's raw value as a `u32` varint discriminant (Scheduled 0 … Canceled 8).
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    /// Reads a state; a discriminant above 8 throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 9, type: "RunState"))!
    }
}

extension AttemptResultKind: PostcardCodable {
    /// Writes the raw value as a `u32` varint discriminant (Success 0 … Suspended 3).
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    /// Reads a result kind; a discriminant above 3 throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 4, type: "AttemptResultKind"))!
    }
}

extension BudgetDimension: PostcardCodable {
    /// Writes the raw value as a `u32` varint discriminant (Token 0, CostCents 1, TimeSecs 2).
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    /// Reads a dimension; a discriminant above 2 throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 3, type: "BudgetDimension"))!
    }
}

extension ConcurrencyKeyHoldPolicy: PostcardCodable {
    /// Writes the raw value as a `u32` varint discriminant (HoldDuringRetry 0, ReleaseOnRetry 1).
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    /// Reads a hold policy; a discriminant above 1 throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 2, type: "ConcurrencyKeyHoldPolicy"))!
    }
}

extension SafetyLevel: PostcardCodable {
    /// Writes the raw value as a `u32` varint discriminant (Pure 0, Idempotent 1, Transactional 2).
    public func encode(to writer: inout PostcardWriter) { writer.writeU32(rawValue) }
    /// Reads a safety level; a discriminant above 2 throws
    /// ``CodecError/invalidDiscriminant(offset:type:value:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        self.init(rawValue: try reader.readDiscriminant(count: 3, type: "SafetyLevel"))!
    }
}

extension TaskPayload: PostcardCodable {
    /// Writes `bytes` as a byte string, then `contentType` as an Option of a string.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeBytes(bytes)
        writer.writeOptional(contentType) { $0.writeString($1) }
    }
    /// Reads the fields in wire order (bytes, content type); throws ``CodecError`` on malformed
    /// input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        bytes = try reader.readBytes()
        contentType = try reader.readOptional { r throws(CodecError) in try r.readString() }
    }
}

extension RunPolicy: PostcardCodable {
    /// Writes the discriminant (Once 0, Repeat 1, Cron 2), then the case's fields: `count` (`u32`)
    /// and `intervalSecs` (`u64`) for Repeat; the expression and an Option of `maxOccurrences` for
    /// Cron.
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .once:
            writer.writeU32(0)
        case .repeat(let count, let intervalSecs):
            writer.writeU32(1)
            writer.writeU32(count)
            writer.writeU64(intervalSecs)
        case .cron(let expression, let maxOccurrences):
            writer.writeU32(2)
            writer.writeString(expression)
            writer.writeOptional(maxOccurrences) { $0.writeU32($1) }
        }
    }
    /// Reads a run policy; a discriminant above 2 or malformed fields throw a ``CodecError``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 3, type: "RunPolicy") {
        case 0: self = .once
        case 1: self = .repeat(count: try reader.readU32(), intervalSecs: try reader.readU64())
        default:
            self = .cron(expression: try reader.readString(),
                         maxOccurrences: try reader.readOptional { r throws(CodecError) in try r.readU32() })
        }
    }
}

extension TaskConstraints: PostcardCodable {
    /// Writes the fields in wire order: `maxAttempts`, `timeoutSecs?`, `concurrencyKey?`, the hold
    /// policy, the safety level, `requiredCapabilities?`.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeU32(maxAttempts)
        writer.writeOptional(timeoutSecs) { $0.writeU64($1) }
        writer.writeOptional(concurrencyKey) { $0.writeString($1) }
        concurrencyKeyHoldPolicy.encode(to: &writer)
        safetyLevel.encode(to: &writer)
        writer.writeOptional(requiredCapabilities) { w, caps in w.writeSequence(caps) { $0.writeString($1) } }
    }
    /// Reads the fields in wire order; throws ``CodecError`` on malformed input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        maxAttempts = try reader.readU32()
        timeoutSecs = try reader.readOptional { r throws(CodecError) in try r.readU64() }
        concurrencyKey = try reader.readOptional { r throws(CodecError) in try r.readString() }
        concurrencyKeyHoldPolicy = try ConcurrencyKeyHoldPolicy(from: &reader)
        safetyLevel = try SafetyLevel(from: &reader)
        requiredCapabilities = try reader.readOptional { r throws(CodecError) in
            try r.readSequence { r2 throws(CodecError) in try r2.readString() }
        }
    }
}

extension TaskMetadata: PostcardCodable {
    /// Writes the fields in wire order: `tags` (a sequence of strings), `priority` (zigzag `i32`),
    /// `description?`.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeSequence(tags) { $0.writeString($1) }
        writer.writeI32(priority)
        writer.writeOptional(description) { $0.writeString($1) }
    }
    /// Reads the fields in wire order; throws ``CodecError`` on malformed input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        tags = try reader.readSequence { r throws(CodecError) in try r.readString() }
        priority = try reader.readI32()
        description = try reader.readOptional { r throws(CodecError) in try r.readString() }
    }
}

extension TaskSpec: PostcardCodable {
    /// Writes the fields in wire order: id, payload, run policy, constraints, metadata,
    /// `parentTaskId?`, `tenantId?`.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeIdentifier(id)
        payload.encode(to: &writer)
        runPolicy.encode(to: &writer)
        constraints.encode(to: &writer)
        metadata.encode(to: &writer)
        writer.writeOptional(parentTaskId) { $0.writeIdentifier($1) }
        writer.writeOptional(tenantId) { $0.writeIdentifier($1) }
    }
    /// Reads the fields in wire order; throws ``CodecError`` on malformed input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        id = try reader.readIdentifier()
        payload = try TaskPayload(from: &reader)
        runPolicy = try RunPolicy(from: &reader)
        constraints = try TaskConstraints(from: &reader)
        metadata = try TaskMetadata(from: &reader)
        parentTaskId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
        tenantId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
    }
}

extension RunInstance: PostcardCodable {
    /// Writes the fields in wire order: id, task id, state, `currentAttemptId?`, `attemptCount`,
    /// `createdAt`, `scheduledAt`, `effectivePriority` (zigzag `i32`), `lastStateChangeAt`.
    public func encode(to writer: inout PostcardWriter) {
        writer.writeIdentifier(id)
        writer.writeIdentifier(taskId)
        state.encode(to: &writer)
        writer.writeOptional(currentAttemptId) { $0.writeIdentifier($1) }
        writer.writeU32(attemptCount)
        writer.writeU64(createdAt)
        writer.writeU64(scheduledAt)
        writer.writeI32(effectivePriority)
        writer.writeU64(lastStateChangeAt)
    }
    /// Reads the fields in wire order; throws ``CodecError`` on malformed input.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        id = try reader.readIdentifier()
        taskId = try reader.readIdentifier()
        state = try RunState(from: &reader)
        currentAttemptId = try reader.readOptional { r throws(CodecError) in try r.readIdentifier() }
        attemptCount = try reader.readU32()
        createdAt = try reader.readU64()
        scheduledAt = try reader.readU64()
        effectivePriority = try reader.readI32()
        lastStateChangeAt = try reader.readU64()
    }
}

extension EventFilter: PostcardCodable {
    /// Writes the discriminant (TaskCompleted 0, RunStateChanged 1, BudgetThreshold 2, Custom 3),
    /// then the case's fields in declaration order (`thresholdPercent` as one raw byte).
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .taskCompleted(let taskId):
            writer.writeU32(0)
            writer.writeIdentifier(taskId)
        case .runStateChanged(let taskId, let state):
            writer.writeU32(1)
            writer.writeIdentifier(taskId)
            state.encode(to: &writer)
        case .budgetThreshold(let taskId, let dimension, let thresholdPercent):
            writer.writeU32(2)
            writer.writeIdentifier(taskId)
            dimension.encode(to: &writer)
            writer.writeU8(thresholdPercent)
        case .custom(let key):
            writer.writeU32(3)
            writer.writeString(key)
        }
    }
    /// Reads a filter; a discriminant above 3 or malformed fields throw a ``CodecError``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 4, type: "EventFilter") {
        case 0: self = .taskCompleted(taskId: try reader.readIdentifier())
        case 1: self = .runStateChanged(taskId: try reader.readIdentifier(), state: try RunState(from: &reader))
        case 2:
            self = .budgetThreshold(taskId: try reader.readIdentifier(), dimension: try BudgetDimension(from: &reader),
                                    thresholdPercent: try reader.readU8())
        default: self = .custom(key: try reader.readString())
        }
    }
}

extension Role: PostcardCodable {
    /// Writes the discriminant (Operator 0, Auditor 1, Gatekeeper 2, Custom 3), then, for Custom,
    /// the name.
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .operator: writer.writeU32(0)
        case .auditor: writer.writeU32(1)
        case .gatekeeper: writer.writeU32(2)
        case .custom(let name):
            writer.writeU32(3)
            writer.writeString(name)
        }
    }
    /// Reads a role; a discriminant above 3 or a malformed name throws a ``CodecError``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 4, type: "Role") {
        case 0: self = .operator
        case 1: self = .auditor
        case 2: self = .gatekeeper
        default: self = .custom(try reader.readString())
        }
    }
}

extension Capability: PostcardCodable {
    /// Writes the discriminant (CanSubmit 0 … CanCancel 4, Custom 5), then, for Custom, the name.
    public func encode(to writer: inout PostcardWriter) {
        switch self {
        case .canSubmit: writer.writeU32(0)
        case .canExecute: writer.writeU32(1)
        case .canReview: writer.writeU32(2)
        case .canApprove: writer.writeU32(3)
        case .canCancel: writer.writeU32(4)
        case .custom(let name):
            writer.writeU32(5)
            writer.writeString(name)
        }
    }
    /// Reads a capability; a discriminant above 5 or a malformed name throws a ``CodecError``.
    public init(from reader: inout PostcardReader) throws(CodecError) {
        switch try reader.readDiscriminant(count: 6, type: "Capability") {
        case 0: self = .canSubmit
        case 1: self = .canExecute
        case 2: self = .canReview
        case 3: self = .canApprove
        case 4: self = .canCancel
        default: self = .custom(try reader.readString())
        }
    }
}
