extension Duration {
    /// The longest wait the library sleeps for at once: a year. The runtime traps on a sleep
    /// whose deadline does not fit its clock, so a caller's "never" (`.seconds(.max)`) and
    /// anything else past this waits this long instead.
    static let longestSleep = Duration.seconds(365 * 24 * 3600)

    /// This duration as something to sleep for or double: at least zero, at most
    /// ``longestSleep``.
    var sleepable: Duration { Swift.min(Swift.max(self, .zero), Self.longestSleep) }
}
