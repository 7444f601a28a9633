import AQLog
import Foundation
import AQLogSimulation

/// What a cycle checks after each crash, and the damage it does at rest.
extension CrashCycle {
    /// Checks the recovered log against the model, then makes the recovered state the model.
    mutating func check(_ writer: Handle) {
        if writer.recoveryReport.tornTail != nil { report.tornTails += 1 }
        let reader: LogReader
        do { reader = try LogReader(directory: directory, storage: disk) } catch {
            failures.append(fail("reader open failed: \(error)"))
            return
        }
        let last = reader.lastSequence
        if last < mustSurvive { failures.append(fail("lost acknowledged records: recovered through \(last), acknowledged \(mustSurvive)")) }
        if writer.lastSequence != last { failures.append(fail("writer sees \(writer.lastSequence), reader \(last)")) }
        var expected: UInt64 = 1
        var recovered: [[[UInt8]]] = []
        do {
            try reader.forEach { seq, bytes in
                if seq != expected { failures.append(fail("sequence \(seq) where \(expected) was expected")); return false }
                expected += 1
                let got = Array(bytes)
                let index = Int(seq) - 1
                let options = index < candidates.count ? candidates[index] : []
                // An acknowledged record has one candidate, unless an append of its wave threw
                // after part of it was written (outcome unknown): then it is one of them (below).
                if seq <= mustSurvive, options.isEmpty || (options.count == 1 && options[0] != got) {
                    failures.append(fail("acknowledged record \(seq) has different bytes (\(got.count) bytes)"))
                    return false
                }
                if !options.contains(got) {
                    failures.append(fail("record \(seq) holds bytes nobody appended (\(got.count) bytes)"))
                    return false
                }
                recovered.append([got])
                return true
            }
        } catch {
            failures.append(fail("reading recovered log failed: \(error)"))
        }
        if failures.isEmpty, expected != last + 1 { failures.append(fail("dump ended at \(expected - 1), log says \(last)")) }
        report.acknowledgedChecked += Int(min(mustSurvive, last))
        report.recordsRecovered += Int(last)
        candidates = recovered
        mustSurvive = last
        returned = last
    }

    /// With some probability, flips one bit of a record or commit frame that a later committed
    /// batch vouches for, in the open segment; recovery must refuse it and change nothing, or
    /// the flip must be provably harmless (an unchecked padding byte: identical dump). A flip
    /// inside the durable prefix `HIGHWATER` records is not read by the writer's open (trusted
    /// as a sealed trailer is): then every reader must refuse it, and the writer must have left
    /// the flipped byte as it was.
    mutating func flipAtRestAndExpectCorruption() {
        guard random.chance(0.2) else { return }
        // A process crash leaves dirty pages, which write-back would lay over the flip: the
        // open segment is written back first (what the next open's settling does anyway).
        if let open = (try? LogReader(directory: directory, storage: disk))?.segments.last, !open.isSealed {
            disk.writeBack(path: open.path)
        }
        guard let target = vouchedFrameByte(), let baseline = try? dump() else { return }
        let (path, offset) = target
        let bit = offset * 8 + random.int(in: 0..<8)
        let before = disk.contents(of: path)
        disk.flipBit(path: path, bit: bit)
        let flipped = disk.contents(of: path)
        let detectedBefore = report.flipsDetected
        do {
            let w = try open()
            let torn = w.recoveryReport.tornTail
            let trustedEnd = SegmentLayout.dataStart + w.recoveryReport.bytesTrusted
            if (try? dump()) == baseline {
                report.flipsHarmless += 1
            } else if offset < trustedEnd {
                do {
                    _ = try dump()
                    failures.append(fail("flip at \(path) bit \(bit) in the trusted prefix was read without an error"))
                } catch LogError.corruption {
                    report.flipsLeftToReaders += 1
                    if disk.contents(of: path)?[offset] != flipped?[offset] { failures.append(fail("the writer changed a flipped byte of its trusted prefix")) }
                } catch {
                    failures.append(fail("flip at bit \(bit) in the trusted prefix: reader failed with \(error)"))
                }
            } else {
                failures.append(fail("flip at \(path) bit \(bit) was not refused (torn: \(String(describing: torn)))"))
            }
            disk.crash(.keepUnsynced)   // drop this writer without a close marker
            disk.resume()
        } catch LogError.corruption {
            report.flipsDetected += 1
            if disk.contents(of: path) != flipped { failures.append(fail("refused log was modified after flip at bit \(bit)")) }
        } catch {
            failures.append(fail("flip at bit \(bit): unexpected \(error)"))
        }
        disk.flipBit(path: path, bit: bit)
        if report.flipsDetected > detectedBefore, disk.contents(of: path) != before { failures.append(fail("flip not restored")) }
    }

    /// Every record, read through a fresh read-only reader.
    func dump() throws -> [[UInt8]] {
        let reader = try LogReader(directory: directory, storage: disk)
        var out: [[UInt8]] = []
        try reader.forEach { _, bytes in out.append(Array(bytes)); return true }
        return out
    }

    /// A payload or header byte of a frame in the open segment that a later intact commit
    /// frame vouches for (claims durable): a record at or below that claim, or the commit
    /// frame of such a record's batch. Being followed by a committed batch is not enough: a
    /// batch written beside another in flight claims nothing about it.
    mutating func vouchedFrameByte() -> (String, Int)? {
        guard let reader = try? LogReader(directory: directory, storage: disk),
              let open = reader.segments.last, !open.isSealed,
              let bytes = disk.contents(of: open.path) else { return nil }
        var frames: [(offset: Int, size: Int, sequence: UInt64, claim: UInt64?)] = []
        bytes.withUnsafeBytes { b in
            var pos = SegmentLayout.dataStart
            while pos + FrameHeader.size <= open.dataEnd {
                // A pipelined writer's padding: zeros to the next block (as little as 8 bytes).
                let boundary = (pos / SegmentLayout.blockSize + 1) * SegmentLayout.blockSize
                if pos % SegmentLayout.blockSize != 0, boundary + FrameHeader.size <= open.dataEnd,
                   b[pos..<boundary].allSatisfy({ $0 == 0 }), frames.last?.claim != nil {
                    pos = boundary
                    continue
                }
                if b[pos..<(pos + FrameHeader.size)].allSatisfy({ $0 == 0 }) { break }
                let h = FrameHeader(b, at: pos)
                let claim = h.isCommit ? CommitPayload(b, at: pos + FrameHeader.size).durableThrough : nil
                frames.append((pos, FrameHeader.size + Int(h.length), h.sequence, claim))
                pos += h.frameSize
            }
        }
        guard let best = frames.indices.filter({ frames[$0].claim != nil }).max(by: { frames[$0].claim! < frames[$1].claim! }) else { return nil }
        let claim = frames[best].claim!
        let eligible = frames[..<best].filter { $0.sequence <= claim && $0.sequence >= open.baseSequence }
        guard let frame = eligible.randomElement(using: &random) else { return nil }
        return (open.path, frame.offset + random.int(in: 0..<frame.size))
    }
}
