import Foundation
import Synchronization
@testable import AQLog
import AQTestSupport

/// Deterministic payloads: record `i` of a test has predictable, varied bytes and length.
func payload(_ i: Int, size: Int? = nil) -> [UInt8] {
    let n = size ?? (i * 37 % 300)
    return (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7 &+ 1) }
}

/// Small segments so tests roll often.
let smallSegments = LogOptions(segmentSize: 64 * 1024, backend: .posix)


/// All records of a log, read back through a fresh reader.
func readAll(_ dir: String) throws -> [[UInt8]] {
    let reader = try LogReader.open(directory: dir)
    var out: [[UInt8]] = []
    try reader.forEach { _, bytes in out.append(Array(bytes)); return true }
    return out
}

/// Writes `count` records one per append and closes; returns the payloads.
@discardableResult
func makeLog(_ dir: String, count: Int, options: LogOptions = smallSegments, sizes: ((Int) -> Int)? = nil) throws -> [[UInt8]] {
    let w = try LogWriter.open(directory: dir, options: options)
    var written: [[UInt8]] = []
    for i in 0..<count {
        let p = payload(i, size: sizes?(i))
        try w.append(p)
        written.append(p)
    }
    try w.close()
    return written
}

/// Offset of the committed end of the open (last) segment, found by scanning.
func openSegmentEnd(_ dir: String) throws -> (path: String, end: Int) {
    let reader = try LogReader.open(directory: dir)
    let last = reader.segments.last!
    return (last.path, last.dataEnd)
}

/// Thread-safe collection of values gathered by concurrent tasks in a test. An `NSLock`, not a
/// `Mutex`: Thread Sanitizer does not model `Mutex`'s futex and reports false races.
final class Collector<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
}

/// A value behind an `NSLock`, with `Mutex`'s `withLock`: for test doubles that several threads
/// use at once (verify's workers reading through `RecordingStorage`), where Thread Sanitizer,
/// which does not model `Mutex`'s futex, would report false races.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// `producers` tasks each append `each` 64-byte records to `log` at once, calling `check` with
/// every sequence as its append returns.
func appendConcurrently(_ log: Log, producers: Int, each: Int, check: @escaping @Sendable (UInt64) -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for p in 0..<producers {
            group.addTask {
                for i in 0..<each { check(try await log.append(payload(p + i, size: 64))) }
            }
        }
        try await group.waitForAll()
    }
}

/// Empties `dir`'s `LOCK` record, as if its last writer published nothing durable: the state
/// of a crash before the batches a test then damages were acknowledged (recovery refuses damage
/// at or below a published durable point, `damaged_acknowledged_data`).
func forgetPublishedProgress(_ dir: String) {
    writeFile(dir + "/" + LogDirectoryLayout.lockFile, [])
}
