// libFuzzer harness over the segment scanner and frame decoder (the code recovery runs).
//
// Input layout: byte 0 selects the mode.
//   even: the rest is a segment's frame region, placed after a valid header in a 64 KiB image
//         (so the fuzzer spends its time in the frame decoder and the torn/corruption table);
//         its last 64 bytes (when 64 or more follow) also become the image's trailer.
//   odd:  the rest is the image itself, zero-padded to 64 KiB (header and trailer decoding).
// Every verdict is checked against ScanInvariants; a violation traps (a fuzzer finding).
//
// Build: scripts/fuzz.sh (swift build -c release --product aq-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING).
// Without FUZZING this is a corpus replayer: `aq-fuzz FILE...` runs each file through the harness.
import AQLog
import AQLogSimulation
#if canImport(Glibc)
import Glibc
#endif

let imageSize = SegmentLayout.minimumSegmentSize
let fuzzHeader = SegmentHeader(maxRecordSize: UInt32(SegmentLayout.largestRecord(segmentSize: imageSize)),
                               logID: LogID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210),
                               baseSequence: 1, segmentSize: UInt64(imageSize), previousDigest: 0)

/// Builds the image for an input and checks the scanner's verdict. Returns 0 (libFuzzer convention).
func runOne(_ input: UnsafeRawBufferPointer) -> Int32 {
    guard let mode = input.first else { return 0 }
    let body = UnsafeRawBufferPointer(rebasing: input[1...])
    let image = UnsafeMutableRawBufferPointer.allocate(byteCount: imageSize, alignment: 4096)
    defer { image.deallocate() }
    image.initializeMemory(as: UInt8.self, repeating: 0)
    if mode & 1 == 0 {
        fuzzHeader.encode(into: image)
        let room = imageSize - SegmentLayout.dataStart - SegmentLayout.trailerSize
        let n = min(body.count, room)
        if n > 0 { (image.baseAddress! + SegmentLayout.dataStart).copyMemory(from: body.baseAddress!, byteCount: n) }
        if body.count >= room + SegmentLayout.trailerSize {
            (image.baseAddress! + imageSize - SegmentLayout.trailerSize)
                .copyMemory(from: body.baseAddress! + room, byteCount: SegmentLayout.trailerSize)
        }
    } else if body.count > 0 {
        image.baseAddress!.copyMemory(from: body.baseAddress!, byteCount: min(body.count, imageSize))
    }
    let bytes = UnsafeRawBufferPointer(image)
    let summary = SegmentImage.scan(bytes)
    check(summary, bytes)
    return 0
}

/// Traps (a fuzzer finding) when the verdict breaks an invariant (see ``ScanInvariants``).
func check(_ s: SegmentImage.Summary, _ bytes: UnsafeRawBufferPointer) {
    if let violation = ScanInvariants.violation(in: s, of: bytes) { fatalError("scanner invariant violated: \(violation)") }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runOne(UnsafeRawBufferPointer(start: data, count: size))
}
#else
@main
struct CorpusReplayer {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { print("aq-fuzz: cannot open \(path)"); exit(66) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&chunk, 1, chunk.count, file)
                if n <= 0 { break }
                bytes.append(contentsOf: chunk[0..<n])
            }
            fclose(file)
            _ = bytes.withUnsafeBytes { runOne($0) }
            count += 1
        }
        print("replayed \(count) inputs")
    }
}
#endif
