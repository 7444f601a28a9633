import Testing
import Foundation
import PropertyBased
import AQLog
import AQLogSimulation

/// The segment scanner over hostile bytes: real segment images, mutated at random (bit flips,
/// random bytes, zeroed runs, spliced frames, random trailers), never trap and always give a
/// verdict that satisfies ``ScanInvariants``. Also replays the fuzz corpus (Tests/Fuzz/corpus).
@Suite struct ScannerPropertyTests {
    /// Real images: an open segment with batches, a sealed one, an open one with a torn tail.
    static let images: [[UInt8]] = {
        let disk = SimulatedStorage(seed: 5)
        let writer = try! LogWriter(directory: "/s", options: LogOptions(segmentSize: 64 * 1024, backend: .posix),
                                    storage: disk, backgroundPreparation: false)
        for i in 0..<300 {
            let p = (0..<(i * 37 % 700)).map { UInt8(truncatingIfNeeded: $0 ^ i) }
            if i % 4 == 0 { try! writer.append(contentsOf: [p, [], p]) } else { try! writer.append(p) }
        }
        try! writer.close()
        let names = disk.durableNames(in: "/s").filter { $0.hasSuffix(".seg") }
        return names.compactMap { disk.contents(of: "/s/" + $0) }
    }()

    static func mutate(_ image: [UInt8], seed: UInt64) -> [UInt8] {
        var r = SimulationRandom(seed: seed)
        var b = image
        let end = min(b.count, 4096 + 12_000)
        for _ in 0..<r.int(in: 1...6) {
            switch r.int(in: 0..<6) {
            case 0: let bit = r.int(in: 0..<(end * 8)); b[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            case 1: b[r.int(in: 0..<end)] = UInt8(truncatingIfNeeded: r.next())
            case 2: let at = r.int(in: 4096..<end); for i in at..<min(b.count, at + r.int(in: 1...600)) { b[i] = 0 }
            case 3:   // copy a run of bytes elsewhere (replayed or shifted frames)
                let from = r.int(in: 4096..<end), to = r.int(in: 4096..<end), n = r.int(in: 8...400)
                for i in 0..<n where from + i < b.count && to + i < b.count - 64 { b[to + i] = b[from + i] }
            case 4: for i in (b.count - 64)..<b.count { b[i] = UInt8(truncatingIfNeeded: r.next()) }
            default:   // a plausible frame header with a random length at an 8-aligned offset
                let at = r.int(in: 512..<(end / 8)) * 8
                let word = UInt32(truncatingIfNeeded: r.next()) & (r.chance(0.5) ? 0xFFFF : 0xFFFF_FFFF)
                withUnsafeBytes(of: word.littleEndian) { for (i, x) in $0.enumerated() { b[at + 4 + i] = x } }
            }
        }
        return b
    }

    @Test func mutatedImagesKeepTheScannerInvariants() async {
        #expect(Self.images.count >= 2)
        await propertyCheck(count: 400, input: Gen.uint64()) { seed in
            let image = Self.images[Int(seed % UInt64(Self.images.count))]
            let mutated = Self.mutate(image, seed: seed)
            let violation = mutated.withUnsafeBytes { ScanInvariants.violation(in: SegmentImage.scan($0), of: $0) }
            #expect(violation == nil, "seed \(seed)")
        }
    }

    @Test func randomBytesNeverTrap() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var r = SimulationRandom(seed: seed)
            var bytes = [UInt8](repeating: 0, count: r.chance(0.5) ? 64 * 1024 : r.int(in: 0...70_000))
            if let valid = Self.images.first, bytes.count == valid.count, r.chance(0.7) {
                for i in 0..<64 { bytes[i] = valid[i] }   // a valid header, random frames
            }
            for i in (bytes.count > 64 ? 64 : 0)..<min(bytes.count, 20_000) { bytes[i] = UInt8(truncatingIfNeeded: r.next()) }
            let violation = bytes.withUnsafeBytes { ScanInvariants.violation(in: SegmentImage.scan($0), of: $0) }
            #expect(violation == nil)
        }
    }

    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    /// Replays the committed fuzz corpus through the harness's image construction.
    @Test func fuzzCorpusReplays() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.corpusDirectory.path)) ?? []
        #expect(files.count >= 3, "seed corpus missing")
        for name in files {
            let data = [UInt8](try Data(contentsOf: Self.corpusDirectory.appendingPathComponent(name)))
            let image = FuzzImage.build(data)
            let summary = image.withUnsafeBytes { SegmentImage.scan($0) }
            #expect(image.withUnsafeBytes { ScanInvariants.violation(in: summary, of: $0) } == nil, "\(name)")
        }
    }

    /// `AQ_WRITE_CORPUS=1` regenerates Tests/Fuzz/corpus from real segments.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AQ_WRITE_CORPUS"] != nil))
    func writeSeedCorpus() throws {
        try FileManager.default.createDirectory(at: Self.corpusDirectory, withIntermediateDirectories: true)
        for (i, image) in Self.images.enumerated() {
            let open = SegmentImage.scan(image.withUnsafeBytes { $0 })   // committed end for the frame region
            let end = min(open.committedEnd + 64, 4096 + 6000)
            try Data([0] + image[4096..<end]).write(to: Self.corpusDirectory.appendingPathComponent("frames-\(i)"))
            try Data([1] + image[0..<min(image.count, 4096 + 3000)]).write(to: Self.corpusDirectory.appendingPathComponent("image-\(i)"))
            var torn = Array(image[4096..<end])
            for k in (torn.count * 2 / 3)..<torn.count { torn[k] = 0 }
            try Data([0] + torn).write(to: Self.corpusDirectory.appendingPathComponent("torn-\(i)"))
        }
    }
}

/// The same image construction as `aq-fuzz` (mode byte, then frames or a whole image).
enum FuzzImage {
    static func build(_ input: [UInt8]) -> [UInt8] {
        let size = SegmentLayout.minimumSegmentSize
        var image = [UInt8](repeating: 0, count: size)
        guard let mode = input.first else { return image }
        let body = Array(input.dropFirst())
        if mode & 1 == 0 {
            let header = SegmentHeader(maxRecordSize: UInt32(SegmentLayout.largestRecord(segmentSize: size)),
                                       logID: LogID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210),
                                       baseSequence: 1, segmentSize: UInt64(size), previousDigest: 0)
            image.withUnsafeMutableBytes { _ = header.encode(into: $0) }
            let room = size - SegmentLayout.dataStart - SegmentLayout.trailerSize
            for (i, b) in body.prefix(room).enumerated() { image[SegmentLayout.dataStart + i] = b }
            if body.count >= room + SegmentLayout.trailerSize {
                for i in 0..<SegmentLayout.trailerSize { image[size - SegmentLayout.trailerSize + i] = body[room + i] }
            }
        } else {
            for (i, b) in body.prefix(size).enumerated() { image[i] = b }
        }
        return image
    }
}
