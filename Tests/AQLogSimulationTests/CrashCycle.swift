import AQLog
import Foundation
import AQLogSimulation

/// One deterministic crash-recover cycle over ``SimulatedStorage``, driven entirely by a seed.
///
/// A cycle runs up to three epochs. Each epoch opens the log (recovering what the previous
/// crash left), runs a random workload (single and batch appends of sizes from 0 to the
/// maximum, flushes, clean reopens) with a crash armed on a random future storage operation
/// (so crashes land inside commits, seals, rolls and preparations), crashes, optionally flips
/// a bit at rest in a vouched-for frame, then reopens and checks the invariants:
///
/// - every acknowledged record is present with identical bytes (acknowledged = returned under
///   `.sync`; returned and covered by a later `flush`/roll under `.deferred`; returned under
///   either mode when the crash was a process crash that keeps the page cache);
/// - nothing is invented: each recovered record holds bytes some append gave that sequence;
/// - sequences are dense from 1;
/// - a bit flip below a commit point is refused as corruption with the file untouched (or is
///   provably harmless: an identical dump), never taken for a torn tail.
struct CrashCycle {
    let seed: UInt64
    var random: SimulationRandom
    let disk: SimulatedStorage
    let directory = "/log"
    let options: LogOptions
    let durability: Durability
    /// Payloads by sequence - 1: what is known on disk, then what this epoch attempted.
    var candidates: [[[UInt8]]] = []
    /// Highest sequence that must survive any crash.
    var mustSurvive: UInt64 = 0
    /// Highest sequence returned to a caller (survives a process crash).
    var returned: UInt64 = 0
    var failures: [String] = []
    var report = Report()
    /// Whether a `.sync` flush is followed by `markIdle()` (its vouching frame, and a close that
    /// then adds no marker). Off only to replay seeds found before it joined the workload.
    let marksIdle: Bool

    /// What a cycle did (summed by the test for its closing figures).
    struct Report {
        var epochs = 0
        var acknowledgedChecked = 0
        var recordsRecovered = 0
        var tornTails = 0
        var flipsDetected = 0
        var flipsHarmless = 0
        var injectedMidOperationCrashes = 0
        var deferredPowerLossRefusals = 0
        /// Committed, never-synced records `repair --discard-unsynced` removed after those refusals.
        var unsyncedRecordsDiscarded = 0
        var refusalReasons: [String: Int] = [:]
        /// `markIdle()` calls that wrote a vouching frame.
        var idleFrames = 0
    }

    init(seed: UInt64, marksIdle: Bool = true) {
        self.seed = seed
        self.marksIdle = marksIdle
        random = SimulationRandom(seed: seed)
        disk = SimulatedStorage(seed: random.next())
        options = LogOptions(segmentSize: 64 * 1024, recoveryPolicy: .truncateTornTail, backend: .posix)
        durability = seed & 1 == 0 ? .sync : .deferred
        if ProcessInfo.processInfo.environment["AQ_SIM_TRACE"] != nil { disk.trace { print("sim: \($0)") } }
    }

    func fail(_ message: String) -> String { "seed \(seed) (\(durability)): \(message)" }

    /// Runs the cycle; returns the invariant violations (empty when it passed).
    mutating func run() -> [String] {
        var writer: LogWriter
        do { writer = try open() } catch { return [fail("first open failed: \(error)")] }
        for _ in 0..<random.int(in: 1...3) {
            report.epochs += 1
            let mode = CrashMode.allCases.randomElement(using: &random)!
            // The writer stays referenced until after the crash: a deinit close must not run first.
            // Always end with a crash: a crash fired inside a swallowed failure (the next segment's
            // preparation) can let the workload reopen and continue in the new generation.
            _ = epoch(&writer, crashMode: mode)
            disk.crash(mode)
            disk.clearFaults()
            if mode == .keepUnsynced && !sawSyncFailure { mustSurvive = max(mustSurvive, returned) }
            flipAtRestAndExpectCorruption()
            guard failures.isEmpty else { return failures }
            do { writer = try open() } catch LogError.corruption(let diagnosis)
                where durability == .deferred && (mode == .randomSubset || mode == .tornTail) {
                // Deferred mode leaves many batches unsynced; a power loss that writes back a later
                // batch but not an earlier one leaves damage followed by a committed batch, which
                // SPEC §6 classifies as corruption, so the default policy refuses the log.
                report.deferredPowerLossRefusals += 1
                report.refusalReasons[diagnosis.reason.code, default: 0] += 1
                if !acknowledgedIntact(before: diagnosis) {
                    return failures + [fail("refused (\(diagnosis)) and acknowledged records through \(mustSurvive) are not intact before it")]
                }
                // The operator's way out (`repair --discard-unsynced`) must take it, keep every
                // synced record (check below) and leave a log that opens.
                do {
                    let repaired = try LogRepair.repair(directory: directory, policy: .discardUnsynced, storage: disk)
                    report.unsyncedRecordsDiscarded += repaired.tornTail?.unsyncedCommittedRecords ?? 0
                    writer = try open()
                } catch {
                    return failures + [fail("refused (\(diagnosis)); repair --discard-unsynced then failed: \(error)")]
                }
            } catch {
                return failures + [fail("reopen after a \(mode) crash failed: \(error)")]
            }
            check(writer)
            guard failures.isEmpty else { return failures }
        }
        do { try writer.close() } catch { failures.append(fail("final close failed: \(error)")) }
        return failures
    }

    var sawSyncFailure = false
    var tracing: Bool { ProcessInfo.processInfo.environment["AQ_SIM_TRACE"] != nil }

    func open() throws -> LogWriter {
        try LogWriter(directory: directory, options: options, durability: durability, storage: disk, backgroundPreparation: false)
    }

    /// Runs a workload until the armed crash fires or the budget ends; true when it crashed.
    mutating func epoch(_ writer: inout LogWriter, crashMode: CrashMode) -> Bool {
        sawSyncFailure = false
        let syncFailuresBefore = disk.stats.syncIOErrors
        // A failed fdatasync anywhere (even the best-effort one while poisoning) may drop page-cache
        // data: records acknowledged only to the page cache are then not promised to survive.
        defer { if disk.stats.syncIOErrors > syncFailuresBefore { sawSyncFailure = true } }
        let crashes = disk.stats.crashes.values.reduce(0, +)
        disk.schedule(FaultTrigger(skip: random.int(in: 0...120), action: .crash(crashMode)))
        if random.chance(0.25) {
            disk.faultRates = FaultRates(writeIOError: 0.01, writeNoSpace: 0.005, shortWrite: 0.05,
                                         syncIOError: 0.01, preallocateNoSpace: 0.1)
        }
        for _ in 0..<random.int(in: 5...60) {
            let roll = random.int(in: 0..<100)
            if tracing { print("sim: op \(roll) next \(writer.nextSequence) mustSurvive \(mustSurvive)") }
            do {
                if roll < 65 {
                    try appendOne(writer)
                } else if roll < 90 {
                    try appendBatch(writer)
                } else if roll < 96 {
                    try writer.flush()
                    mustSurvive = max(mustSurvive, returned)
                    if marksIdle, case .sync = durability {
                        let operations = disk.stats.operations
                        try writer.markIdle()
                        if disk.stats.operations > operations { report.idleFrames += 1 }
                    }
                } else {
                    try writer.close()
                    mustSurvive = max(mustSurvive, returned)
                    writer = try open()
                }
            } catch let error as LogError {
                if tracing { print("sim: error \(error)") }
                if case .io(let failure) = error, failure.errno == .noSpace { continue }   // clean ENOSPC: keep going
                if case .poisoned(let cause) = error, cause.operation.contains("sync") { sawSyncFailure = true }
                break
            } catch {
                failures.append(fail("unexpected error \(error)"))
                break
            }
            if case .sync = durability { mustSurvive = max(mustSurvive, returned) }
            mustSurvive = max(mustSurvive, min(writer.durableSequence, returned))
        }
        let crashed = disk.stats.crashes.values.reduce(0, +) > crashes
        if crashed { report.injectedMidOperationCrashes += 1 }
        return crashed
    }

    mutating func payload(maxSize: Int) -> [UInt8] {
        let size: Int
        switch random.int(in: 0..<100) {
        case 0..<8: size = 0
        case 8..<70: size = random.int(in: 1...200)
        case 70..<95: size = random.int(in: 201...4_000)
        default: size = maxSize - random.int(in: 0...16)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var x = random.next() | 1
        for i in 0..<size { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bytes[i] = UInt8(truncatingIfNeeded: x) }
        return bytes
    }

    mutating func attempt(_ payloads: [[UInt8]], from next: UInt64) {
        for (i, p) in payloads.enumerated() {
            let index = Int(next) - 1 + i
            while candidates.count <= index { candidates.append([]) }
            candidates[index].append(p)
        }
    }

    mutating func appendOne(_ writer: LogWriter) throws {
        let p = payload(maxSize: writer.maxRecordSize)
        let next = writer.nextSequence
        attempt([p], from: next)
        let seq = try writer.append(p)
        if seq != next { failures.append(fail("append returned \(seq), expected \(next)")) }
        acknowledge(seq, p)
    }

    mutating func appendBatch(_ writer: LogWriter) throws {
        let count = random.int(in: 1...12)
        var batch: [[UInt8]] = []
        for _ in 0..<count { batch.append(payload(maxSize: random.chance(0.2) ? writer.maxRecordSize : 300)) }
        let next = writer.nextSequence
        attempt(batch, from: next)
        let range = try writer.append(contentsOf: batch)
        if range != next..<(next + UInt64(count)) { failures.append(fail("batch returned \(range)")) }
        for (i, seq) in range.enumerated() { acknowledge(seq, batch[i]) }
    }

    /// A returned record: its bytes are now the only acceptable ones for its sequence.
    mutating func acknowledge(_ seq: UInt64, _ bytes: [UInt8]) {
        candidates[Int(seq) - 1] = [bytes]
        returned = max(returned, seq)
    }

    /// Checks the recovered log against the model, then makes the recovered state the model.
    mutating func check(_ writer: LogWriter) {
        if writer.recoveryReport.tornTail != nil { report.tornTails += 1 }
        let reader: LogReader
        do { reader = try LogReader(directory: directory, storage: disk) } catch {
            failures.append(fail("reader open failed: \(error)"))
            return
        }
        let last = reader.lastSequence
        if last < mustSurvive { failures.append(fail("lost acknowledged records: recovered through \(last), acknowledged \(mustSurvive)")) }
        if writer.lastSequence != last { failures.append(fail("writer sees \(writer.lastSequence), reader \(last)")) }
        var expected: UInt64 = 1
        var recovered: [[[UInt8]]] = []
        do {
            try reader.forEach { seq, bytes in
                if seq != expected { failures.append(fail("sequence \(seq) where \(expected) was expected")); return false }
                expected += 1
                let got = Array(bytes)
                let index = Int(seq) - 1
                let options = index < candidates.count ? candidates[index] : []
                if seq <= mustSurvive, options.count != 1 || options[0] != got {
                    failures.append(fail("acknowledged record \(seq) has different bytes (\(got.count) bytes)"))
                    return false
                }
                if !options.contains(got) {
                    failures.append(fail("record \(seq) holds bytes nobody appended (\(got.count) bytes)"))
                    return false
                }
                recovered.append([got])
                return true
            }
        } catch {
            failures.append(fail("reading recovered log failed: \(error)"))
        }
        if failures.isEmpty, expected != last + 1 { failures.append(fail("dump ended at \(expected - 1), log says \(last)")) }
        report.acknowledgedChecked += Int(min(mustSurvive, last))
        report.recordsRecovered += Int(last)
        candidates = recovered
        mustSurvive = last
        returned = last
    }

    /// After a refusal: every acknowledged record of the refused (last) segment is on disk, with
    /// its bytes, in frames that end before the reported damage. Nothing acknowledged is lost;
    /// the log needs an operator.
    func acknowledgedIntact(before diagnosis: CorruptionDiagnosis) -> Bool {
        guard let bytes = disk.contents(of: diagnosis.file) else { return false }
        return bytes.withUnsafeBytes { b -> Bool in
            guard case .success(let (header, _)) = SegmentHeader.decode(b) else { return false }
            var expected = header.baseSequence
            var pos = SegmentLayout.dataStart
            while expected <= mustSurvive {
                guard pos + FrameHeader.size <= diagnosis.offset else { return false }
                let h = FrameHeader(b, at: pos)
                guard pos + h.frameSize <= diagnosis.offset else { return false }
                if !h.isCommit {
                    let index = Int(expected) - 1
                    guard h.sequence == expected, index < candidates.count, candidates[index].count == 1,
                          Array(b[(pos + FrameHeader.size)..<(pos + FrameHeader.size + Int(h.length))]) == candidates[index][0]
                    else { return false }
                    expected += 1
                }
                pos += h.frameSize
            }
            return true
        }
    }

    /// With some probability, flips one bit of a record or commit frame that a later committed
    /// batch vouches for, in the open segment; recovery must refuse it and change nothing, or
    /// the flip must be provably harmless (an unchecked padding byte: identical dump).
    mutating func flipAtRestAndExpectCorruption() {
        guard random.chance(0.2) else { return }
        // A process crash leaves dirty pages, which write-back would lay over the flip: the
        // open segment is written back first (what the next open's settling does anyway).
        if let open = (try? LogReader(directory: directory, storage: disk))?.segments.last, !open.isSealed {
            disk.writeBack(path: open.path)
        }
        guard let target = vouchedFrameByte(), let baseline = try? dump() else { return }
        let (path, offset) = target
        let bit = offset * 8 + random.int(in: 0..<8)
        let before = disk.contents(of: path)
        disk.flipBit(path: path, bit: bit)
        let flipped = disk.contents(of: path)
        let detectedBefore = report.flipsDetected
        do {
            let w = try open()
            let torn = w.recoveryReport.tornTail
            if (try? dump()) == baseline {
                report.flipsHarmless += 1
            } else {
                failures.append(fail("flip at \(path) bit \(bit) was not refused (torn: \(String(describing: torn)))"))
            }
            disk.crash(.keepUnsynced)   // drop this writer without a close marker
        } catch LogError.corruption {
            report.flipsDetected += 1
            if disk.contents(of: path) != flipped { failures.append(fail("refused log was modified after flip at bit \(bit)")) }
        } catch {
            failures.append(fail("flip at bit \(bit): unexpected \(error)"))
        }
        disk.flipBit(path: path, bit: bit)
        if report.flipsDetected > detectedBefore, disk.contents(of: path) != before { failures.append(fail("flip not restored")) }
    }

    /// Every record, read through a fresh read-only reader.
    func dump() throws -> [[UInt8]] {
        let reader = try LogReader(directory: directory, storage: disk)
        var out: [[UInt8]] = []
        try reader.forEach { _, bytes in out.append(Array(bytes)); return true }
        return out
    }

    /// A payload or header byte of a frame followed by a complete committed batch in the open segment.
    mutating func vouchedFrameByte() -> (String, Int)? {
        guard let reader = try? LogReader(directory: directory, storage: disk),
              let open = reader.segments.last, !open.isSealed,
              let bytes = disk.contents(of: open.path) else { return nil }
        var frames: [(offset: Int, size: Int, commit: Bool)] = []
        bytes.withUnsafeBytes { b in
            var pos = SegmentLayout.dataStart
            while pos + FrameHeader.size <= open.dataEnd {
                let h = FrameHeader(b, at: pos)
                frames.append((pos, FrameHeader.size + Int(h.length), h.isCommit))
                pos += h.frameSize
            }
        }
        let commits = frames.indices.filter { frames[$0].commit }
        guard commits.count >= 2 else { return nil }
        let frame = frames[random.int(in: 0...commits[commits.count - 2])]
        return (open.path, frame.offset + random.int(in: 0..<frame.size))
    }
}
