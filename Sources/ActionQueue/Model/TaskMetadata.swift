/// Organisational metadata of a task: tags, priority hint, description.
public struct TaskMetadata: Sendable, Hashable {
    /// Free-form labels.
    public var tags: [String]
    /// Priority hint (default 0).
    public var priority: Int32
    /// Human-readable description.
    public var description: String?
    /// Creates metadata; every field defaults to empty.
    public init(tags: [String] = [], priority: Int32 = 0, description: String? = nil) {
        self.tags = tags
        self.priority = priority
        self.description = description
    }
}
