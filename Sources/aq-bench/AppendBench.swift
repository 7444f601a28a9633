import AQLog
import CBaseline
import CURing
import Foundation
import Histogram

/// One append scenario of the matrix.
struct AppendSpec: Sendable {
    enum Mode: String, Codable, Sendable { case sync, group, deferred }
    enum API: String, Codable, Sendable {
        /// `Log.append(_:)`, one record per call.
        case single = "Log.append"
        /// `Log.append(contentsOf:)`, `batch` records per call.
        case batch = "Log.append(contentsOf:)"
        /// `LogWriter.append(contentsOf:)` (synchronous single owner), `batch` records per call.
        case writerBatch = "LogWriter.append(contentsOf:)"
    }
    /// `uring-direct`: io_uring with O_DIRECT commits (`PosixStorage.WritePath.uringDirect`, the
    /// default of the uring backend); `uring`: io_uring, buffered; `posix`: pwrite + fdatasync.
    enum BackendName: String, Codable, Sendable {
        case uringDirect = "uring-direct", uring, posix

        var writePath: PosixStorage.WritePath {
            switch self {
            case .uringDirect: return .uringDirect
            case .uring: return .uring
            case .posix: return .posix
            }
        }
    }

    var recordSize: Int
    var producers: Int
    var mode: Mode
    var backend: BackendName
    var api: API = .single
    var batch = 1
    /// Log/baseline pairs run back to back (A B A B ...).
    var repetitions = 1
    /// When set, the log runs with segments this small and background preparation (as users
    /// get it), so the run crosses several rolls: append latency across rolls.
    var rollingSegmentSize: Int? = nil

    var name: String {
        let api = self.api == .single ? "" : (self.api == .batch ? " batch\(batch)" : " writer-batch\(batch)")
        let rolling = rollingSegmentSize.map { " rolling \(formatSize($0))" } ?? ""
        return "\(mode.rawValue) \(formatSize(recordSize)) x\(producers) \(backend.rawValue)\(api)\(rolling)"
    }

    var durability: Durability {
        switch mode {
        case .sync: return .sync
        case .group: return .group(maxDelay: .microseconds(500), maxBytes: 1 << 20)
        case .deferred: return .deferred
        }
    }

    /// The raw loop compared against: linked io_uring write + fdatasync for the uring backend,
    /// pwrite + fdatasync for posix, and buffered pwrite without sync for `deferred`.
    var baselineKind: BaselineKind {
        if mode == .deferred { return .bufferedPwrite }
        switch backend {
        case .uringDirect: return .uringDirectWriteSync
        case .uring: return .uringWriteSync
        case .posix: return .pwriteSync
        }
    }

    /// Whether the C group commit (``AppendResult/threadedBaseline``) runs beside this one.
    var hasThreadedBaseline: Bool { mode == .sync && backend == .uringDirect && api == .single && rollingSegmentSize == nil }

    /// The second baseline (see ``AppendResult/secondBaseline``), when there is one.
    var secondBaselineKind: BaselineKind? {
        if mode == .deferred { return .segmentedBuffered }
        return backend == .uringDirect && rollingSegmentSize == nil ? .uringDirectDataSyncWrite : nil
    }
}

enum BaselineKind: String, Codable, Sendable {
    case uringDirectWriteSync = "liburing linked O_DIRECT write+fdatasync (whole blocks)"
    case uringDirectDataSyncWrite = "liburing O_DIRECT write with RWF_DSYNC (whole blocks)"
    case segmentedBuffered = "buffered writes into fresh fallocate'd segment files, write-back every 8 MiB, fdatasync per full file"
    case uringWriteSync = "liburing linked write+fdatasync"
    case pwriteSync = "pwrite+fdatasync"
    case bufferedPwrite = "pwrite (buffered, no sync)"
}

/// Latency percentiles in microseconds.
struct Latency: Codable, Sendable {
    var p50: Double, p99: Double, p999: Double, mean: Double, max: Double, samples: UInt64

    init(_ h: Histogram<UInt64>) {
        func us(_ v: UInt64) -> Double { Double(v) / 1000 }
        p50 = us(h.valueAtPercentile(50)); p99 = us(h.valueAtPercentile(99)); p999 = us(h.valueAtPercentile(99.9))
        mean = h.mean / 1000; max = us(h.max); samples = h.totalCount
    }
}

private func seconds(_ d: Duration) -> Double {
    let (s, a) = d.components
    return Double(s) + Double(a) / 1e18
}

/// Whole nanoseconds of `d` (negative durations count as 0).
func nanos(_ d: Duration) -> UInt64 {
    let (s, a) = d.components
    return UInt64(max(0, s)) &* 1_000_000_000 &+ UInt64(max(0, a / 1_000_000_000))
}

func newHistogram() -> Histogram<UInt64> {
    Histogram<UInt64>(lowestDiscernibleValue: 100, highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
}

/// Runs the log side of `spec` for `duration` in `directory` (reused across runs of one backend).
func runLog(_ spec: AppendSpec, directory: String, segmentSize: Int, duration: Double, commitDepth: Int?,
            highWaterStep: Int? = nil, commitRule: CommitRule? = nil, producerThreads: Bool = false) async throws -> RunFigures {
    let counters = IOCounters()
    let base = PosixStorage(writePath: spec.backend.writePath)
    let storage = CountingStorage(base, counters: counters)
    var options = LogOptions(segmentSize: spec.rollingSegmentSize ?? segmentSize)
    options.initialSegmentSize = options.segmentSize  // a busy log's segments, from the first record
    if let commitDepth { options.maxCommitsInFlight = commitDepth }
    if let highWaterStep { options.highWaterStep = highWaterStep }
    options.commitRule = commitRule
    let payload = [UInt8](repeating: 0x5A, count: spec.recordSize)
    let batch = [[UInt8]](repeating: payload, count: spec.batch)
    let clock = ContinuousClock()

    // Sync and group runs prepare the next segment during open (before the clock starts):
    // otherwise its 64 MiB zero-fill + fdatasync, started by every open, shares the disk with
    // the first commits (~130 ms stalls here). The caller keeps these runs inside one segment.
    // Deferred and rolling runs roll and keep background preparation, as users get it.
    let background = spec.mode == .deferred || spec.rollingSegmentSize != nil
    if spec.api == .writerBatch {
        let writer = try LogWriter(directory: directory, options: options, durability: spec.durability, storage: storage,
                                   backgroundPreparation: background)
        let segmentsBefore = segmentCount(directory)  // after open: creating the first segment is no roll
        var h = newHistogram()
        let before = counters.snapshot()
        let cpuBefore = processCPUSeconds()
        let start = clock.now
        let deadline = start + .milliseconds(Int(duration * 1000))
        var records = 0
        var now = start
        while now < deadline {
            let t0 = now
            try writer.append(contentsOf: batch)
            now = clock.now
            _ = h.record(nanos(now - t0))
            records += batch.count
        }
        let elapsed = seconds(clock.now - start)
        let cpu = processCPUSeconds() - cpuBefore
        let io = counters.snapshot() - before
        try writer.close()
        var f = figures(records: records, recordSize: spec.recordSize, elapsed: elapsed, io: io, latency: h)
        f.setCPU(seconds: cpu)
        f.rolls = segmentCount(directory) - segmentsBefore
        return f
    }

    let log = try Log(directory: directory, options: options, durability: spec.durability, storage: storage,
                      backgroundPreparation: background)
    let segmentsBefore = segmentCount(directory)
    let before = counters.snapshot()
    let cpuBefore = processCPUSeconds()
    let start = clock.now
    let deadline = start + .milliseconds(Int(duration * 1000))
    let useBatch = spec.api == .batch
    let threads = producerThreads ? (0..<spec.producers).map { _ in ProducerThread() } : []
    defer { threads.forEach { $0.stop() } }
    let (records, histogram) = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
        for i in 0..<spec.producers {
            group.addTask(executorPreference: threads.isEmpty ? nil : threads[i]) {
                var h = newHistogram()
                var n = 0
                var now = clock.now
                while now < deadline {
                    let t0 = now
                    if useBatch {
                        try await log.append(contentsOf: batch)
                        n += batch.count
                    } else {
                        try await log.append(payload)
                        n += 1
                    }
                    now = clock.now
                    _ = h.record(nanos(now - t0))
                }
                return (n, h)
            }
        }
        var total = 0
        var merged = newHistogram()
        for try await (n, h) in group {
            total += n
            merged.add(h)
        }
        return (total, merged)
    }
    let elapsed = seconds(clock.now - start)
    let cpu = processCPUSeconds() - cpuBefore
    let io = counters.snapshot() - before
    try await log.close()
    var f = figures(records: records, recordSize: spec.recordSize, elapsed: elapsed, io: io, latency: histogram)
    f.setCPU(seconds: cpu)
    f.rolls = segmentCount(directory) - segmentsBefore
    f.commitDepth = options.maxCommitsInFlight
    f.paddingBytesPerRecord = Double(io.paddingBytes) / Double(max(records, 1))
    return f
}

/// Segment files in a log directory (0 before it exists).
private func segmentCount(_ directory: String) -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".seg") }.count
}

private func figures(records: Int, recordSize: Int, elapsed: Double, io: IOCounters.Snapshot, latency: Histogram<UInt64>) -> RunFigures {
    RunFigures(records: records, recordSize: recordSize, elapsed: elapsed, syncs: io.syncs, writes: io.writes,
               bytesWritten: io.newBytes, latency: latency)
}

extension RunFigures {
    /// Rates derived from counts over `elapsed` seconds.
    init(records: Int, recordSize: Int, elapsed: Double, syncs: Int, writes: Int, bytesWritten: Int, latency: Histogram<UInt64>) {
        self.init(seconds: elapsed, records: records, recordsPerSecond: Double(records) / elapsed,
                  megabytesPerSecond: Double(records * recordSize) / elapsed / 1e6,
                  syncs: syncs, syncsPerSecond: Double(syncs) / elapsed, writes: writes,
                  recordsPerSync: syncs > 0 ? Double(records) / Double(syncs) : Double(records),
                  bytesWritten: bytesWritten, latencyMicros: Latency(latency))
    }
}

/// A zero-filled, preallocated file the baseline loops write into (like the log's segments).
final class BaselineFile {
    let path: String
    let fd: Int32
    /// The same file opened O_DIRECT (-1 when the filesystem refuses it).
    let directFD: Int32
    let size: Int

    init(path: String, size: Int) throws {
        self.path = path
        self.size = size
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("open \(path): errno \(errno)") }
        let rc = cbase_zero_fill(fd, UInt64(size))
        guard rc == 0 else { throw BenchError("zero-fill \(path): errno \(-rc)") }
        directFD = curing_open(path, O_RDWR | CURING_O_DIRECT, 0)
    }

    deinit {
        if directFD >= 0 { close(directFD) }
        close(fd)
        unlink(path)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The raw loop: `batches` batches of `batchBytes` (each holding `recordsPerBatch` records).
/// `.segmentedBuffered` writes fresh `segmentSize` files in a directory beside `file` instead.
func runBaseline(_ kind: BaselineKind, file: BaselineFile, batchBytes: Int, batches: Int, recordsPerBatch: Double,
                 recordSize: Int, segmentSize: Int = 64 << 20) throws -> RunFigures {
    let segmentDirectory = file.path + ".segments"
    if kind == .segmentedBuffered {
        try FileManager.default.createDirectory(atPath: segmentDirectory, withIntermediateDirectories: true)
    }
    defer { if kind == .segmentedBuffered { try? FileManager.default.removeItem(atPath: segmentDirectory) } }
    var batchBytes = max(1, min(batchBytes, kind == .segmentedBuffered ? segmentSize : file.size / 2))
    // O_DIRECT writes whole blocks, as the log's direct path does (its tail block is rewritten).
    if kind == .uringDirectWriteSync || kind == .uringDirectDataSyncWrite { batchBytes = (batchBytes + 4095) / 4096 * 4096 }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: batchBytes, alignment: 4096)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 0x5A)
    var latencies = [UInt64](repeating: 0, count: max(batches, 1))
    let clock = ContinuousClock()
    let cpuBefore = processCPUSeconds()
    let start = clock.now
    let rc = latencies.withUnsafeMutableBufferPointer { lat -> Int32 in
        switch kind {
        case .uringDirectWriteSync:
            guard file.directFD >= 0 else { return -22 }
            return cbase_uring_write_sync(file.directFD, buffer.baseAddress, batchBytes, batches, 0, UInt64(file.size), lat.baseAddress)
        case .uringDirectDataSyncWrite:
            guard file.directFD >= 0 else { return -22 }
            return cbase_uring_write_dsync(file.directFD, buffer.baseAddress, batchBytes, batches, 0, UInt64(file.size), lat.baseAddress)
        case .segmentedBuffered:
            return cbase_segmented_write(segmentDirectory, buffer.baseAddress, batchBytes, batches, UInt64(segmentSize),
                                         UInt64(8 << 20), 1, lat.baseAddress)  // 8 MiB: the log's write-behind chunk; files kept, as a log keeps its segments
        case .uringWriteSync:
            return cbase_uring_write_sync(file.fd, buffer.baseAddress, batchBytes, batches, 0, UInt64(file.size), lat.baseAddress)
        case .pwriteSync:
            return cbase_pwrite_loop(file.fd, buffer.baseAddress, batchBytes, batches, 0, UInt64(file.size), 1, lat.baseAddress)
        case .bufferedPwrite:
            return cbase_pwrite_loop(file.fd, buffer.baseAddress, batchBytes, batches, 0, UInt64(file.size), 0, lat.baseAddress)
        }
    }
    let elapsed = seconds(clock.now - start)
    let cpu = processCPUSeconds() - cpuBefore
    guard rc == 0 else { throw BenchError("baseline \(kind.rawValue): errno \(-rc)") }
    var h = newHistogram()
    for l in latencies.prefix(batches) { _ = h.record(max(l, 100)) }
    let records = Int((Double(batches) * recordsPerBatch).rounded())
    let syncs = switch kind {
    case .bufferedPwrite: 0
    case .segmentedBuffered: batches * batchBytes / segmentSize
    default: batches
    }
    var f = RunFigures(records: records, recordSize: recordSize, elapsed: elapsed, syncs: syncs, writes: batches,
                       bytesWritten: batches * batchBytes, latency: h)
    f.setCPU(seconds: cpu)
    return f
}

/// The log's architecture in C (`cbase_group_commit`) for `duration` seconds.
func runThreadedBaseline(file: BaselineFile, recordSize: Int, producers: Int, duration: Double) throws -> RunFigures {
    guard file.directFD >= 0 else { throw BenchError("threaded baseline: no O_DIRECT on this file system") }
    let perProducer = 1 << 16
    var records = [UInt64](repeating: 0, count: producers)
    var latencies = [UInt64](repeating: 0, count: producers * perProducer)
    var commits: UInt64 = 0
    let clock = ContinuousClock()
    let cpuBefore = processCPUSeconds()
    let start = clock.now
    let rc = records.withUnsafeMutableBufferPointer { r in
        latencies.withUnsafeMutableBufferPointer { l in
            cbase_group_commit(file.directFD, UInt64(file.size), recordSize, producers, duration, min(1 << 20, file.size / 4),
                               r.baseAddress, &commits, l.baseAddress, perProducer)
        }
    }
    let elapsed = seconds(clock.now - start)
    let cpu = processCPUSeconds() - cpuBefore
    guard rc == 0 else { throw BenchError("threaded baseline: errno \(-rc)") }
    var h = newHistogram()
    for (i, n) in records.enumerated() {
        for k in 0..<min(Int(n), perProducer) { _ = h.record(max(latencies[i * perProducer + k], 100)) }
    }
    let total = Int(records.reduce(0, +))
    let syncs = Int(commits)
    var f = RunFigures(records: total, recordSize: recordSize, elapsed: elapsed, syncs: syncs, writes: syncs,
                       bytesWritten: total * (recordSize + 16), latency: h)
    f.setCPU(seconds: cpu)
    return f
}

func median(_ xs: [RunFigures]) -> RunFigures {
    xs.sorted { $0.recordsPerSecond < $1.recordsPerSecond }[xs.count / 2]
}

func formatSize(_ n: Int) -> String {
    if n >= 1 << 30 && n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
    if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
    if n >= 1 << 10 && n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
    return "\(n) B"
}
