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
///   provably harmless: an identical dump), never taken for a torn tail; inside the durable
///   prefix a writer's open trusts, it is refused by every reader and left untouched.
///
/// ``init(seed:durability:depth:)`` picks the durability mode (`.sync`, `.group`, `.deferred`)
/// and `LogOptions.maxCommitsInFlight` (1-4), over a storage that keeps up to 4 synced writes
/// in flight and completes them in a seeded random order (``SimulatedStorage/init(seed:writesInFlight:)``).
/// At depth 1 the epochs run through `LogWriter` (one write in flight, deterministic). Above 1
/// they run through `Log` (its committer thread keeps up to *depth* batches in flight), appending
/// in waves of 1-8 concurrent single or batch appends; each record of a wave may land on any
/// sequence of the wave's range, so each is a candidate for all of them (plus appends that
/// failed earlier in the epoch). The workload and the storage's choices replay from the seed;
/// the thread interleaving may not. `.deferred` caps the depth at 1 (it syncs no commit), so its
/// depth-2-4 cycles are `Log` cycles at depth 1 (inline commits by a lone producer included).
/// ``init(seed:marksIdle:)`` is the original cycle (`.sync` or `.deferred` by the seed's parity,
/// `LogWriter`, every write completed inside its call), kept for the regression seeds.
struct CrashCycle {
    let seed: UInt64
    var random: SimulationRandom
    let disk: SimulatedStorage
    let directory = "/log"
    var options: LogOptions
    let durability: Durability
    /// `LogOptions.maxCommitsInFlight`.
    let depth: Int
    /// The epochs run through `Log` (depth above 1), else `LogWriter`.
    let usesLog: Bool
    /// Payloads of appends that failed in this epoch: they may still sit at any later sequence.
    var unresolved: [[UInt8]] = []
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
        /// Flips inside the durable prefix a writer's open trusted, refused by every reader.
        var flipsLeftToReaders = 0
        var injectedMidOperationCrashes = 0
        /// Reopens after a power loss that removed committed, never-synced batches after damage
        /// (a `.deferred` log whose write-back kept a later batch and lost an earlier one).
        var unsyncedTailsRemoved = 0
        /// The records those reopens removed (acknowledged to the page cache only).
        var unsyncedRecordsDiscarded = 0
        /// What the damage in front of those batches was, by reason code.
        var unsyncedTailReasons: [String: Int] = [:]
        /// `markIdle()` calls that wrote a vouching frame.
        var idleFrames = 0
    }

    init(seed: UInt64, marksIdle: Bool = true) {
        self.init(seed: seed, marksIdle: marksIdle, durability: seed & 1 == 0 ? .sync : .deferred, depth: 1, writesInFlight: 1)
    }

    /// A cycle in `durability` at commit depth `depth` (1-4), writes kept in flight.
    init(seed: UInt64, durability: Durability, depth: Int) {
        self.init(seed: seed, marksIdle: true, durability: durability, depth: depth, writesInFlight: 4)
    }

    /// The durability mode and depth of cycle `seed` in a run: the 12 combinations in turn.
    static func configuration(_ seed: UInt64) -> (Durability, Int) {
        let modes: [Durability] = [.sync, .group(maxDelay: .microseconds(200), maxBytes: 1 << 16), .deferred]
        return (modes[Int(seed % 3)], 1 + Int(seed / 3 % 4))
    }

    private init(seed: UInt64, marksIdle: Bool, durability: Durability, depth: Int, writesInFlight: Int) {
        self.seed = seed
        self.marksIdle = marksIdle
        random = SimulationRandom(seed: seed)
        disk = SimulatedStorage(seed: random.next(), writesInFlight: writesInFlight)
        options = LogOptions(segmentSize: 64 * 1024, recoveryPolicy: .truncateTornTail, backend: .posix)
        options.maxCommitsInFlight = depth
        options.logger = .simulation
        // Marks raised every few blocks: the durable prefix `HIGHWATER` records moves often
        // inside a 64 KiB segment, and crashes land between its writes.
        options.highWaterStep = SegmentLayout.blockSize * (1 + random.int(in: 0..<4))
        // The open segment read from the medium a few blocks at a time (`SegmentStream`), as a
        // large segment is: windows end inside frames, batches and torn tails.
        options.recoveryReadWindow = SegmentLayout.blockSize * (1 + Int(seed % 5))
        // Further commits begin as the log measures best, at once, or batched (`CommitPacing`).
        options.commitRule = [nil, .eager, .batching][Int(seed / 5 % 3)]
        if seed % 2 == 1 { Self.growSegments(&options) }
        self.durability = durability
        self.depth = depth
        usesLog = depth > 1
        // The crashed process's threads stop reaching the disk (not the legacy cycles' choice).
        disk.haltsAfterCrash = writesInFlight > 1
        if usesLog && random.chance(0.5) { options.idleVouchDelay = .zero }
        if ProcessInfo.processInfo.environment["AQ_SIM_TRACE"] != nil { disk.trace { print("sim: \($0)") } }
    }

    /// Segments that grow 64, 128, 256 KiB: rolls between segments of different sizes, and
    /// crashes inside them.
    static func growSegments(_ options: inout LogOptions) {
        options.segmentSize = 256 * 1024
        options.initialSegmentSize = 64 * 1024
        options.maxRecordSize = SegmentLayout.largestRecord(segmentSize: 64 * 1024)
    }

    func fail(_ message: String) -> String { "seed \(seed) (\(durability), depth \(depth)): \(message)" }

    /// The log being driven.
    enum Handle {
        case writer(LogWriter)
        case log(Log)

        var recoveryReport: RecoveryReport {
            switch self { case .writer(let w): w.recoveryReport; case .log(let l): l.recoveryReport }
        }
        var lastSequence: UInt64 {
            switch self { case .writer(let w): w.lastSequence; case .log(let l): l.lastSequence }
        }
        func close() async throws {
            switch self { case .writer(let w): try w.close(); case .log(let l): try await l.close() }
        }
    }

    func openHandle() throws -> Handle {
        usesLog ? .log(try openLog()) : .writer(try open())
    }

    func openLog() throws -> Log {
        try Log(directory: directory, options: options, durability: durability, storage: disk, backgroundPreparation: false)
    }

    /// Runs the cycle; returns the invariant violations (empty when it passed).
    mutating func run() async -> [String] {
        var writer: Handle
        do { writer = try openHandle() } catch { return [fail("first open failed: \(error)")] }
        for _ in 0..<random.int(in: 1...3) {
            report.epochs += 1
            let mode = CrashMode.allCases.randomElement(using: &random)!
            // The writer stays referenced until after the crash: a deinit close must not run first.
            // Always end with a crash: a crash fired inside a swallowed failure (the next segment's
            // preparation) can let the workload reopen and continue in the new generation.
            switch writer {
            case .writer(var w):
                _ = epoch(&w, crashMode: mode)
                writer = .writer(w)
            case .log(var l):
                _ = await logEpoch(&l, crashMode: mode)
                writer = .log(l)
            }
            disk.crash(mode)
            disk.clearFaults()
            // The crashed log's committer thread stops (its handles are dead: nothing reaches the disk).
            if case .log(let l) = writer { try? await l.close() }
            disk.resume()
            unresolved = []
            if mode == .keepUnsynced && !sawSyncFailure { mustSurvive = max(mustSurvive, returned) }
            flipAtRestAndExpectCorruption()
            guard failures.isEmpty else { return failures }
            // Every crash, power losses of `.deferred` logs included, reopens by itself: a
            // power loss that writes back a later unsynced batch but not an earlier one leaves
            // damage followed by committed batches no frame vouches durable, which recovery
            // removes as a torn tail. `check` then finds every durable record intact.
            do { writer = try openHandle() } catch {
                return failures + [fail("reopen after a \(mode) crash failed: \(error)")]
            }
            if let torn = writer.recoveryReport.tornTail, torn.unsyncedCommittedRecords > 0 {
                guard durability == .deferred || depth > 1 else {
                    return failures + [fail("a \(durability) log at depth 1 removed committed records as never synced: \(torn)")]
                }
                if durability == .deferred { report.unsyncedTailsRemoved += 1 }
                report.unsyncedRecordsDiscarded += torn.unsyncedCommittedRecords
                report.unsyncedTailReasons[torn.reason.code, default: 0] += 1
            }
            check(writer)
            guard failures.isEmpty else { return failures }
        }
        do { try await writer.close() } catch { failures.append(fail("final close failed: \(error)")) }
        return failures
    }

    var sawSyncFailure = false
    var tracing: Bool { ProcessInfo.processInfo.environment["AQ_SIM_TRACE"] != nil }

    func open() throws -> LogWriter {
        try LogWriter(directory: directory, options: options, durability: durability, storage: disk, backgroundPreparation: false)
    }

    /// Arms an epoch: its crash, and one epoch in four background fault rates. Returns the
    /// crashes counted so far.
    mutating func armEpoch(_ crashMode: CrashMode) -> Int {
        let crashes = disk.stats.crashes.values.reduce(0, +)
        disk.schedule(FaultTrigger(skip: random.int(in: 0...120), action: .crash(crashMode)))
        if random.chance(0.25) {
            disk.faultRates = FaultRates(writeIOError: 0.01, writeNoSpace: 0.005, shortWrite: 0.05,
                                         syncIOError: 0.01, preallocateNoSpace: 0.1)
        }
        return crashes
    }

    /// Runs a workload until the armed crash fires or the budget ends; true when it crashed.
    mutating func epoch(_ writer: inout LogWriter, crashMode: CrashMode) -> Bool {
        sawSyncFailure = false
        let syncFailuresBefore = disk.stats.syncIOErrors
        // A failed fdatasync anywhere (even the best-effort one while poisoning) may drop page-cache
        // data: records acknowledged only to the page cache are then not promised to survive.
        defer { if disk.stats.syncIOErrors > syncFailuresBefore { sawSyncFailure = true } }
        let crashes = armEpoch(crashMode)
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
                    if marksIdle, durability != .deferred {
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
            if durability != .deferred { mustSurvive = max(mustSurvive, returned) }
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

}
