/// How durable a command must be before the authority applies and acknowledges it.
public enum DurabilityPolicy: Sendable, Hashable {
    /// Flush the log after the append, before applying (the default for every command).
    case immediate
    /// Append only; the record becomes durable with a later flush (budget consumption).
    case deferred
}
