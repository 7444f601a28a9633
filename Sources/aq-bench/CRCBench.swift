import AQLog
import CBaseline
import CCRC
import Foundation

/// In-memory checksum speed of each engine at one buffer size.
struct CRCResult: Codable, Sendable {
    var engine: String
    var size: Int
    var gigabytesPerSecond: Double
}

enum CRCEngineName: String, CaseIterable {
    case slicingBy8 = "crc32c slicing-by-8"
    case slicingBy8C = "crc32c slicing-by-8 (C)"
    case isal = "crc32c isa-l"
    case dispatch = "crc32c CRC32C.checksum"
    case zlib = "crc32 zlib (IEEE)"
}

/// Best of `trials` timings of `body` repeated until at least `minSeconds` elapse.
@inline(__always)
private func bestRate(bytesPerCall: Int, minSeconds: Double, trials: Int, _ body: () -> UInt32) -> Double {
    let clock = ContinuousClock()
    var best = 0.0
    var sink: UInt32 = 0
    let inner = max(1, (1 << 16) / max(bytesPerCall, 1))
    for _ in 0..<trials {
        var calls = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            for _ in 0..<inner { sink ^= body() }
            calls += inner
            let (s, a) = (clock.now - start).components
            elapsed = Double(s) + Double(a) / 1e18
        } while elapsed < minSeconds
        best = max(best, Double(calls * bytesPerCall) / elapsed / 1e9)
    }
    if sink == 0x1234_5678 { print("", terminator: "") }  // keeps the results alive
    return best
}

func runCRC(sizes: [Int], minSeconds: Double) -> [CRCResult] {
    var results: [CRCResult] = []
    let largest = sizes.max() ?? 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: largest, alignment: 64)
    defer { buffer.deallocate() }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<largest {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        buffer[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    for size in sizes {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
        // Large buffers: a single call per iteration is enough, fewer repetitions.
        let seconds = size >= 1 << 20 ? minSeconds * 2 : minSeconds
        let trials = 3
        for engine in CRCEngineName.allCases {
            let rate: Double
            switch engine {
            case .slicingBy8: rate = bestRate(bytesPerCall: size, minSeconds: seconds, trials: trials) { CRC32C.portable(bytes) }
            case .slicingBy8C:
                rate = bestRate(bytesPerCall: size, minSeconds: seconds, trials: trials) { cbase_crc32c_slicing_by_8(0, bytes.baseAddress, size) }
            case .isal: rate = bestRate(bytesPerCall: size, minSeconds: seconds, trials: trials) { ccrc_crc32c_isal(0, bytes.baseAddress, size) }
            case .dispatch: rate = bestRate(bytesPerCall: size, minSeconds: seconds, trials: trials) { CRC32C.checksum(bytes) }
            case .zlib: rate = bestRate(bytesPerCall: size, minSeconds: seconds, trials: trials) { ccrc_crc32_zlib(0, bytes.baseAddress, size) }
            }
            results.append(CRCResult(engine: engine.rawValue, size: size, gigabytesPerSecond: rate))
        }
    }
    return results
}
