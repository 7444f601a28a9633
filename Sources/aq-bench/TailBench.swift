import AQLog
import Foundation

/// `LogTail` catching up on a log already written, iterated in a detached task and on the main
/// actor: with `next(isolation:)` a consumer on an actor takes buffered records without an
/// executor hop per record, so both should run at about the same rate.
struct TailCatchUpResult: Codable, Sendable {
    var records: Int
    var detachedRecordsPerSecond: Double
    var mainActorRecordsPerSecond: Double
    var mainActorOverDetached: Double { mainActorRecordsPerSecond / max(detachedRecordsPerSecond, 1e-9) }
}

func runTailCatchUp(root: String, records: Int) async throws -> TailCatchUpResult {
    let dir = root + "/tail-catch-up"
    try? FileManager.default.removeItem(atPath: dir)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let writer = try LogWriter.open(directory: dir, options: LogOptions(), durability: .deferred)
    let payload = [UInt8](repeating: 0x5A, count: 64)
    for _ in 0..<(records / 1_000) { try writer.append(contentsOf: [[UInt8]](repeating: payload, count: 1_000)) }
    try writer.close()
    let last = UInt64(records / 1_000 * 1_000)

    // The loop runs in the caller's isolation: the detached task's (none) or the main actor's.
    func consume(isolation actor: isolated (any Actor)? = #isolation) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for try await (sequence, _) in LogTail(directory: dir, from: 1) where sequence == last { break }
        let (s, a) = (clock.now - start).components
        return Double(last) / (Double(s) + Double(a) / 1e18)
    }
    // Interleaved, best of two each (the first pass also warms the page cache).
    var detached = 0.0, main = 0.0
    for _ in 0..<2 {
        detached = max(detached, try await Task.detached { try await consume(isolation: nil) }.value)
        main = max(main, try await Task { @MainActor in
            MainActor.assertIsolated()
            return try await consume(isolation: MainActor.shared)
        }.value)
    }
    return TailCatchUpResult(records: Int(last), detachedRecordsPerSecond: detached, mainActorRecordsPerSecond: main)
}
