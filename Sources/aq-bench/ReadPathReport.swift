/// The read-path, crash-reopen and idle-open sections of the report: tables and targets.
extension BenchReport {
    func readPathTable() -> String {
        var out = ""
        if !readPath.isEmpty {
            out += "### Read path, warm, against C read+CRC of the same files (GB/s, best of 5 interleaved rounds)\n\n"
            out += "| record | records | forEach | C mmap+CRC | C mmap, frame by frame | ns/record (log, C) | verify | C pread+CRC | reader's open scan | C mmap+CRC (that file) |\n"
            out += "|---|---|---|---|---|---|---|---|---|---|\n"
            for r in readPath {
                out += "| \(formatSize(r.recordSize)) | \(r.frames) | \(f2(r.forEach)) | \(f2(r.rawMmap)) | \(r.rawMmapPerFrame.map(f2) ?? "–") | \(f1(r.forEachNanosPerRecord)), \(f1(r.rawNanosPerRecord)) "
                out += "| \(f2(r.verify)) | \(f2(r.rawPread)) | \(f2(r.openScan)) | \(f2(r.rawOpenMmap)) |\n"
            }
            out += "\n"
        }
        if !crashReopen.isEmpty {
            out += "### Reopen after a killed writer (256 B records in the open segment, in-process open)\n\n"
            out += "| records | pages | open ms | settle ms | recovery ms | bytes scanned | bytes trusted | C mmap+CRC of the segment ms |\n|---|---|---|---|---|---|---|---|\n"
            for r in crashReopen {
                out += "| \(r.records) | \(r.pages) | \(f2(r.openMillis)) | \(f2(r.settleMillis)) | \(f2(r.recoveryMillis)) | \(r.bytesScanned) | \(r.bytesTrusted) | \(f2(r.rawMillis)) |\n"
            }
            out += "\n"
        }
        if !idleOpen.isEmpty {
            out += "Idle open (one record, open segment of the full size, median of 3): "
            out += idleOpen.map { "\(formatSize($0.segmentSize)) segments \(f2($0.openMillis)) ms (\($0.bytesScanned) bytes scanned)" }
                .joined(separator: "; ") + "\n\n"
        }
        return out
    }

    func readPathTargets(_ add: (String, Double, String, Double) -> Void) {
        for r in readPath {
            let size = formatSize(r.recordSize)
            add("LogReader.forEach \(size) records, warm / C mmap+CRC", r.forEach / max(r.rawMmap, 1e-9), ">=", 0.8)
            add("verify \(size) records, warm / C pread+CRC", r.verify / max(r.rawPread, 1e-9), ">=", 0.8)
            add("reader's open-segment scan \(size) records, warm / C mmap+CRC", r.openScan / max(r.rawOpenMmap, 1e-9), ">=", 0.8)
        }
        if let r = crashReopen.first(where: { $0.records == 200_000 && $0.pages == "clean" }) {
            add("reopen after a kill, 200k x 256 B, clean pages (ms)", r.openMillis, "<=", 9)
        }
        if let small = idleOpen.min(by: { $0.segmentSize < $1.segmentSize }),
           let big = idleOpen.max(by: { $0.segmentSize < $1.segmentSize }), big.segmentSize > small.segmentSize {
            add("idle open, \(formatSize(big.segmentSize)) / \(formatSize(small.segmentSize)) segments (x)",
                big.openMillis / max(small.openMillis, 0.001), "<=", 2)
            add("idle open, \(formatSize(big.segmentSize)) segments (ms)", big.openMillis, "<=", 10)
        }
    }
}
