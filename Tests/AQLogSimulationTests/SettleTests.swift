import Testing
import AQLog
@testable import AQLogSimulation

/// What a writer's open settles (docs/DESIGN.md, "Recovery"): the last segment's cached pages are
/// dropped from its durable prefix's end, so recovery reads from the medium everything it reads,
/// and drops the rest too when it does not trust the prefix.
@Suite struct SettleTests {
    let directory = "/log"

    var options: LogOptions {
        var options = LogOptions(segmentSize: 256 * 1024, backend: .posix)
        options.highWaterStep = SegmentLayout.blockSize  // a durable prefix from the first raises
        return options
    }

    func open(_ disk: SimulatedStorage) throws -> LogWriter {
        try LogWriter(directory: directory, options: options, durability: .sync, storage: disk, backgroundPreparation: false)
    }

    func records(_ disk: SimulatedStorage) throws -> [[UInt8]] {
        let reader = try LogReader(directory: directory, storage: disk)
        var out: [[UInt8]] = []
        try reader.forEach { _, b in out.append(Array(b)); return true }
        return out
    }

    func payload(_ i: Int) -> [UInt8] { (0..<(200 + i % 50)).map { UInt8(truncatingIfNeeded: $0 &+ i) } }

    /// Sixty records in batches of three, acknowledged durable (a prefix recorded below them).
    func acknowledged(_ log: LogWriter) throws -> [[UInt8]] {
        let sent = (0..<60).map(payload)
        for start in stride(from: 0, to: sent.count, by: 3) { try log.append(contentsOf: Array(sent[start..<start + 3])) }
        return sent
    }

    /// Where the last nonzero byte of the segment's cached bytes lies.
    func cachedEnd(_ disk: SimulatedStorage) -> Int {
        let bytes = disk.contents(of: segment) ?? []
        return bytes.lastIndex { $0 != 0 } ?? 0
    }

    /// A batch whose sync failed (and whose zeroing failed too, before it wrote anything) stays
    /// readable in the cache, never durable; the writer is killed. The next open trusts the
    /// prefix, so it drops only the pages past it, and the failed batch goes with them.
    @Test func pagesPastTheDurablePrefixAreReadFromTheMedium() throws {
        let disk = SimulatedStorage(seed: 33)
        let log = try open(disk)
        let sent = try acknowledged(log)
        let end = cachedEnd(disk)
        // The segment's own sync fails (its file keeps the name it was prepared under), and so
        // does the writer's zeroing of the failed batch.
        disk.schedule(FaultTrigger(on: .sync, pathContains: "prealloc", action: .fail(.ioError)))
        disk.schedule(FaultTrigger(on: .write, pathContains: "prealloc", skip: 1, action: .fail(.ioError)))
        #expect(throws: LogError.self) { try log.append(contentsOf: [payload(60), payload(61)]) }
        disk.crash(.keepUnsynced)
        try #require(cachedEnd(disk) > end, "the failed batch is in the cache")
        // A bit the medium lost under a cached page of the first record: below the prefix's end
        // (its page, in the simulator; a 2 MiB boundary on a real file) the pages stay cached,
        // what a completed sync wrote, so readers still see it whole.
        disk.flipBitOnMedium(path: segment, bit: (SegmentLayout.dataStart + FrameHeader.size + 2) * 8)
        let reopened = try open(disk)
        #expect(reopened.recoveryReport.bytesTrusted > 0, "the open trusted a prefix")
        #expect(reopened.lastSequence == UInt64(sent.count), "the batch whose sync failed is gone")
        try reopened.close()
        #expect(try records(disk) == sent)
    }

    var segment: String { directory + "/" + SegmentName.fileName(baseSequence: 1) }

    /// A sector below the prefix's end damaged on the medium while its page stays cached, and a
    /// prefix the open cannot trust (its index damaged): the open scans the whole segment, from
    /// the medium, and refuses the damage the cached page hid.
    @Test func anUntrustedPrefixMeansTheWholeSegmentFromTheMedium() throws {
        let disk = SimulatedStorage(seed: 32)
        let log = try open(disk)
        _ = try acknowledged(log)
        disk.crash(.keepUnsynced)
        let record = SegmentLayout.dataStart  // the first record, well below the prefix's end
        disk.flipBitOnMedium(path: segment, bit: (record + FrameHeader.size + 2) * 8)
        disk.flipBit(path: directory + "/HIGHWATER", bit: (VouchedPrefix.indexOffset + 4) * 8)
        #expect { try open(disk) } throws: { if case .corruption = $0 as? LogError { true } else { false } }
    }
}
