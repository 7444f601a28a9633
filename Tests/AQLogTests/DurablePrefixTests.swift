import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// The durable prefix `HIGHWATER` records with the mark (``VouchedPrefix``): a writer's open
/// after a crash reads the open segment only from the prefix's end to the mark, trusts what lies
/// below as it trusts a sealed segment's trailer, and falls back to a whole scan whenever the
/// record or its index does not hold. Damage inside the prefix is refused by every reader.
@Suite struct DurablePrefixTests {
    private static let segmentSize = 64 << 20
    private static let recordSize = 200
    private static let batch = 100

    private func options() -> LogOptions {
        var options = LogOptions(segmentSize: Self.segmentSize, backend: .posix)
        options.initialSegmentSize = Self.segmentSize
        return options
    }

    /// Appends `records` records in `.sync` batches of 100 to `writer`, numbered from `first`.
    private func append(_ writer: LogWriter, _ records: Int, from first: Int = 0) throws -> [[UInt8]] {
        var sent: [[UInt8]] = []
        for start in stride(from: first, to: first + records, by: Self.batch) {
            let batch = (start..<min(first + records, start + Self.batch)).map { payload($0, size: Self.recordSize) }
            try writer.append(contentsOf: batch)
            sent += batch
        }
        return sent
    }

    /// What a SIGKILL of the writer now leaves: its files' bytes, copied to `copy`.
    private func killedImage(of dir: String, to copy: String) throws {
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir)
        where name.hasSuffix(".seg") || name == "LOCK" || name == "HIGHWATER" {
            try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: copy + "/" + name)
        }
    }

    /// A writer's open of `dir`, closed again; its recovery report.
    private func reopen(_ dir: String) throws -> RecoveryReport {
        let writer = try LogWriter.open(directory: dir, options: options())
        defer { try? writer.close() }
        return writer.recoveryReport
    }

    private var frame: Int { FrameHeader.frameSize(payloadLength: Self.recordSize) }

    /// A log of `records` acknowledged records in `tmp` and the image its writer leaves when
    /// killed (in `killed`); returns that image's path and the records.
    private func killedLog(in tmp: TemporaryDirectory, records: Int,
                           durability: Durability = .sync) throws -> (copy: String, sent: [[UInt8]]) {
        let dir = tmp.sub("log"), copy = tmp.sub("killed")
        let writer = try LogWriter.open(directory: dir, options: options(), durability: durability)
        let sent = try append(writer, records)
        try killedImage(of: dir, to: copy)
        try writer.close()
        return (copy, sent)
    }

    /// About 9 MiB acknowledged, then a kill: the open trusts all but the last step and reads
    /// only from there to the mark; a writer continuing from that open keeps extending the
    /// index, and a second kill's open trusts the larger prefix.
    @Test func aKilledWritersOpenReadsOnlyPastTheDurablePrefix() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log"), copy = tmp.sub("killed")
        let writer = try LogWriter.open(directory: dir, options: options())
        var sent = try append(writer, 45_000)
        try killedImage(of: dir, to: copy)
        try writer.close()
        let data = sent.count * frame
        let step = LogEngine.defaultHighWaterStep
        let report = try reopen(copy)
        #expect(report.lastSequence == UInt64(sent.count))
        #expect(report.bytesTrusted >= data - step - Self.batch * frame - 2 * SegmentLayout.blockSize, "trusted \(report.bytesTrusted) of \(data)")
        #expect(report.bytesScanned <= step + 2 * Self.batch * frame + 2 * SegmentLayout.blockSize, "scanned \(report.bytesScanned)")
        #expect(try readAll(copy) == sent)

        let continued = try LogWriter.open(directory: copy, options: options())
        sent += try append(continued, 45_000, from: sent.count)
        try killedImage(of: copy, to: dir)
        try continued.close()
        let again = try reopen(dir)
        #expect(again.lastSequence == UInt64(sent.count))
        #expect(again.bytesTrusted >= sent.count * frame - step - Self.batch * frame - 2 * SegmentLayout.blockSize, "trusted \(again.bytesTrusted)")
        #expect(try readAll(dir) == sent)
        #expect(try LogVerifier(directory: dir).verify().corruption == nil)
    }

    /// An index that fails its checksum, a record whose end is not preceded by the commit
    /// frame it names (its place or its checksum), or one whose durable point lies past the
    /// records it holds: a whole scan, every record, and the open clears the prefix it did not
    /// trust before it writes anything.
    @Test(arguments: ["index", "end", "commit", "durable"])
    func aPrefixThatDoesNotHoldMeansAWholeScan(_ damage: String) throws {
        let tmp = TemporaryDirectory()
        let (copy, sent) = try killedLog(in: tmp, records: 30_000)
        let path = copy + "/HIGHWATER"
        let before = readFile(path)
        #expect(before.withUnsafeBytes { VouchedPrefix.decode($0) } != nil, "the killed writer recorded a prefix")
        switch damage {
        case "index": patch(path, at: VouchedPrefix.indexOffset + 40, [before[VouchedPrefix.indexOffset + 40] ^ 0x10])
        default:
            var prefix = before.withUnsafeBytes { VouchedPrefix.decode($0) }!
            switch damage {
            case "end": prefix.end -= 8
            case "commit": prefix.lastCommitChecksum ^= 1
            default: prefix.durableThrough = UInt64(sent.count) + 1_000
            }
            var block = Array(before[0..<SegmentLayout.blockSize])
            block.withUnsafeMutableBytes { prefix.encode(into: $0) }
            patch(path, at: 0, block)
        }
        let report = try reopen(copy)
        #expect(report.bytesTrusted == 0)
        #expect(report.bytesScanned >= sent.count * frame)
        #expect(try readAll(copy) == sent)
        #expect(readFile(path).withUnsafeBytes { VouchedPrefix.decode($0) } == nil, "the untrusted prefix is cleared")
    }

    /// The prefix is a durable floor even where the open cannot start its scan there: with
    /// the commit frame at its end damaged, nothing after it on the medium and no `LOCK` record
    /// to say otherwise (lost, or stale after a power loss), the open refuses instead of
    /// cutting the records the prefix proves synced as a torn tail.
    @Test func aPrefixTheOpenCannotUseIsStillAFloor() throws {
        let tmp = TemporaryDirectory()
        let (copy, _) = try killedLog(in: tmp, records: 30_000)
        let highWater = readFile(copy + "/HIGHWATER")
        let prefix = try #require(highWater.withUnsafeBytes { VouchedPrefix.decode($0) })
        let mark = try #require(highWater.withUnsafeBytes { HighWaterMark.decode($0) }).mark
        let segment = copy + "/" + segmentFiles(copy).last!
        patch(segment, at: prefix.end, [UInt8](repeating: 0, count: mark - prefix.end))
        patch(segment, at: prefix.end - 8, [readFile(segment)[prefix.end - 8] ^ 0x40])
        try FileManager.default.removeItem(atPath: copy + "/LOCK")
        let before = readFile(segment)
        #expect {
            _ = try LogWriter.open(directory: copy, options: options())
        } throws: { error in
            guard case LogError.corruption(let d) = error, case .damagedAcknowledgedData = d.reason else { return false }
            return true
        }
        let unchanged = readFile(segment) == before  // compared outside #expect: 64 MiB would be printed
        #expect(unchanged, "nothing cut")
        // `verify` and readers hold it to the same floor: corruption, not a torn tail to repair.
        let verified = try LogVerifier(directory: copy).verify()
        #expect(verified.corruption?.reason == .damagedAcknowledgedData(durableThrough: UInt64(prefix.recordCount)) && verified.tornTail == nil,
                "\(String(describing: verified.corruption)) \(String(describing: verified.tornTail))")
        #expect(performing: { _ = try LogReader.open(directory: copy) }, throws: { error in
            guard case LogError.corruption(let d) = error, case .damagedAcknowledgedData = d.reason else { return false }
            return true
        })
    }

    /// A `.deferred` writer that never synced vouches for nothing: its open reads every frame.
    @Test func nothingSyncedNothingTrusted() throws {
        let tmp = TemporaryDirectory()
        let (copy, sent) = try killedLog(in: tmp, records: 30_000, durability: .deferred)
        let report = try reopen(copy)
        #expect(report.bytesTrusted == 0)
        #expect(report.bytesScanned >= sent.count * frame)
        #expect(try readAll(copy) == sent)
    }

    /// A flipped bit inside the prefix: the writer's open does not read it and leaves it as it
    /// is; every reader, and `verify`, refuses it, also after that writer appended more.
    @Test func damageInsideThePrefixIsRefusedByEveryReader() throws {
        let tmp = TemporaryDirectory()
        let (copy, sent) = try killedLog(in: tmp, records: 30_000)
        let segment = copy + "/" + SegmentName.fileName(baseSequence: 1)
        let damaged = SegmentLayout.dataStart + 10 * frame + FrameHeader.size + 3  // record 11's payload
        patch(segment, at: damaged, [readFile(segment)[damaged] ^ 0x04])
        let flipped = readFile(segment)[damaged]
        // A repair answers for the whole log: it reads what a writer's open trusts unread too.
        let before = readFile(segment)
        #expect(throws: LogError.corruption(.init(file: segment, offset: SegmentLayout.dataStart + 10 * frame, reason: .checksumMismatch))) {
            try LogRepair.repair(directory: copy)
        }
        #expect(readFile(segment) == before)

        let reopened = try LogWriter.open(directory: copy, options: options())
        #expect(reopened.recoveryReport.bytesTrusted > damaged)
        #expect(readFile(segment)[damaged] == flipped)
        #expect(throws: LogError.self) { try LogReader.open(directory: copy) }
        #expect(try LogVerifier(directory: copy).verify().corruption?.offset == SegmentLayout.dataStart + 10 * frame)
        _ = try append(reopened, 1_000, from: sent.count)
        try reopened.close()
        #expect(try LogVerifier(directory: copy).verify().corruption?.file == segment)
        #expect(throws: LogError.self) { try readAll(copy) }
    }
}
