import AQLog
import Foundation
import AQLogSimulation

/// The epochs of cycles above depth 1: concurrent waves of appends through `Log`.
extension CrashCycle {
    /// ``epoch(_:crashMode:)`` through `Log`: waves of concurrent appends, flushes, reopens.
    mutating func logEpoch(_ log: inout Log, crashMode: CrashMode) async -> Bool {
        sawSyncFailure = false
        let syncFailuresBefore = disk.stats.syncIOErrors
        let crashes = armEpoch(crashMode)
        for _ in 0..<random.int(in: 5...60) {
            let roll = random.int(in: 0..<100)
            if tracing { print("sim: op \(roll) last \(log.lastSequence) mustSurvive \(mustSurvive)") }
            do {
                if roll < 90 {
                    try await appendWave(log, batches: roll >= 65)
                } else if roll < 96 {
                    try await log.flush()
                    mustSurvive = max(mustSurvive, returned)
                } else {
                    try await log.close()
                    mustSurvive = max(mustSurvive, returned)
                    log = try openLog()
                }
            } catch let error as LogError {
                if tracing { print("sim: error \(error)") }
                if case .io(let failure) = error, failure.errno == .noSpace { continue }
                if case .poisoned(let cause) = error, cause.operation.contains("sync") || cause.operation.contains("DSYNC") { sawSyncFailure = true }
                break
            } catch {
                failures.append(fail("unexpected error \(error)"))
                break
            }
            if durability != .deferred { mustSurvive = max(mustSurvive, returned) }
            mustSurvive = max(mustSurvive, min(log.durableSequence, returned))
        }
        if disk.stats.syncIOErrors > syncFailuresBefore { sawSyncFailure = true }
        let crashed = disk.stats.crashes.values.reduce(0, +) > crashes
        if crashed { report.injectedMidOperationCrashes += 1 }
        return crashed
    }

    /// 1-8 concurrent appends (single records, or with `batches` some of 1-12 records). Each
    /// payload is a candidate for every sequence the wave may take; throws the first error
    /// once all returned.
    mutating func appendWave(_ log: Log, batches: Bool) async throws {
        var wave: [[[UInt8]]] = []
        for _ in 0..<random.int(in: 1...8) {
            if batches && random.chance(0.5) {
                var batch: [[UInt8]] = []
                for _ in 0..<random.int(in: 1...12) { batch.append(payload(maxSize: random.chance(0.2) ? log.maxRecordSize : 300)) }
                wave.append(batch)
            } else {
                wave.append([payload(maxSize: log.maxRecordSize)])
            }
        }
        let next = log.lastSequence + 1
        let all = wave.flatMap { $0 } + unresolved
        for i in 0..<all.count {
            let index = Int(next) - 1 + i
            while candidates.count <= index { candidates.append([]) }
            candidates[index] += all
        }
        let results = await withTaskGroup(of: (Int, Result<Range<UInt64>, LogError>).self) { group in
            for (i, payloads) in wave.enumerated() {
                group.addTask {
                    do throws(LogError) { return (i, .success(try await log.append(contentsOf: payloads))) } catch { return (i, .failure(error)) }
                }
            }
            var out: [(Int, Result<Range<UInt64>, LogError>)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        var firstError: LogError?
        for (i, result) in results {
            switch result {
            case .success(let range):
                if range.count != wave[i].count { failures.append(fail("wave append returned \(range) for \(wave[i].count) records")) }
                for (j, seq) in range.enumerated() where j < wave[i].count { acknowledge(seq, wave[i][j]) }
            case .failure(let error):
                unresolved += wave[i]
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }
}
