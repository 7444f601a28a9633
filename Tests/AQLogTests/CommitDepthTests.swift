import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// The commit depth a writer uses and records: the policy's for new segments, capped by the
/// active segment's header, and never so deep that a record of the maximum size stops fitting.
@Suite struct CommitDepthTests {
    func options(depth: Int) -> LogOptions {
        var o = smallSegments
        o.maxCommitsInFlight = depth
        return o
    }

    func headerDepth(_ path: String) throws -> Int {
        try readFile(path).withUnsafeBytes { try SegmentHeader.decode($0).get().0.commitDepth }
    }

    @Test func newSegmentsRecordTheDepthTheirWriterMayUse() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = Backend(writePath: .uringDirect).storage()
        let log = try Log(directory: dir, options: options(depth: 3), storage: storage)
        for i in 0..<5 { try await log.append(payload(i)) }
        try await log.close()
        #expect(try headerDepth(dir + "/" + segmentFiles(dir).last!) == 3)
        // A single-owner writer and a `.deferred` log keep one commit in flight.
        let w = try LogWriter(directory: tmp.sub("w"), options: options(depth: 3), storage: storage)
        try w.close()
        #expect(try headerDepth(tmp.sub("w") + "/" + segmentFiles(tmp.sub("w")).last!) == 1)
        let deferred = try Log(directory: tmp.sub("d"), options: options(depth: 3), durability: .deferred, storage: storage)
        try await deferred.close()
        #expect(try headerDepth(tmp.sub("d") + "/" + segmentFiles(tmp.sub("d")).last!) == 1)
    }

    @Test func anOpenSegmentKeepsItsDepthUntilTheRoll() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = Backend(writePath: .uringDirect).storage()
        let first = try Log(directory: dir, options: options(depth: 1), storage: storage)
        try await first.append(payload(0))
        try await first.close()
        let deeper = try Log(directory: dir, options: options(depth: 4), storage: storage)
        #expect(deeper.committer.engine.commitDepth == 1, "the segment was written at depth 1")
        for i in 1..<400 { try await deeper.append(payload(i, size: 200)) }  // rolls
        #expect(deeper.committer.engine.commitDepth == 4)
        try await deeper.close()
        let headers = try segmentFiles(dir).map { try headerDepth(dir + "/" + $0) }
        #expect(headers.first == 1 && headers.last == 4)
        #expect(try readAll(dir).count == 400)
    }

    /// A batch that would not fit the segment after a fresh block's padding waits for the
    /// pipeline to drain instead: records of the maximum size keep fitting an empty segment
    /// (reserving the padding for every record made them never fit, and the log rolled forever).
    @Test(.timeLimit(.minutes(1))) func recordsOfTheMaximumSizeFitAtEveryDepth() async throws {
        for depth in 1...4 {
            let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
            let log = try Log(directory: dir, options: options(depth: depth), storage: Backend(writePath: .uringDirect).storage())
            let max = log.maxRecordSize
            var sent: [[UInt8]] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<4 {
                    let big = [UInt8](repeating: UInt8(p + 1), count: max)
                    sent.append(big)
                    group.addTask { try await log.append(big) }
                }
                try await group.waitForAll()
            }
            try await log.close()
            let back = try readAll(dir)
            #expect(back.count == 4 && Set(back) == Set(sent), "depth \(depth)")
            #expect(segmentFiles(dir).count >= 4, "one record a segment")
        }
    }
}
