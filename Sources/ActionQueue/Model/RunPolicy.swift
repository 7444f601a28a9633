/// How many times a task runs. Discriminants: Once 0, Repeat 1, Cron 2.
///
/// Cron carries its expression verbatim (it is not parsed here) and an optional cap; the
/// Option tag of `maxOccurrences` is always written, which matches current postcard output
/// for the reference's skip-if-None field.
public enum RunPolicy: Sendable, Hashable {
    /// The task runs once.
    case once
    /// The task runs `count` times, `intervalSecs` seconds apart.
    case `repeat`(count: UInt32, intervalSecs: UInt64)
    /// The task runs on the cron schedule `expression`, at most `maxOccurrences` times when set.
    case cron(expression: String, maxOccurrences: UInt32?)
}
