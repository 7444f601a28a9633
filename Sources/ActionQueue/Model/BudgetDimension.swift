/// The unit a budget is measured in. Raw values are the postcard discriminants.
public enum BudgetDimension: UInt32, Sendable, Hashable, CaseIterable, Comparable {
    /// A count of tokens (language-model tokens, say).
    case token = 0
    /// Cost, in cost-cents.
    case costCents = 1
    /// Wall-clock time, in seconds.
    case timeSecs = 2

    /// Orders dimensions by their discriminant (Token, CostCents, TimeSecs).
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
