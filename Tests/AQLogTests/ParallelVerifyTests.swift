import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `verify` checks sealed segments on several cores at once (``SealedSegmentChecks``), each
/// worker reading its segments through windows of ``SegmentStream/cachedWindow`` bytes with
/// nothing read ahead. What it reports must be what checking them one after another reports:
/// each segment's result, in the segments' order, the first damage in that order.
@Suite struct ParallelVerifyTests {
    /// A log of `sealed` sealed segments of 4 MiB (four windows each) of 1000-byte records in
    /// batches of 7, and an open one after them. Returns the sealed segments' paths.
    private func sealedLog(_ dir: String, sealed: Int) throws -> [String] {
        var options = LogOptions(segmentSize: 4 << 20, backend: .posix)
        options.initialSegmentSize = 4 << 20
        let writer = try LogWriter.open(directory: dir, options: options, durability: .deferred)
        var i = 0
        while segmentFiles(dir).count <= sealed {
            try writer.append(contentsOf: (0..<7).map { payload(i + $0, size: 1000) })
            i += 7
        }
        try writer.close()
        return segmentFiles(dir).prefix(sealed).map { dir + "/" + $0 }
    }

    /// The damage a scan of the whole file finds in the sealed segment at `path`.
    private func wholeScanDamage(_ path: String) -> CorruptionDiagnosis? {
        let whole = readFile(path).withUnsafeBytes { b in
            SegmentScanner(bytes: b, file: path, header: try! SegmentHeader.decode(b).get().0).scan()
        }
        guard case .corruption(let diagnosis) = whole.verdict else { return nil }
        return diagnosis
    }

    /// Flips a byte of the frame holding `offset` in `path`: a payload byte at `offset`, or, in
    /// the header, a sequence byte.
    private func damage(_ path: String, near offset: Int, inHeader: Bool) {
        let bytes = readFile(path)
        var at = SegmentLayout.dataStart
        while true {
            let size = bytes.withUnsafeBytes { FrameHeader($0, at: at).frameSize }
            if at + size > offset { break }
            at += size
        }
        let target = inHeader ? at + 9 : max(at + FrameHeader.size, offset)
        patch(path, at: target, [bytes[target] ^ 0x5A])
    }

    /// Damage in two of five sealed segments, around the ends of the workers' windows: each
    /// segment's result is what a whole scan of it finds, in order, and the log's first damage
    /// is the earlier segment's, whichever worker finished first.
    @Test func segmentsCheckedAtOnceReportWhatAWholeScanOfEachFinds() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir, sealed: 5)
        let w = SegmentStream.cachedWindow
        damage(sealed[1], near: 2 * w - 3, inHeader: false)
        damage(sealed[3], near: w + 700, inHeader: true)
        let expected = sealed.map { wholeScanDamage($0) }
        #expect(expected.map { $0 != nil } == [false, true, false, true, false])
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.segments.map(\.file) == sealed + [dir + "/" + segmentFiles(dir).last!])
        #expect(Array(report.segments.prefix(5).map(\.problem)) == expected.map { $0.map { .corruption($0) } })
        #expect(report.corruption == expected[1])
        #expect(report.bytesVerified == 6 * (4 << 20))
    }

    /// Sealed segments are checked while recovery reads the open one, as listed before it; what
    /// recovery lists decides. A segment sealed after that listing is checked afterwards, in
    /// its place; one removed after it (compacted) is not reported, whatever its check found.
    @Test func recoverysListDecidesWhichEarlyChecksStand() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir, sealed: 5)
        let names = sealed.map { LogDirectoryLayout.name(of: $0) }
        damage(sealed[4], near: 3 << 19, inHeader: false)
        let expected = try #require(wholeScanDamage(sealed[4]))
        // Not listed before recovery: checked after it.
        let late = RecordingStorage()
        late.state.withLock { $0.hiddenFromListings = ([names[4]], 1...1) }
        let report = try LogVerifier(directory: dir, storage: late).verify()
        #expect(report.segments.map(\.file) == sealed + [dir + "/" + segmentFiles(dir).last!])
        #expect(report.segments[4].problem == .corruption(expected) && report.corruption == expected)
        #expect(report.bytesVerified == 6 * (4 << 20))
        // Listed before recovery, gone from recovery's list (compacted meanwhile): left out,
        // its damage with it.
        damage(sealed[0], near: 1 << 20, inHeader: false)
        let compacted = RecordingStorage()
        compacted.state.withLock { $0.hiddenFromListings = ([names[0]], 2...Int.max) }
        let after = try LogVerifier(directory: dir, storage: compacted).verify()
        #expect(after.segments.map(\.file) == Array(sealed.dropFirst()) + [dir + "/" + segmentFiles(dir).last!])
        #expect(after.corruption == expected)
    }

    /// A sealed segment removed after recovery listed it: compacted when it lay before every
    /// segment there now, a hole in the log otherwise (`missing_segment` where the segment
    /// before it ends), never a healthy verdict.
    @Test func aSegmentGoneFromTheMiddleIsAHoleAndFromTheHeadIsCompacted() throws {
        let tmp = TemporaryDirectory()
        let (report, sealed) = try verify(tmp.sub("middle"), removingSealed: 2)
        let hole = CorruptionDiagnosis(file: sealed[1], offset: 4 << 20,
                                       reason: .missingSegment(expectedSequence: try #require(SegmentName.baseSequence(of: LogDirectoryLayout.name(of: sealed[2])))))
        #expect(report.corruption == hole)
        #expect(report.segments.first { $0.file == sealed[2] }?.problem == .corruption(hole))
        // The head, gone the same way (no segment before it): compacted, left out.
        let dir = tmp.sub("head")
        let (after, sealedBefore) = try verify(dir, removingSealed: 0)
        #expect(after.corruption == nil && after.tornTail == nil)
        #expect(after.segments.map(\.file) == Array(sealedBefore.dropFirst()) + [dir + "/" + segmentFiles(dir).last!])
    }

    /// `verify` of a log of four sealed segments whose segment `index` is removed after
    /// recovery listed it: left out of the listing before recovery, it is read twice, by
    /// recovery and then by its check, and removed just before the second.
    private func verify(_ dir: String, removingSealed index: Int) throws -> (LogVerifier.Report, [String]) {
        let sealed = try sealedLog(dir, sealed: 4)
        let name = LogDirectoryLayout.name(of: sealed[index])
        let storage = RecordingStorage()
        storage.state.withLock {
            $0.hiddenFromListings = ([name], 1...1)
            $0.removeBeforeOpening = (name, 2)
        }
        return (try LogVerifier(directory: dir, storage: storage).verify(), sealed)
    }

    /// Damage recovery finds (a segment's header, after the sealed segments before it) and
    /// damage only a full pass finds in an earlier sealed segment: the earlier is the log's
    /// first, and the one reported.
    @Test func theFirstDamageInTheLogIsReportedWhoeverFoundIt() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let sealed = try sealedLog(dir, sealed: 4)
        damage(sealed[1], near: 3 << 19, inHeader: false)
        let first = try #require(wholeScanDamage(sealed[1]))
        patch(sealed[3], at: 0, [0xDE, 0xAD])
        let report = try LogVerifier(directory: dir).verify()
        #expect(report.corruption == first)
        #expect(report.segments.first { $0.file == sealed[1] }?.problem == .corruption(first))
    }

    /// The checks run at once on several workers come back in the segments' order, each
    /// segment's error at its place, however long each took.
    @Test func outcomesComeBackInTheSegmentsOrder() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        _ = try sealedLog(dir, sealed: 6)
        let segments = try LogReader.open(directory: dir).segments
        let failing = segments[2].baseSequence
        let first = segments[0].baseSequence
        let checks = SealedSegmentChecks(segments) { d, _ throws(LogError) in
            // The first segment takes longest: in completion order it would not come first.
            usleep(d.baseSequence == first ? 100_000 : 2_000)
            if d.baseSequence == failing { throw LogError.io(IOFailure("pread", path: d.path, errno: .ioError)) }
            return d.baseSequence
        }
        for workers in [1, 2, 4] {
            let outcomes = checks.run(workers: workers)
            #expect(outcomes.count == segments.count)
            for (d, outcome) in zip(segments, outcomes) {
                switch outcome {
                case .success(let base): #expect(base == d.baseSequence && base != failing)
                case .failure(let error): #expect(d.baseSequence == failing && error == .io(IOFailure("pread", path: d.path, errno: .ioError)))
                }
            }
        }
    }
}
