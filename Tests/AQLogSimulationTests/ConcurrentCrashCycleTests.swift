import Testing
import Foundation
@testable import AQLog
import AQLogSimulation

/// Crash cycles through the concurrent ``Log``: 8 producer tasks (or, in some deferred cycles,
/// one) append while the simulated
/// machine crashes in the middle of a storage operation (group commit, rolls and the committer
/// thread all in flight). After each crash the log is reopened and every acknowledged record
/// must be there with its bytes, sequences dense, nothing invented (every record holds the
/// bytes of some append of the cycle), and the log must open.
///
/// Cycle `c` runs the durability mode and crash mode `combinations[c % 9]` (`.sync` and
/// `.group` under every ``CrashMode``, `.deferred` under process crashes: its power losses
/// are `CrashCycle`'s subject) at commit depth `1 + c / 9 % 4`
/// (`LogOptions.maxCommitsInFlight`), over a storage keeping up to 4 writes in flight and
/// completing them in a seeded random order. `AQ_SIM_CONCURRENT_CYCLES=N` (default 120);
/// `AQ_SIM_CONCURRENT_SEED_BASE=B` (default 77000) starts at another seed.
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
        let environment = ProcessInfo.processInfo.environment
        let cycles = Int(environment["AQ_SIM_CONCURRENT_CYCLES"] ?? "") ?? 120
        let base = UInt64(environment["AQ_SIM_CONCURRENT_SEED_BASE"] ?? "") ?? 77_000
        var checked = 0, crashed = 0, vouches = 0, recovered = 0
        var stats = SimulationStatistics()
        var byDepth: [Int: Int] = [:]
        let group = Durability.group(maxDelay: .microseconds(200), maxBytes: 1 << 16)
        let combinations: [(Durability, CrashMode)] = [
            (.sync, .dropUnsynced), (.sync, .tornTail), (.sync, .randomSubset), (.sync, .keepUnsynced),
            (group, .dropUnsynced), (group, .tornTail), (group, .randomSubset), (group, .keepUnsynced),
            (.deferred, .keepUnsynced),
        ]
        for cycle in 0..<cycles {
            let seed = base + UInt64(cycle)
            let disk = SimulatedStorage(seed: seed, writesInFlight: 4)
            disk.haltsAfterCrash = true
            let (durability, crashMode) = combinations[cycle % combinations.count]
            let depth = 1 + cycle / combinations.count % 4
            byDepth[depth, default: 0] += 1
            var options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
            options.logger = .simulation
            options.maxCommitsInFlight = depth
            options.highWaterStep = SegmentLayout.blockSize * (1 + Int(seed % 4))  // the durable prefix moves often
            options.recoveryReadWindow = SegmentLayout.blockSize * (1 + Int(seed % 5))  // read as a large segment is
            options.commitRule = [nil, .eager, .batching][Int(seed / 5 % 3)]  // measured, at once, or batched
            if cycle / 2 % 2 == 1 { CrashCycle.growSegments(&options) }
            // Odd cycles vouch for the last batch as soon as the committer is idle, so crashes
            // also land on and around those frames.
            if cycle % 2 == 1 { options.idleVouchDelay = .zero }
            let log = try Log(directory: "/log", options: options, durability: durability, storage: disk, backgroundPreparation: false)
            disk.schedule(FaultTrigger(skip: Int(seed % 97) + 5, action: .crash(crashMode)))
            let acks = Acks()
            // Every other deferred cycle has one producer, which writes its own batches
            // (inline commits) until a flush, roll or close needs the committer.
            let producers = durability == .deferred && cycle % 2 == 1 ? 1 : 8
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
            let attempted = Set((0..<producers).flatMap { p in (0..<(320 / producers)).map { i in DeterministicPayload.bytes(for: seed &* 1000 &+ UInt64(p * 100 + i)) } })
            if disk.stats.crashes.values.reduce(0, +) > 0 { crashed += 1 } else { disk.crash(crashMode) }
            try? await log.close()
            disk.resume()
            // Reopen after the crash: every acknowledged record, byte for byte, densely.
            let reopened: LogWriter
            do { reopened = try LogWriter(directory: "/log", options: options, storage: disk, backgroundPreparation: false) } catch {
                print("reopen failed: seed \(seed), cycle \(cycle), \(durability), depth \(depth), \(crashMode): \(error)"); throw error
            }
            let reader = try LogReader(directory: "/log", storage: disk)
            var records: [UInt64: [UInt8]] = [:]
            try reader.forEach { s, bytes in records[s] = Array(bytes); return true }
            try reopened.close()
            stats.add(disk.stats)
            recovered += records.count
            let label = "seed \(seed) (\(durability), depth \(depth), \(crashMode))"
            #expect(records.keys.sorted() == (records.isEmpty ? [] : Array(1...UInt64(records.count))), "\(label): not dense")
            for (s, bytes) in records where !attempted.contains(bytes) {
                Issue.record("\(label): record \(s) holds bytes nobody appended (\(bytes.count) bytes)")
            }
            for (s, p) in acks.all {
                #expect(records[s] == p, "\(label): acknowledged \(s) lost or changed")
                checked += 1
            }
        }
        print("""
            concurrent crash cycles: \(cycles) (by depth: \(byDepth.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))), \
            crashed mid-operation: \(crashed), acknowledged records checked: \(checked), recovered \(recovered), idle vouching frames: \(vouches); \
            writes kept in flight \(stats.writesKeptInFlight) (at most \(stats.mostWritesInFlight) at once), completed out of order \(stats.completionsOutOfOrder), \
            in flight at a crash \(stats.inFlightWritesAtCrash)
            """)
        #expect(crashed > cycles / 2)
        #expect(vouches > 0, "the odd cycles exercised idle vouching frames")
        if cycles >= 36 {
            #expect(stats.mostWritesInFlight >= 2, "several commits were in flight at once")
            #expect(stats.completionsOutOfOrder > 0)
            #expect(stats.inFlightWritesAtCrash > 0)
        }
    }
}
