#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Identifies a task (the user's durable intent).
public struct TaskId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies one run (a scheduled occurrence of a task).
public struct RunId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies one execution attempt of a run.
public struct AttemptId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies an event subscription.
public struct SubscriptionId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a remote actor.
public struct ActorId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a tenant.
public struct TenantId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a ledger entry.
public struct LedgerEntryId: UUIDIdentifier {
    /// The wrapped UUID.
    public let uuid: UUID
    /// Wraps `uuid` (any UUID; the all-zero one is refused only by snapshot validation).
    public init(uuid: UUID) { self.uuid = uuid }
}
