/// A value guarded by a pthread mutex.
///
/// Used instead of `Synchronization.Mutex` where ThreadSanitizer must see the locking: on
/// Linux `Mutex` is built on raw futexes that TSan does not model, so every access under it
/// is reported as a race. A pthread mutex is understood by TSan and costs the same uncontended.
final class Locked<Value>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
