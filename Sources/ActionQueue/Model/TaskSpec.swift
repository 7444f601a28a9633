/// The user's durable intent: what to execute, how often, under which constraints.
///
/// Field order is the postcard wire order of actionqueue core's `TaskSpec`
/// (id, payload, run policy, constraints, metadata, parent task, tenant); the optional
/// fields are always encoded with their tag (postcard is not self-describing).
public struct TaskSpec: Sendable, Hashable {
    /// The task's identifier.
    public var id: TaskId
    /// What to execute: opaque bytes for the task's handler.
    public var payload: TaskPayload
    /// How often the task runs.
    public var runPolicy: RunPolicy
    /// Limits on the task's runs.
    public var constraints: TaskConstraints
    /// Tags, priority hint and description.
    public var metadata: TaskMetadata
    /// The task this one was spawned by, if any.
    public var parentTaskId: TaskId?
    /// The tenant the task belongs to, if any.
    public var tenantId: TenantId?

    /// Creates a spec; the defaults are an empty payload, ``RunPolicy/once``, default
    /// constraints and metadata, and no parent or tenant.
    public init(id: TaskId, payload: TaskPayload = TaskPayload(), runPolicy: RunPolicy = .once,
                constraints: TaskConstraints = TaskConstraints(), metadata: TaskMetadata = TaskMetadata(),
                parentTaskId: TaskId? = nil, tenantId: TenantId? = nil) {
        self.id = id
        self.payload = payload
        self.runPolicy = runPolicy
        self.constraints = constraints
        self.metadata = metadata
        self.parentTaskId = parentTaskId
        self.tenantId = tenantId
    }
}

/// Opaque payload bytes with an optional content-type hint.
public struct TaskPayload: Sendable, Hashable {
    /// The payload, opaque to the storage layer.
    public var bytes: [UInt8]
    /// A content-type hint (a MIME type, say).
    public var contentType: String?
    /// Creates a payload (empty by default).
    public init(bytes: [UInt8] = [], contentType: String? = nil) {
        self.bytes = bytes
        self.contentType = contentType
    }
}
