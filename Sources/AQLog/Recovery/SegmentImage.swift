/// Recovery's judgement of one segment file's bytes, as a public entry point for tools,
/// property tests and fuzzers (`aq-fuzz`).
///
/// It runs exactly the code recovery runs on a segment: the header decoder and its checks,
/// the trailer decoder and footer consistency check, and the `SegmentScanner` frame scan
/// with its torn-tail/corruption decision table. It never writes and never traps on any input.
package enum SegmentImage {
    /// What the bytes hold.
    package enum Verdict: Equatable, Sendable {
        /// The header is missing, damaged, of another version, or disagrees with the image size.
        case badHeader(CorruptionReason)
        /// A valid trailer whose fields contradict the header or the geometry.
        case badFooter(String)
        /// Records end cleanly (zeros follow the last commit point).
        case clean
        /// The scan ended in our own (possibly torn) footer: a sealed or interrupted-seal segment.
        case footer
        /// Damage after the last commit point with nothing committed after it.
        case tornTail(TornTail)
        /// Damage followed by committed batches, none claiming it durable: a torn tail whose
        /// committed records were never synced (refused only under `strict`).
        case unsyncedAfterDamage(TornTail, CorruptionDiagnosis)
        /// Damage at or below a committed point.
        case corruption(CorruptionDiagnosis)
    }

    /// The result of ``scan(_:)``.
    package struct Summary: Equatable, Sendable {
        package var verdict: Verdict
        /// The decoded header, when it is valid.
        package var header: SegmentHeader?
        /// The decoded trailer, when one is present and intact.
        package var trailer: SegmentTrailer?
        /// Frame offset of each committed record found by the scan (record i has sequence base + i).
        package var recordOffsets: [Int] = []
        /// Offset just past the last intact commit frame.
        package var committedEnd = SegmentLayout.dataStart
    }

    /// Judges `bytes` as a whole segment file.
    package static func scan(_ bytes: UnsafeRawBufferPointer) -> Summary {
        guard bytes.count >= SegmentLayout.minimumSegmentSize else {
            return Summary(verdict: .badHeader(bytes.count < SegmentLayout.headerSize ? .incompleteHeader : .badSegmentHeader))
        }
        let header: SegmentHeader, headerCRC: UInt32
        switch SegmentHeader.decode(bytes) {
        case .success(let (h, crc)): (header, headerCRC) = (h, crc)
        case .failure(.unsupportedVersion(let v)): return Summary(verdict: .badHeader(.unsupportedVersion(v)))
        case .failure(.unsupportedFeatures(let bits)): return Summary(verdict: .badHeader(.unsupportedFeatures(bits)))
        case .failure: return Summary(verdict: .badHeader(.badSegmentHeader))
        }
        guard header.baseSequence >= 1, header.segmentSize == UInt64(bytes.count), bytes.count % SegmentLayout.blockSize == 0,
              Int(header.maxRecordSize) <= SegmentLayout.largestRecord(segmentSize: bytes.count) else {
            return Summary(verdict: .badHeader(.badSegmentHeader), header: header)
        }
        var summary = Summary(verdict: .clean, header: header)
        let trailerBytes = UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - SegmentLayout.trailerSize)...])
        if let (trailer, _) = SegmentTrailer.decode(trailerBytes) {
            summary.trailer = trailer
            if let why = SegmentFooter.inconsistency(trailer, header: header, headerChecksum: headerCRC, fileSize: bytes.count) {
                summary.verdict = .badFooter(why)
                return summary
            }
        }
        let result = SegmentScanner(bytes: bytes, file: "image", header: header).scan()
        summary.recordOffsets = result.offsets.map(Int.init)
        summary.committedEnd = result.committedEnd
        switch result.verdict {
        case .clean: summary.verdict = .clean
        case .footerArtefact: summary.verdict = .footer
        case .tornTail(let t): summary.verdict = .tornTail(t)
        case .unsyncedAfterDamage(let t, let d): summary.verdict = .unsyncedAfterDamage(t, d)
        case .corruption(let d): summary.verdict = .corruption(d)
        }
        return summary
    }
}
