/// Waits (asynchronously, never blocking a cooperative thread) until `condition` holds;
/// returns false when `timeout` passes first. The default is long on purpose: while the whole
/// suite runs, synchronous tests can hold every cooperative thread for tens of seconds, so a
/// task the condition waits for may not even have started.
@discardableResult
public func eventually(timeout: Duration = .seconds(300), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}
