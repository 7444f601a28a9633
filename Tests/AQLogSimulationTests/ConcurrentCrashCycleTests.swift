import Testing
import Foundation
@testable import AQLog
import AQLogSimulation

/// Crash cycles through the concurrent ``Log``: 8 producer tasks (or, in some deferred cycles,
/// one) append while the simulated
/// machine crashes in the middle of a storage operation (group commit, rolls and the committer
/// thread all in flight). After each crash the log is reopened and every acknowledged record
/// must be there with its bytes, sequences dense, nothing invented.
@Suite struct ConcurrentCrashCycleTests {
    /// Guarded by an `NSLock` (pthread) rather than `Mutex`: Thread Sanitizer models pthread
    /// locks but not `Mutex`'s futex, and reported this helper as racy.
    final class Acks: @unchecked Sendable {
        private let lock = NSLock()
        private var map: [UInt64: [UInt8]] = [:]
        func add(_ s: UInt64, _ p: [UInt8]) { lock.withLock { map[s] = p } }
        var all: [UInt64: [UInt8]] { lock.withLock { map } }
    }

    @Test func producersCrashMidOperationAndEveryAcknowledgedRecordSurvives() async throws {
        let cycles = Int(ProcessInfo.processInfo.environment["AQ_SIM_CONCURRENT_CYCLES"] ?? "") ?? 120
        var checked = 0, crashed = 0, vouches = 0
        for cycle in 0..<cycles {
            let seed = UInt64(77_000 + cycle)
            let disk = SimulatedStorage(seed: seed)
            let modes: [(Durability, CrashMode)] = [
                (.sync, .dropUnsynced), (.sync, .tornTail), (.sync, .randomSubset),
                (.group(maxDelay: .microseconds(200), maxBytes: 1 << 16), .tornTail), (.deferred, .keepUnsynced),
            ]
            let (durability, crashMode) = modes[cycle % modes.count]
            var options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
            // Odd cycles vouch for the last batch as soon as the committer is idle, so crashes
            // also land on and around those frames.
            if cycle % 2 == 1 { options.idleVouchDelay = .zero }
            let log = try Log(directory: "/log", options: options, durability: durability, storage: disk, backgroundPreparation: false)
            disk.schedule(FaultTrigger(skip: Int(seed % 97) + 5, action: .crash(crashMode)))
            let acks = Acks()
            // Every other deferred cycle has one producer, which writes its own batches
            // (inline commits) until a flush, roll or close needs the committer.
            let producers = durability == .deferred && cycle % 10 == 9 ? 1 : 8
            await withTaskGroup(of: Void.self) { group in
                for p in 0..<producers {
                    group.addTask {
                        for i in 0..<(320 / producers) {
                            let body = DeterministicPayload.bytes(for: seed &* 1000 &+ UInt64(p * 100 + i))
                            guard let s = try? await log.append(body) else { return }
                            acks.add(s, body)
                        }
                    }
                }
            }
            vouches += log.committer.vouchesWritten
            if disk.stats.crashes.values.reduce(0, +) > 0 { crashed += 1 } else { disk.crash(crashMode) }
            try? await log.close()
            // Reopen after the crash: every acknowledged record, byte for byte, densely.
            let reopened: LogWriter
            do { reopened = try LogWriter(directory: "/log", options: options, storage: disk, backgroundPreparation: false) } catch {
                print("reopen failed: seed \(seed), cycle \(cycle), \(durability), \(crashMode): \(error)"); throw error
            }
            let reader = try LogReader(directory: "/log", storage: disk)
            var records: [UInt64: [UInt8]] = [:]
            try reader.forEach { s, bytes in records[s] = Array(bytes); return true }
            try reopened.close()
            #expect(records.keys.sorted() == (records.isEmpty ? [] : Array(1...UInt64(records.count))), "seed \(seed): not dense")
            for (s, p) in acks.all {
                #expect(records[s] == p, "seed \(seed) (\(durability), \(crashMode)): acknowledged \(s) lost or changed")
                checked += 1
            }
        }
        print("concurrent crash cycles: \(cycles), crashed mid-operation: \(crashed), acknowledged records checked: \(checked), idle vouching frames: \(vouches)")
        #expect(crashed > cycles / 2)
        #expect(vouches > 0, "the odd cycles exercised idle vouching frames")
    }
}
