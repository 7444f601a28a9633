import Testing
import AQTestSupport
import Foundation
import Metrics
import MetricsTestKit
@testable import AQLog

/// A `Log` that archives its own segments (``LogOptions/archiving``) and seals by age
/// (``LogOptions/maximumSegmentAge``).
@Suite struct LogArchivingTests {
    @Test func aLogArchivesEachSegmentItSealsAndRetriesAFailure() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let archive = MemoryArchive()
        let metrics = TestMetrics()
        var options = smallSegments
        options.metricsFactory = metrics
        options.archiving = LogArchiving(send: archive.send)
        options.archiving!.retryDelay = .milliseconds(10)
        let log = try Log.open(directory: dir, options: options)
        // The third segment sealed fails once: the run is retried and sends it.
        archive.failOnceAt = 2
        for i in 0..<1500 { try await log.append(payload(i, size: 200)) }
        let sealed = try descriptors(dir).filter(\.isSealed)
        #expect(sealed.count >= 4)
        #expect(await eventually { archive.names.count == sealed.count })
        #expect(archive.names == sealed.map(\.fileName))
        for d in sealed { #expect(archive.object(d.fileName) == readFile(d.path)) }
        try await log.close()
        let failures = try metrics.expectCounter("aqlog_archive_failures_total", [("directory", dir)])
        #expect(failures.values.reduce(0, +) >= 1, "the failure was counted")
        #expect(try ArchiveState.read(directory: dir) == .archived(through: sealed.last!.lastSequence))
    }

    @Test func aLogSealsASegmentOnceItIsOldAndNeverAnEmptyOne() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = smallSegments
        options.maximumSegmentAge = .milliseconds(100)
        let log = try Log.open(directory: dir, options: options)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try descriptors(dir).allSatisfy { !$0.isSealed }, "an empty segment is never sealed")
        try await log.append(contentsOf: [[1, 2, 3], [4, 5]])  // one batch: the segment holds both as it ages
        #expect(await eventually { ((try? descriptors(dir)) ?? []).contains { $0.isSealed } })
        let segs = try descriptors(dir)
        #expect(segs.first?.isSealed == true && segs.first?.lastSequence == 2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try descriptors(dir).filter(\.isSealed).count == 1, "the new, empty segment stays open")
        #expect(try await log.append([6]) == 3)
        try await log.close()
        #expect(try readAll(dir) == [[1, 2, 3], [4, 5], [6]])
    }

    @Test func closeStopsAnArchiveRunThatWaitsForTheArchive() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 600)
        var options = smallSegments
        let started = Locked(false)
        options.archiving = LogArchiving { _ in
            started.withLock { $0 = true }
            try await Task.sleep(for: .seconds(3600))  // an archive that never answers
        }
        let log = try Log.open(directory: dir, options: options)
        #expect(await eventually { started.withLock { $0 } })
        try await log.close()  // returns: the run is cancelled
        #expect(try ArchiveState.read(directory: dir) == .archived(through: 0), "nothing counted as archived")
    }
}

/// ``LogOptions/maximumSegmentAge`` under steady load: producers always have a batch staged.
@Suite struct SegmentAgeUnderLoadTests {
    @Test func aSegmentIsSealedByAgeWhileProducersKeepAppending() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        var options = LogOptions(segmentSize: 16 << 20, backend: .posix)
        options.initialSegmentSize = 16 << 20
        options.maximumSegmentAge = .milliseconds(150)
        let log = try Log.open(directory: dir, options: options)
        let stop = Locked(false)
        let sealedTwice = try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<64 {  // more than a commit takes: a batch is always staged
                group.addTask { while !stop.withLock({ $0 }) { try await log.append(payload(producer, size: 100)) } }
            }
            let sealed = await eventually { ((try? descriptors(dir)) ?? []).filter(\.isSealed).count >= 2 }
            stop.withLock { $0 = true }
            try await group.waitForAll()
            return sealed
        }
        try await log.close()
        let sealed = try descriptors(dir).filter(\.isSealed)
        #expect(sealedTwice, "sealed by age under load: \(sealed.count)")
        #expect(sealed.allSatisfy { $0.dataEnd < $0.segmentSize / 2 }, "none of them full")
        #expect(try readAll(dir).count == Int(try LogReader.open(directory: dir).lastSequence))
    }
}
