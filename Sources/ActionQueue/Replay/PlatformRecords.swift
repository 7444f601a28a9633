/// A registered remote actor.
public struct ActorRecord: Sendable, Hashable {
    /// The actor's self-declared identity.
    public var identity: String
    /// The capability labels the actor declared when it registered.
    public var capabilities: [String]
    /// The actor's department, if any.
    public var department: String?
    /// How often the actor promised a heartbeat, in seconds.
    public var heartbeatIntervalSecs: UInt64
    /// The tenant the actor belongs to, if any.
    public var tenantId: TenantId?
    /// When the actor (last) registered.
    public var registeredAt: UInt64
    /// When the actor's latest heartbeat was recorded (nil: none yet).
    public var lastHeartbeatAt: UInt64?
    /// When the actor deregistered (nil: registered).
    public var deregisteredAt: UInt64?
    /// Creates an actor record.
    public init(identity: String, capabilities: [String], department: String?, heartbeatIntervalSecs: UInt64,
                tenantId: TenantId?, registeredAt: UInt64, lastHeartbeatAt: UInt64? = nil,
                deregisteredAt: UInt64? = nil) {
        self.identity = identity
        self.capabilities = capabilities
        self.department = department
        self.heartbeatIntervalSecs = heartbeatIntervalSecs
        self.tenantId = tenantId
        self.registeredAt = registeredAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.deregisteredAt = deregisteredAt
    }
}

/// A tenant.
public struct TenantRecord: Sendable, Hashable {
    /// The tenant's name.
    public var name: String
    /// When the tenant was created.
    public var createdAt: UInt64
    /// Creates a tenant record.
    public init(name: String, createdAt: UInt64) {
        self.name = name
        self.createdAt = createdAt
    }
}

/// Key of a role assignment: one role per (actor, tenant).
public struct RoleAssignmentKey: Sendable, Hashable {
    /// The actor holding the role.
    public var actorId: ActorId
    /// The tenant the role applies in.
    public var tenantId: TenantId
    /// Creates the key of `actorId`'s role within `tenantId`.
    public init(actorId: ActorId, tenantId: TenantId) {
        self.actorId = actorId
        self.tenantId = tenantId
    }
}

/// A role held by an actor within a tenant.
public struct RoleAssignmentRecord: Sendable, Hashable {
    /// The role held.
    public var role: Role
    /// When it was assigned.
    public var assignedAt: UInt64
    /// Creates a role assignment record.
    public init(role: Role, assignedAt: UInt64) {
        self.role = role
        self.assignedAt = assignedAt
    }
}

/// Key of a capability grant: (actor, capability, tenant).
public struct CapabilityGrantKey: Sendable, Hashable {
    /// The actor granted the capability.
    public var actorId: ActorId
    /// The capability granted.
    public var capability: Capability
    /// The tenant the grant applies in.
    public var tenantId: TenantId
    /// Creates the key of a grant of `capability` to `actorId` within `tenantId`.
    public init(actorId: ActorId, capability: Capability, tenantId: TenantId) {
        self.actorId = actorId
        self.capability = capability
        self.tenantId = tenantId
    }
}

/// A capability grant; revoked when `revokedAt` is set.
public struct CapabilityGrantRecord: Sendable, Hashable {
    /// When the capability was (last) granted.
    public var grantedAt: UInt64
    /// When the grant was revoked (nil: in force).
    public var revokedAt: UInt64?
    /// Creates a grant record.
    public init(grantedAt: UInt64, revokedAt: UInt64? = nil) {
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
    }
}

/// One append-only ledger entry.
public struct LedgerEntry: Sendable, Hashable {
    /// The entry's identifier.
    public var entryId: LedgerEntryId
    /// The tenant whose ledger holds the entry.
    public var tenantId: TenantId
    /// The logical ledger the entry belongs to (`audit`, `decision`, …).
    public var ledgerKey: String
    /// The actor that produced the entry, if any.
    public var actorId: ActorId?
    /// The entry's content, opaque to the storage layer.
    public var payload: [UInt8]
    /// When the entry was recorded.
    public var timestamp: UInt64
    /// Creates a ledger entry.
    public init(entryId: LedgerEntryId, tenantId: TenantId, ledgerKey: String, actorId: ActorId?, payload: [UInt8],
                timestamp: UInt64) {
        self.entryId = entryId
        self.tenantId = tenantId
        self.ledgerKey = ledgerKey
        self.actorId = actorId
        self.payload = payload
        self.timestamp = timestamp
    }
}
