/// What a run measures: the default subset, `--quick` or `--full`.
struct Plan {
    var name: String
    var appendSeconds: Double
    var appends: [AppendSpec] = []
    var segmentSize = 64 << 20
    var baselineFileSize = 256 << 20
    var crcSizes = [256, 4096, 64 << 20]
    var crcSeconds = 0.05
    var recoverySegmentSize = 64 << 20
    /// Sealed segment counts the recovery log is grown to (first one also gets the tail series).
    var sealedSegments = [4, 16]
    var tails: [(String, Int)] = [("empty", 0), ("16 MiB", 16 << 20), ("full segment", (64 << 20) - (2 << 20))]
    /// The commits-in-flight model, run after the append scenarios.
    var depthModel = DepthModelPlan()
    /// Bytes the streaming comparison writes, log and C each (enough that the page cache cannot
    /// hide the disk).
    var streamingBytes = 2 << 30
    /// Records `LogTail` catches up on, in a detached task and on the main actor.
    var tailCatchUpRecords = 160_000
    /// Records of 256 B a killed writer leaves in the open segment (a full segment is added).
    var crashReopenRecords = [10_000, 200_000]
    /// Segment sizes of the idle-open comparison.
    var idleOpenSegmentSizes = [64 << 20, 1 << 30]
    /// Producer counts of the `.group`-beside-`.sync` comparison.
    var groupPairProducers = [8, 64]
    /// Records per call of the `Log`-beside-`LogWriter` comparison (`.deferred`, 256 B).
    var deferredPairBatch = 1024
    /// Interleaved pairs each comparison runs.
    var pairs = 5

    var steps: Int { 1 + appends.count + depthModel.producers.count + groupPairProducers.count + 6 + tails.count + sealedSegments.count - 1 + 1 + 4 }

    var settings: [String: String] {
        ["appendSeconds": "\(appendSeconds)", "segmentSize": "\(segmentSize)", "recoverySegmentSize": "\(recoverySegmentSize)",
         "baselineFileSize": "\(baselineFileSize)", "groupDurability": "maxDelay 500 us, maxBytes 1 MiB",
         "recoveryRecordSize": "4064 B payload, 1 MiB batches, deferred", "depthModel": depthModel.settings,
         "streamingBytes": "\(streamingBytes)"]
    }

    init(quick: Bool, full: Bool, seconds: Double?) {
        typealias S = AppendSpec
        if quick {
            name = "quick"
            appendSeconds = seconds ?? 0.05
            segmentSize = 4 << 20
            baselineFileSize = 8 << 20
            crcSizes = [256, 4096, 1 << 20]
            crcSeconds = 0.005
            depthModel.repetitions = 1
            streamingBytes = 32 << 20
            tailCatchUpRecords = 10_000
            recoverySegmentSize = 1 << 20
            crashReopenRecords = [1_000]
            idleOpenSegmentSizes = [1 << 20, 4 << 20]
            groupPairProducers = [8]
            pairs = 1
            sealedSegments = [2, 4]
            tails = [("empty", 0), ("256 KiB", 256 << 10), ("full segment", (1 << 20) - (256 << 10))]
            appends = [
                S(recordSize: 256, producers: 8, mode: .sync, backend: .uringDirect, repetitions: 2),
                S(recordSize: 256, producers: 8, mode: .sync, backend: .uring),
                S(recordSize: 256, producers: 8, mode: .sync, backend: .posix),
                S(recordSize: 256, producers: 8, mode: .sync, backend: .uringDirect, rollingSegmentSize: 64 << 10),
                S(recordSize: 256, producers: 8, mode: .group, backend: .uring),
                S(recordSize: 256, producers: 1, mode: .deferred, backend: .uring, api: .batch, batch: 256),
                S(recordSize: 4096, producers: 1, mode: .deferred, backend: .posix, api: .writerBatch, batch: 16),
            ]
            return
        }
        if full {
            name = "full"
            appendSeconds = seconds ?? 0.3
            sealedSegments = [4, 16, 64]
            for mode in [S.Mode.sync, .group, .deferred] {
                for size in [64, 256, 4096, 65536] {
                    for producers in [1, 8, 64] {
                        for backend in [S.BackendName.uringDirect, .uring, .posix] {
                            appends.append(S(recordSize: size, producers: producers, mode: mode, backend: backend))
                        }
                    }
                }
            }
            appends += Plan.deferredSingleProducer(reps: 2)
            return
        }
        name = "default"
        appendSeconds = seconds ?? 0.4
        for producers in [1, 8, 64] {
            for backend in [S.BackendName.uringDirect, .uring, .posix] {
                appends.append(S(recordSize: 256, producers: producers, mode: .sync, backend: backend, repetitions: 2))
            }
        }
        // The x64 row again, rolling every 4 MiB (~0.1 s here): latency across rolls.
        appends.append(S(recordSize: 256, producers: 64, mode: .sync, backend: .uringDirect, rollingSegmentSize: 4 << 20))
        // `.group` beside `.sync` at the same producers (never slower is the contract).
        appends.append(S(recordSize: 256, producers: 8, mode: .group, backend: .uringDirect))
        for backend in [S.BackendName.uringDirect, .posix] {
            appends.append(S(recordSize: 256, producers: 64, mode: .group, backend: backend))
            appends.append(S(recordSize: 4096, producers: 8, mode: .sync, backend: backend))
        }
        appends.append(S(recordSize: 65536, producers: 8, mode: .sync, backend: .uringDirect))
        appends.append(S(recordSize: 64, producers: 64, mode: .sync, backend: .uringDirect))
        appends += Plan.deferredSingleProducer(reps: 2)
        appends.append(S(recordSize: 256, producers: 1, mode: .sync, backend: .uringDirect, api: .writerBatch, batch: 1, repetitions: 2))
        appends.append(S(recordSize: 256, producers: 1, mode: .sync, backend: .posix, api: .writerBatch, batch: 1, repetitions: 2))
    }

    /// The deferred single-producer figures: one call per record vs batch appends, and 64 KiB records.
    static func deferredSingleProducer(reps: Int) -> [AppendSpec] {
        [
            AppendSpec(recordSize: 256, producers: 1, mode: .deferred, backend: .uring),
            AppendSpec(recordSize: 256, producers: 1, mode: .deferred, backend: .uring, api: .batch, batch: 1024, repetitions: reps),
            AppendSpec(recordSize: 256, producers: 1, mode: .deferred, backend: .posix, api: .writerBatch, batch: 1024, repetitions: reps),
            AppendSpec(recordSize: 65536, producers: 1, mode: .deferred, backend: .uring, api: .batch, batch: 16, repetitions: reps),
            AppendSpec(recordSize: 65536, producers: 1, mode: .deferred, backend: .posix, api: .writerBatch, batch: 16, repetitions: reps),
        ]
    }
}
