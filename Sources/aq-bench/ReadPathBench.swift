import AQLog
import Foundation

/// The read path against the raw work of the same bytes, warm (page cache), one record size:
/// `LogReader.forEach` (each record's checksum checked) and `verify` over the same sealed
/// segments, and a reader's open scanning a full open segment, each beside a C loop that reads
/// the same files and checksums them with the same CRC engine (ISA-L), in the same run.
struct ReadPathResult: Codable, Sendable {
    var recordSize: Int
    /// Records in the segments read.
    var frames: Int
    var bytes: Int
    /// GB/s over `bytes`, best of `readPathRounds` interleaved rounds each.
    var forEach: Double
    var verify: Double
    /// The open-segment scan of `LogReader.open` (its report's bytes over its open time).
    var openScan: Double
    var rawMmap: Double
    var rawPread: Double
    /// The raw mmap loop over the open segment file alone (the open scan's comparison).
    var rawOpenMmap: Double
    /// The same mappings walked frame by frame in C, each frame's checksum checked on its own
    /// (`cbase_walk_frames`): what the format's per-frame checksums cost a reader that does
    /// nothing else. Optional: reports written before it existed decode.
    var rawMmapPerFrame: Double?
    /// Nanoseconds per record of `forEach` and of the raw mmap loop over the same bytes.
    var forEachNanosPerRecord: Double { Double(bytes) / forEach / Double(frames) }
    var rawNanosPerRecord: Double { Double(bytes) / rawMmap / Double(frames) }
}

/// Rounds of the read-path comparison (each runs the log's loops and C's once).
let readPathRounds = 5

func runReadPath(root: String, recordSize: Int, segmentSize: Int, sealedSegments: Int) throws -> ReadPathResult {
    let dir = root + "/read-path-\(recordSize)", scanDir = dir + "-open"
    for d in [dir, scanDir] { try? FileManager.default.removeItem(atPath: d) }
    defer { for d in [dir, scanDir] { try? FileManager.default.removeItem(atPath: d) } }
    var options = LogOptions(segmentSize: segmentSize)
    options.initialSegmentSize = segmentSize
    let writer = try LogWriter.open(directory: dir, options: options, durability: .deferred)
    let batch = [[UInt8]](repeating: [UInt8](repeating: 0x3C, count: recordSize), count: max(1, (256 << 10) / recordSize))
    func files(_ d: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [])
            .filter { $0.hasSuffix(".seg") }.sorted().map { d + "/" + $0 }
    }
    func base(_ path: String) -> UInt64 { UInt64((path as NSString).lastPathComponent.prefix(20))! }
    // `sealedSegments` sealed segments to read, one more to scan as a full open segment.
    while files(dir).count < sealedSegments + 2 { try writer.append(contentsOf: batch) }
    try writer.close()
    let all = files(dir)
    let sealed = Array(all.prefix(sealedSegments))
    let bytes = sealed.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    let lastRead = base(all[sealedSegments]) - 1
    // The scanned segment, alone in a log of its own with its footer zeroed: an open segment
    // full to its last batch, as a writer leaves it.
    try FileManager.default.createDirectory(atPath: scanDir, withIntermediateDirectories: true)
    let openPath = scanDir + "/" + (all[sealedSegments] as NSString).lastPathComponent
    try FileManager.default.copyItem(atPath: all[sealedSegments], toPath: openPath)
    let fd = open(openPath, O_RDWR)
    let size = Int(lseek(fd, 0, SEEK_END))
    let indexStart = SegmentLayout.indexOffset(segmentSize: size, recordCount: Int(base(all[sealedSegments + 1]) - base(all[sealedSegments])))
    let zeros = [UInt8](repeating: 0, count: size - indexStart)
    _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(indexStart)) }
    close(fd)
    // The sealed ones alone for verify (the last segment of a log is read as its open one).
    for path in all.suffix(2) { try FileManager.default.removeItem(atPath: path) }
    // And the writer's record of what it made durable, which those two segments held: readers
    // would rightly refuse a log that ends before it.
    try FileManager.default.removeItem(atPath: dir + "/LOCK")

    let clock = ContinuousClock()
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = clock.now
        try body()
        let (s, a) = (clock.now - start).components
        return Double(s) + Double(a) / 1e18
    }
    _ = try rawReadChecksum(sealed + [openPath], mmap: true, cold: false)  // warms the cache
    let verifyBytes = try LogVerifier(directory: dir).verify().bytesVerified
    var length = 0, scanned = 0
    var forEach = Double.infinity, verify = Double.infinity, scan = Double.infinity
    var rawMmap = 0.0, rawPread = 0.0, rawOpen = 0.0, rawPerFrame = 0.0
    // Each round runs every loop once, the log's and C's in turn, and each figure is its best
    // round: this machine's memory and fault costs drift by tens of percent over seconds, and
    // rounds taken apart would compare the drift.
    for _ in 0..<readPathRounds {
        forEach = min(forEach, try seconds {
            let reader = try LogReader.open(directory: dir)
            try reader.forEach(from: 1, through: lastRead) { (_, payload: UnsafeRawBufferPointer) -> Bool in
                length &+= payload.count
                return true
            }
        })
        let walk = try rawWalkFrames(sealed)
        // Every record and commit frame of the sealed segments passed, or the walk measured less.
        guard walk.frames > Int(lastRead) else { throw BenchError("raw frame walk stopped after \(walk.frames) frames") }
        rawPerFrame = max(rawPerFrame, walk.gigabytesPerSecond)
        rawMmap = max(rawMmap, try rawReadChecksum(sealed, mmap: true, cold: false).gigabytesPerSecond)
        verify = min(verify, try seconds {
            let r = try LogVerifier(directory: dir).verify()
            if let c = r.corruption { throw BenchError("verify found corruption: \(c)") }
        })
        rawPread = max(rawPread, try rawReadChecksum(sealed, mmap: false, cold: false).gigabytesPerSecond)
        let reader = try LogReader.open(directory: scanDir)
        let (s, a) = reader.report.duration.components
        scan = min(scan, Double(s) + Double(a) / 1e18)
        scanned = reader.report.bytesScanned
        rawOpen = max(rawOpen, try rawReadChecksum([openPath], mmap: true, cold: false).gigabytesPerSecond)
    }
    return ReadPathResult(recordSize: recordSize, frames: Int(lastRead), bytes: bytes,
                          forEach: Double(bytes) / forEach / 1e9, verify: Double(verifyBytes) / verify / 1e9,
                          openScan: Double(scanned) / scan / 1e9, rawMmap: rawMmap, rawPread: rawPread, rawOpenMmap: rawOpen,
                          rawMmapPerFrame: rawPerFrame)
}
