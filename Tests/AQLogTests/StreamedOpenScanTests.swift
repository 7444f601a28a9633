import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A writer's open reads the part of its open segment that no durable prefix covers from the
/// medium through `pread` windows (``SegmentStream``) when it spans two windows or more. Its
/// verdict must be the one the scan over the mapping gives, wherever damage falls against the
/// windows' ends.
@Suite struct StreamedOpenScanTests {
    /// What a recovery decided, without its timings.
    struct Verdict: Equatable {
        var lastSequence: UInt64 = 0
        var bytesScanned = 0
        var tornTail: TornTail?
        var committedEnd = 0
        var offsets: [UInt32] = []
        var segmentDigest: UInt32 = 0
        var durableThrough: UInt64 = 0
    }

    /// An open segment of 1000-byte records in batches of 7 to about `tail` bytes, written
    /// `.deferred` and never synced (so no durable prefix or commit frame vouches for any of
    /// it), as a writer killed now leaves it: its files copied to `dir` while it is open.
    private func killedDeferredLog(_ dir: String, tail: Int = 3 * SegmentStream.window + (1 << 20)) throws -> String {
        let live = dir + ".live"
        var options = LogOptions(segmentSize: 32 << 20, backend: .posix)
        options.initialSegmentSize = 32 << 20
        let writer = try LogWriter.open(directory: live, options: options, durability: .deferred)
        defer { try? writer.close() }
        var i = 0
        while i * 1016 < tail {
            try writer.append(contentsOf: (0..<7).map { payload(i + $0, size: 1000) })
            i += 7
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: live)
        where name.hasSuffix(".seg") || name == "LOCK" || name == "HIGHWATER" {
            try FileManager.default.copyItem(atPath: live + "/" + name, toPath: dir + "/" + name)
        }
        let files = segmentFiles(dir)
        #expect(files.count == 1)
        return dir + "/" + files[0]
    }

    /// Recovers `dir` read-only as a writer's open would, streamed or over the mapping.
    private func recover(_ dir: String, streamed: Bool, policy: RecoveryPolicy) -> (Result<Verdict, LogError>, bytesRead: Int) {
        let storage = RecordingStorage()
        var recovery = LogRecovery(storage: storage, directory: dir)
        recovery.highWater = HighWaterMark.read(storage: storage, directory: dir)
        recovery.trustsDurablePrefix = true
        recovery.streamWindow = streamed ? SegmentStream.window : nil
        let result = Result { () throws(LogError) -> Verdict in
            let outcome = try recovery.recover(policy: policy, repair: false)
            guard let open = outcome.open else { return Verdict() }
            return Verdict(lastSequence: outcome.report.lastSequence, bytesScanned: outcome.report.bytesScanned,
                           tornTail: outcome.report.tornTail, committedEnd: open.scan.committedEnd, offsets: open.offsets,
                           segmentDigest: open.segmentDigest, durableThrough: open.scan.durableThrough)
        }
        let read = storage.state.withLock { $0.bytesRead.values.reduce(0, +) }
        return (result, read)
    }

    /// Both ways agree, and the streamed one did read the segment with `pread`.
    private func expectSameVerdict(_ dir: String, policy: RecoveryPolicy = .truncateTornTail,
                                   sourceLocation: SourceLocation = #_sourceLocation) -> Result<Verdict, LogError> {
        let (mapped, mappedRead) = recover(dir, streamed: false, policy: policy)
        let (streamed, streamedRead) = recover(dir, streamed: true, policy: policy)
        #expect(streamed == mapped, sourceLocation: sourceLocation)
        #expect(mappedRead < SegmentStream.window && streamedRead >= SegmentStream.window,
                "read \(mappedRead) mapped, \(streamedRead) streamed", sourceLocation: sourceLocation)
        return streamed
    }

    @Test func aHealthyTailReadsTheSameStreamed() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try killedDeferredLog(dir)
        let verdict = try expectSameVerdict(dir).get()
        #expect(verdict.tornTail == nil && verdict.offsets.count == Int(verdict.lastSequence))
        #expect(verdict.bytesScanned >= 3 * SegmentStream.window)
        // A writer's open reads it so, every byte of it (with `pread`, through the storage).
        let storage = RecordingStorage()
        let writer = try LogWriter(directory: dir, options: LogOptions(backend: .posix), durability: .deferred, storage: storage)
        #expect(writer.recoveryReport.lastSequence == verdict.lastSequence && writer.recoveryReport.tornTail == nil)
        try writer.close()
        let read = storage.state.withLock { $0.bytesRead[LogDirectoryLayout.name(of: segmentFiles(dir)[0])] ?? 0 }
        #expect(read >= verdict.bytesScanned, "\(read) bytes read")
    }

    /// A flipped byte around and between the windows' ends (payload or header): the same
    /// verdict (the torn tail after a `.deferred` writer's damage, or a refusal) both ways. The
    /// stream starts at the data start, so its first window ends a window past it.
    @Test(arguments: [1, 2, 3, 4, 5, 6].map { [w = SegmentStream.window, s = SegmentLayout.dataStart] i in
        s + [w - 3, w, w + 700, 2 * w - 16, 5 * w / 2, 3 * w - 999][i - 1]
    })
    func damageIsJudgedTheSameStreamed(at target: Int) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let segment = try killedDeferredLog(dir)
        var bytes = readFile(segment)
        bytes[target] ^= 0x40
        patch(segment, at: target, [bytes[target]])
        for policy in [RecoveryPolicy.truncateTornTail, .strict] {
            let verdict = expectSameVerdict(dir, policy: policy)
            // Nothing vouches for any of it: a torn tail from the damaged frame's batch on,
            // removed by default and refused under `.strict`.
            switch (policy, verdict) {
            case (.truncateTornTail, .success(let v)):
                let torn = try #require(v.tornTail)
                #expect(torn.offset <= target && torn.offset + torn.length > target)
            case (.strict, .failure(.tornTail(let torn))):
                #expect(torn.offset <= target && torn.offset + torn.length > target)
            default:
                Issue.record("\(policy): \(verdict)")
            }
        }
    }

    /// A read of the medium that fails once is read again; one that keeps failing fails the
    /// open with the I/O error, naming the segment, and changes nothing.
    @Test(arguments: [1, 3])
    func aFailingReadIsRetriedAndAPersistentOneFailsTheOpen(times: Int) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let segment = try killedDeferredLog(dir)
        let before = readFile(segment)
        let expected = try expectSameVerdict(dir).get()
        let storage = RecordingStorage()
        let name = LogDirectoryLayout.name(of: segment)
        storage.state.withLock { $0.failReads = (name, 2 * SegmentStream.window + 4096, times) }
        let options = LogOptions(backend: .posix)
        if times == 1 {
            let writer = try LogWriter(directory: dir, options: options, durability: .deferred, storage: storage)
            #expect(writer.recoveryReport.lastSequence == expected.lastSequence)
            try writer.close()
        } else {
            #expect {
                _ = try LogWriter(directory: dir, options: options, durability: .deferred, storage: storage)
            } throws: { error in
                guard case LogError.io(let failure) = error else { return false }
                return failure.errno == .ioError && failure.path == segment
            }
            #expect(readFile(segment) == before)
        }
        #expect(storage.state.withLock { $0.readsOfFailingOffset } == 2)
    }

    /// Zeros in the middle (writes the device never made), and a last batch cut short.
    @Test(arguments: [false, true])
    func zerosAreJudgedTheSameStreamed(cutLastBatch: Bool) throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let segment = try killedDeferredLog(dir)
        let end = try expectSameVerdict(dir).get().committedEnd
        let at = cutLastBatch ? end - 2000 : 2 * SegmentStream.window + 100
        patch(segment, at: at, [UInt8](repeating: 0, count: 1500))
        let torn = try #require(try expectSameVerdict(dir).get().tornTail)
        #expect(torn.offset <= at && torn.offset + torn.length >= at + 1500)
    }
}
