import AQLog
import AQLogSimulation
import Foundation
import Logging
import Testing
@testable import ActionQueue

/// Crash cycles through ``AsyncMutationAuthority`` over the simulated disk: 8 submitters drive
/// their own tasks' lives while the machine crashes in the middle of a storage operation
/// (group commits, rolls and the committer thread in flight). After each crash the log is
/// reopened and recovered, and:
///
/// - every acknowledged command is in the recovered log at the sequence it was given;
/// - replaying the recovered log through the last acknowledged sequence gives exactly the
///   authority's acknowledged projection at the crash (never ahead of the log, never apart);
/// - the recovered authority continues at the log's next sequence.
///
/// Cycle `c` runs `.sync` and `.group` under every ``CrashMode`` and `.deferred` under process
/// crashes (its acknowledgements survive those, not power loss), at commit depth 1-4.
/// `AQ_SIM_AUTHORITY_CYCLES=N` (default 45).
@Suite struct AuthorityCrashCycleTests {
    final class Acks: @unchecked Sendable {
        private let lock = NSLock()
        private var map: [UInt64: [WalEventType]] = [:]
        func add(_ s: UInt64, _ e: [WalEventType]) { lock.withLock { map[s] = e } }
        var all: [UInt64: [WalEventType]] { lock.withLock { map } }
    }

    @Test func recoveryHoldsEveryAcknowledgedCommandAndMatchesTheAcknowledgedProjection() async throws {
        let cycles = Int(ProcessInfo.processInfo.environment["AQ_SIM_AUTHORITY_CYCLES"] ?? "") ?? 45
        let group = Durability.group(maxDelay: .microseconds(200), maxBytes: 1 << 16)
        let combinations: [(Durability, CrashMode)] = [
            (.sync, .dropUnsynced), (.sync, .tornTail), (.sync, .randomSubset), (.sync, .keepUnsynced),
            (group, .dropUnsynced), (group, .tornTail), (group, .randomSubset), (group, .keepUnsynced),
            (.deferred, .keepUnsynced),
        ]
        var crashed = 0, fenced = 0, acknowledged = 0, recovered: UInt64 = 0
        for cycle in 0..<cycles {
            let seed = 91_000 + UInt64(cycle)
            let (durability, mode) = combinations[cycle % combinations.count]
            let disk = SimulatedStorage(seed: seed, writesInFlight: 4)
            disk.haltsAfterCrash = true
            var options = LogOptions(segmentSize: 64 * 1024, backend: .posix)
            options.logger = Logger(label: "sim") { _ in SwiftLogNoOpLogHandler() }
            options.maxCommitsInFlight = 1 + cycle / combinations.count % 4
            let label = "seed \(seed) (\(durability), \(mode), depth \(options.maxCommitsInFlight))"
            let log = try Log(directory: "/log", options: options, durability: durability, storage: disk, backgroundPreparation: false)
            let authority = try AsyncMutationAuthority(projection: ReplayReducer(), log: log, directory: "/log", storage: disk)
            disk.schedule(FaultTrigger(skip: Int(seed % 89) + 5, action: .crash(mode)))
            let acks = Acks()
            await withTaskGroup(of: Void.self) { group in
                for p in UInt64(0)..<8 {
                    group.addTask {
                        for t in UInt64(1)...6 {
                            for event in taskCommands(p * 100 + t, at: seed) {
                                guard let outcome = try? await authority.submit(event) else { return }
                                acks.add(outcome.sequence, event)
                            }
                        }
                    }
                }
            }
            let atCrash = authority.projection
            if authority.fence != nil { fenced += 1 }
            if disk.stats.crashes.values.reduce(0, +) > 0 { crashed += 1 } else { disk.crash(mode) }
            try? await authority.close()
            disk.clearFaults()
            disk.resume()

            let reopened = try Log(directory: "/log", options: options, durability: durability, storage: disk, backgroundPreparation: false)
            let events = try LogDirectoryEvents(directory: "/log", storage: disk)
            var records: [UInt64: WalRecord] = [:]
            try events.forEach(from: 1) { s, payload in records[s] = try LogReplayer.decode(payload, logSequence: s) }
            for (s, event) in acks.all {
                #expect(records[s]?.events == event, "\(label): acknowledged command \(s) lost or changed")
                acknowledged += 1
            }
            var prefix = ReplayReducer()
            for s in UInt64(1)...max(1, atCrash.latestSequence) where s <= atCrash.latestSequence {
                guard let record = records[s] else { Issue.record("\(label): record \(s) missing"); break }
                try prefix.apply(record)
            }
            #expect(prefix == atCrash, "\(label): the acknowledged projection is the replay of the log's prefix")
            let again = try await AsyncMutationAuthority.recover(log: reopened, directory: "/log", storage: disk, snapshots: nil)
            recovered += again.projection.latestSequence
            #expect(again.projection.latestSequence >= atCrash.latestSequence, "\(label): recovery lost acknowledged commands")
            let next = try await again.submit(taskCreated(10_000, at: seed))
            #expect(next.sequence == again.projection.latestSequence && next.sequence == UInt64(records.count) + 1, "\(label)")
            try await again.close()
        }
        print("authority crash cycles: \(cycles), crashed mid-operation \(crashed), fenced \(fenced), "
              + "acknowledged commands checked \(acknowledged), commands recovered \(recovered)")
        #expect(crashed > cycles / 2)
        #expect(fenced > 0)
    }
}
