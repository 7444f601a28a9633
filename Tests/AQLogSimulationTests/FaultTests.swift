import Testing
import SystemPackage
import AQLog
@testable import AQLogSimulation

/// The log's failure semantics (docs/DESIGN.md, "Failure semantics") under injected storage faults.
@Suite struct FaultTests {
    let directory = "/log"
    let options = LogOptions(segmentSize: 64 * 1024, backend: .posix)

    func open(_ disk: SimulatedStorage, _ durability: Durability = .sync) throws -> LogWriter {
        try LogWriter(directory: directory, options: options, durability: durability, storage: disk, backgroundPreparation: false)
    }

    func records(_ disk: SimulatedStorage) throws -> [[UInt8]] {
        let reader = try LogReader(directory: directory, storage: disk)
        var out: [[UInt8]] = []
        try reader.forEach { _, b in out.append(Array(b)); return true }
        return out
    }

    func payload(_ i: Int) -> [UInt8] { (0..<(i * 13 % 700)).map { UInt8(truncatingIfNeeded: $0 &+ i) } }

    @Test(arguments: [Durability.sync, .deferred])
    func failedSyncPoisonsAndReopenRecoversEverythingAcknowledged(durability: Durability) throws {
        let disk = SimulatedStorage(seed: 11)
        let log = try open(disk, durability)
        var acknowledged: [[UInt8]] = []
        for i in 0..<40 { try log.append(payload(i)); acknowledged.append(payload(i)) }
        try log.flush()
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError)))
        #expect {
            try log.append(payload(40))
            try log.flush()
        } throws: { if case .poisoned(let cause) = $0 as? LogError { return cause.errno == .ioError } else { return false } }
        for i in 41..<45 {
            #expect { try log.append(payload(i)) } throws: { if case .poisoned = $0 as? LogError { true } else { false } }
        }
        #expect { try log.flush() } throws: { if case .poisoned = $0 as? LogError { true } else { false } }
        disk.crash(.dropUnsynced)
        let reopened = try open(disk, durability)
        let got = try records(disk)
        #expect(Array(got.prefix(40)) == acknowledged)
        #expect(got.count == 40, "the record whose sync failed was never made durable")
        #expect(try reopened.append(payload(99)) == 41)
        try reopened.close()
    }

    /// A killed deferred writer's pages whose write-back fails when the next writer's open
    /// syncs them: that open drops them and recovers from the medium (the flushed records),
    /// instead of failing, and the log keeps working.
    @Test func aWriteBackErrorFoundAtOpenIsDroppedAndRecoveryReadsTheMedium() throws {
        let disk = SimulatedStorage(seed: 12)
        let log = try open(disk, .deferred)
        let flushed = (0..<40).map(payload)
        for p in flushed { try log.append(p) }
        try log.flush()
        for i in 40..<45 { try log.append(payload(i)) }  // acknowledged to the page cache only
        disk.crash(.keepUnsynced)
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError)))  // the open's first sync
        let reopened = try open(disk, .deferred)
        #expect(try records(disk) == flushed, "what the medium holds; the unflushed tail is gone")
        #expect(try reopened.append(payload(99)) == 41)
        try reopened.close()
    }

    @Test func failedWriteLeavesNothingRecoveryTakesForData() throws {
        for seed in 0..<40 as Range<UInt64> {
            let disk = SimulatedStorage(seed: seed)
            let log = try open(disk)
            for i in 0..<10 { try log.append(payload(i)) }
            disk.schedule(FaultTrigger(on: .write, action: .fail(.ioError)))
            #expect { try log.append(contentsOf: (10..<16).map(payload)) } throws: {
                if case .poisoned(let cause) = $0 as? LogError { cause.operation == "pwrite" } else { false }
            }
            // Without a crash (pages still cached) and after one: never the failed batch.
            #expect(try records(disk) == (0..<10).map(payload), "seed \(seed)")
            disk.crash(CrashMode.allCases[Int(seed) % 4])
            let reopened = try open(disk)
            #expect(try records(disk) == (0..<10).map(payload), "seed \(seed)")
            #expect(reopened.lastSequence == 10)
            try reopened.close()
        }
    }

    @Test func noSpaceAtPreallocationFailsCleanlyAndTheLogKeepsWorking() throws {
        let disk = SimulatedStorage(seed: 5)
        let log = try open(disk)
        let big = [UInt8](repeating: 0xAB, count: 9_000)
        disk.schedule(FaultTrigger(on: .preallocate, action: .fail(.noSpace), persistent: true))
        var appended = 0
        var failure: LogError?
        for _ in 0..<20 {
            do { try log.append(big); appended += 1 } catch { failure = error; break }
        }
        guard case .io(let io)? = failure else { Issue.record("expected ENOSPC, got \(String(describing: failure))"); return }
        #expect(io.errno == .noSpace)
        #expect(appended > 0 && log.lastSequence == UInt64(appended))
        // Not poisoned: appends that fit still work; the one that needs a roll keeps failing cleanly.
        try log.append([1, 2, 3])
        #expect { try log.append(big) } throws: { if case .io(let f) = $0 as? LogError { f.errno == .noSpace } else { false } }
        disk.clearFaults()
        // Space returned: the very next append rolls and the log continues.
        try log.append(big)
        for _ in 0..<10 { try log.append(big) }
        let count = log.lastSequence
        try log.close()
        #expect(try records(disk).count == Int(count))
        #expect(disk.stats.preallocateNoSpace >= 2)
    }

    /// A roll by age (``LogOptions/maximumSegmentAge``) that cannot prepare the next segment is
    /// tried again one age later, not in a loop, and the log keeps working.
    @Test func aFailedRollByAgeIsRetriedAnAgeLater() async throws {
        let disk = SimulatedStorage(seed: 11)
        var options = self.options
        options.maximumSegmentAge = .milliseconds(50)
        let log = try Log(directory: directory, options: options, durability: .sync, storage: disk)
        try await log.append([1])
        disk.schedule(FaultTrigger(on: .preallocate, action: .fail(.noSpace), persistent: true))
        let start = ContinuousClock.now
        // Appends keep the segment holding records; each may fail with ENOSPC (it waited for
        // the next segment). Until the roll failed a few times, however slowly the suite runs.
        while disk.stats.preallocateNoSpace < 3 && ContinuousClock.now - start < .seconds(300) {
            _ = try? await log.append([2])
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - start
        let attempts = disk.stats.preallocateNoSpace
        #expect(attempts >= 3, "the roll was tried")
        // One attempt per 50 ms age, with room for timing: a retry loop makes thousands a second.
        let allowed = 10 + Int(elapsed / .milliseconds(10))
        #expect(attempts <= allowed, "one attempt per age, not a loop: \(attempts) in \(elapsed)")
        disk.clearFaults()
        let sequence = try await log.append([3])
        try await log.close()
        #expect(try records(disk).last == [3] && sequence == UInt64(try records(disk).count))
    }

    @Test func shortWritesAreContinuedByTheLog() throws {
        let disk = SimulatedStorage(seed: 8)
        disk.faultRates = FaultRates(shortWrite: 0.5)
        let log = try open(disk)
        for i in 0..<200 { try log.append(payload(i)) }
        try log.close()
        #expect(disk.stats.shortWrites > 10)
        disk.crash(.dropUnsynced)
        #expect(try records(disk) == (0..<200).map(payload))
    }

    @Test func crashInTheMiddleOfEveryRollStepLosesNothing() throws {
        // Operation k of the append that rolls, for every k: seal write, seal sync, header write,
        // header sync, rename, directory sync, next preparation.
        for step in 0..<12 {
            for mode in CrashMode.powerLoss {
                let disk = SimulatedStorage(seed: UInt64(step))
                let log = try open(disk)
                let big = [UInt8](repeating: 7, count: 12_000)
                while log.lastSequence < 4 { try log.append(big) }   // the 5th does not fit: it rolls
                disk.schedule(FaultTrigger(skip: step, action: .crash(mode)))
                let fifth = try? log.append(big)
                disk.crash(mode)
                disk.clearFaults()
                let reopened = try open(disk)
                let got = try records(disk)
                #expect(got.count >= (fifth == nil ? 4 : 5), "step \(step) \(mode)")
                #expect(got.allSatisfy { $0 == big })
                try reopened.append([1])
                try reopened.close()
            }
        }
    }
}

extension FaultTests {
    /// The next segment is prepared right after a roll; if that preparation hit ENOSPC and space
    /// returned before the next roll, the roll must not fail with the stale error.
    @Test func staleNoSpaceFromAnEarlierPreparationDoesNotFailTheNextRoll() throws {
        let disk = SimulatedStorage(seed: 9)
        let log = try open(disk)
        let big = [UInt8](repeating: 0x5A, count: 9_000)
        disk.schedule(FaultTrigger(on: .preallocate, action: .fail(.noSpace)))   // the preparation after roll 1
        while disk.stats.preallocateNoSpace == 0 { try log.append(big) }
        #expect(disk.stats.preallocateNoSpace == 1)
        disk.clearFaults()   // space is back before the next roll
        let before = log.lastSequence
        for _ in 0..<8 { try log.append(big) }   // includes the next roll
        #expect(log.lastSequence == before + 8)
        try log.close()
    }
}

extension FaultTests {
    /// `close()` promises a flush. In deferred mode, when the active segment had no room left
    /// for the close marker, close used to sync nothing: the records appended since the last
    /// flush were lost by a later power loss (found by crash-cycle seed 7002277).
    @Test func deferredCloseMakesEverythingDurableEvenWithoutRoomForTheMarker() throws {
        // 16 records of 3,536 bytes end exactly at the index block (no room for the marker).
        for size in [3_536, 3_529] + Array(stride(from: 3_000, to: 3_400, by: 40)) {
            let record = [UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size)
            // How many records fit in the first segment (the next append would roll)?
            let probe = SimulatedStorage(seed: 1)
            let probeLog = try open(probe, .deferred)
            var fit = 0
            while true {
                try probeLog.append(record)
                if try LogReader(directory: directory, storage: probe).segments.count > 1 { break }
                fit += 1
            }
            try probeLog.close()
            // Exactly that many, close, power loss: all must be there.
            let disk = SimulatedStorage(seed: UInt64(size))
            let log = try open(disk, .deferred)
            for _ in 0..<fit { try log.append(record) }
            try log.close()
            disk.crash(.dropUnsynced)
            #expect(try records(disk).count == fit, "record size \(size)")
        }
    }
}
