import Testing
import AQLog
@testable import AQLogSimulation

/// Flips every bit of every sealed segment's header (first 64 bytes), trailer and index, and a
/// sample of record bits (the open segment's too), in a closed log; each flip must be detected,
/// reported as a torn tail without changing the dump, or provably harmless (identical dump).
/// Zero silent wrong data.
@Suite struct BitFlipSweepTests {
    enum Outcome: String, CaseIterable { case detected, harmless, torn, wrong }

    struct Log {
        let disk = SimulatedStorage(seed: 2026)
        let directory = "/log"
        var original: [[UInt8]] = []
        var segments: [SegmentDescriptor] = []

        init() throws {
            let writer = try LogWriter(directory: directory, options: LogOptions(segmentSize: 64 * 1024, backend: .posix),
                                       storage: disk, backgroundPreparation: false)
            var i = 0
            // Three sealed segments and an open one holding a few batches (closed: a close marker vouches for them).
            while segments.count < 4 || original.count % 7 != 3 {
                let payload = (0..<(400 + i * 53 % 900)).map { UInt8(truncatingIfNeeded: $0 * 7 + i) }
                if i % 5 == 0 {
                    try writer.append(contentsOf: [payload, Array(payload.prefix(31)), []])
                    original += [payload, Array(payload.prefix(31)), []]
                } else {
                    try writer.append(payload)
                    original.append(payload)
                }
                i += 1
                segments = try LogReader(directory: directory, storage: disk).segments
            }
            try writer.close()
            segments = try LogReader(directory: directory, storage: disk).segments
        }

        func dump() throws -> (records: [[UInt8]], torn: Bool) {
            let reader = try LogReader(directory: directory, storage: disk)
            var out: [[UInt8]] = []
            try reader.forEach { _, b in out.append(Array(b)); return true }
            return (out, reader.report.tornTail != nil)
        }

        /// Flips `bit` of `path`, judges the result read-only, flips it back.
        func judge(_ path: String, bit: Int) -> Outcome {
            disk.flipBit(path: path, bit: bit)
            defer { disk.flipBit(path: path, bit: bit) }
            let verdict: LogVerifier.Report
            do { verdict = try LogVerifier(directory: directory, storage: disk).verify() } catch { return .wrong }
            let dumped = try? dump()
            if let dumped, dumped.records != original, !dumped.torn { return .wrong }   // a reader got wrong data silently
            if verdict.corruption != nil { return .detected }
            if verdict.tornTail != nil { return .torn }   // nothing flipped here is truly a tail: asserted zero
            guard let dumped, dumped.records == original else { return .wrong }   // verify silent, reads fail or differ
            return .harmless
        }
    }

    @Test func everyFlipIsDetectedOrHarmless() throws {
        let log = try Log()
        let sealed = log.segments.filter(\.isSealed)
        #expect(sealed.count >= 3, "the sweep needs several sealed segments")
        #expect(try log.dump().records == log.original)
        var counts: [String: [Outcome: Int]] = [:]
        var wrong: [String] = []
        var random = SimulationRandom(seed: 77)
        func sweep(_ region: String, _ path: String, _ bytes: Range<Int>) {
            for bit in (bytes.lowerBound * 8)..<(bytes.upperBound * 8) {
                let outcome = log.judge(path, bit: bit)
                counts[region, default: [:]][outcome, default: 0] += 1
                if outcome == .wrong { wrong.append("\(path) bit \(bit) (\(region))") }
            }
        }
        for d in log.segments {
            sweep("header", d.path, 0..<SegmentLayout.headerSize)
            if let trailer = d.trailer {
                sweep("trailer", d.path, (d.segmentSize - SegmentLayout.trailerSize)..<d.segmentSize)
                sweep("index", d.path, Int(trailer.indexOffset)..<(Int(trailer.indexOffset) + d.recordCount * SegmentLayout.indexEntrySize))
            }
            // A sample of record bits: 48 random bytes of frames, all 8 bits each.
            for _ in 0..<48 {
                let byte = random.int(in: SegmentLayout.dataStart..<d.dataEnd)
                sweep("records", d.path, byte..<(byte + 1))
            }
        }
        var totals: [Outcome: Int] = [:]
        for region in ["header", "trailer", "index", "records"] {
            let c = counts[region] ?? [:]
            for (k, v) in c { totals[k, default: 0] += v }
            print("bit flips \(region): " + Outcome.allCases.map { "\($0.rawValue)=\(c[$0] ?? 0)" }.joined(separator: " "))
        }
        print("bit flips total over \(log.segments.count) segments (\(sealed.count) sealed): "
              + Outcome.allCases.map { "\($0.rawValue)=\(totals[$0] ?? 0)" }.joined(separator: " "))
        #expect(wrong.isEmpty, "silent wrong data: \(wrong.prefix(10))")
        #expect(totals[.torn] == nil, "a flip below the close marker was taken for a torn tail")
        #expect((totals[.detected] ?? 0) > 0)
    }

    /// Every bit of `HIGHWATER`'s mark and durable prefix records, and of the prefix's index,
    /// flipped in turn (the index's ends) after a killed `.sync` writer: a writer's open either trusts the prefix
    /// (the flip missed every checked byte) or scans from the data start, and always recovers
    /// exactly the records written; appending until the segment is sealed then gives a footer
    /// that `verify` accepts (a wrong index or digest taken from the prefix would not be).
    @Test func everyFlipOfTheDurablePrefixLeavesTheWritersOpenRight() throws {
        let disk = SimulatedStorage(seed: 2027)
        var options = LogOptions(segmentSize: 256 * 1024, backend: .posix)
        options.initialSegmentSize = 256 * 1024
        options.highWaterStep = SegmentLayout.blockSize
        let writer = try LogWriter(directory: "/log", options: options, durability: .sync, storage: disk, backgroundPreparation: false)
        var original: [[UInt8]] = []
        for i in 0..<60 {
            let batch = (0..<3).map { k in (0..<(300 + (i * 3 + k) * 37 % 500)).map { UInt8(truncatingIfNeeded: $0 &* 5 &+ i &+ k) } }
            try writer.append(contentsOf: batch)
            original += batch
        }
        disk.crash(.keepUnsynced)   // the process dies; what it wrote stays in the page cache
        disk.resume()
        let names = try disk.listDirectory("/log")
        let image = names.map { ("/log/" + $0, disk.contents(of: "/log/" + $0)) }
        let highWater = disk.contents(of: "/log/HIGHWATER")!
        let prefix = try #require(highWater.withUnsafeBytes { VouchedPrefix.decode($0) }, "the killed writer recorded a prefix")
        #expect(prefix.recordCount > 100)
        /// A machine holding the killed writer's files, with bit `bit` of `HIGHWATER` flipped.
        func machine(flipping bit: Int) throws -> SimulatedStorage {
            let disk = SimulatedStorage(seed: 2028)
            try disk.createDirectory("/log")
            for (path, bytes) in image { if let bytes { disk.setContents(of: path, bytes) } }
            disk.flipBit(path: "/log/HIGHWATER", bit: bit)
            return disk
        }
        let filler = (0..<12).map { [UInt8](repeating: UInt8($0), count: 16 << 10) }
        var trusted = 0, whole = 0
        var wrong: [Int] = []
        // Both records whole; the index's first and last 64 bytes (every entry's bits are alike).
        let indexEnd = VouchedPrefix.indexOffset + prefix.recordCount * SegmentLayout.indexEntrySize
        let bytes = Array(0..<(VouchedPrefix.offset + VouchedPrefix.size))
            + Array(VouchedPrefix.indexOffset..<(VouchedPrefix.indexOffset + 64)) + Array((indexEnd - 64)..<indexEnd)
        for byte in bytes {
            for bit in 0..<8 {
                do {
                    let disk = try machine(flipping: byte * 8 + bit)
                    let reopened = try LogWriter(directory: "/log", options: options, durability: .sync, storage: disk, backgroundPreparation: false)
                    if reopened.recoveryReport.bytesTrusted > 0 { trusted += 1 } else { whole += 1 }
                    let right = reopened.lastSequence == UInt64(original.count)
                    try reopened.append(contentsOf: filler)   // seals the segment
                    try reopened.close()
                    let reader = try LogReader(directory: "/log", storage: disk)
                    var out: [[UInt8]] = []
                    try reader.forEach { _, b in out.append(Array(b)); return true }
                    let sealed = reader.segments.first?.isSealed == true
                    let verified = try LogVerifier(directory: "/log", storage: disk).verify().corruption == nil
                    if !right || !sealed || !verified || out != original + filler { wrong.append(byte * 8 + bit) }
                } catch {
                    if wrong.isEmpty { print("first failure: \(error)") }
                    wrong.append(byte * 8 + bit)
                }
            }
        }
        print("HIGHWATER bit flips: \(trusted + whole) (prefix trusted \(trusted), whole scan \(whole)), wrong \(wrong.count)")
        #expect(wrong.isEmpty, "\(wrong.count) bits, first \(wrong.prefix(10))")
        #expect(whole > 0 && trusted > 0)
    }
}
