#if canImport(Glibc)
import Glibc
#endif

/// A log's 128-bit identity, written in every segment header so segments of another log are refused.
public struct LogID: Hashable, Sendable, CustomStringConvertible {
    /// The upper 64 bits: written first (segment header offset 16), printed first by ``description``.
    public var high: UInt64
    /// The lower 64 bits (segment header offset 24).
    public var low: UInt64

    /// The identity with these two halves (an existing log's; ``random()`` makes a new one).
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// A fresh random identity.
    public static func random() -> LogID {
        var g = SystemRandomNumberGenerator()
        return LogID(high: g.next(), low: g.next())
    }

    init(loading bytes: UnsafeRawBufferPointer, at offset: Int) {
        high = bytes.u64(at: offset)
        low = bytes.u64(at: offset + 8)
    }

    func store(into out: UnsafeMutableRawBufferPointer, at offset: Int) {
        out.setU64(high, at: offset)
        out.setU64(low, at: offset + 8)
    }

    /// The 128 bits as 32 lower-case hex digits, zero-padded, ``high`` first.
    public var description: String {
        let h = String(high, radix: 16), l = String(low, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h + String(repeating: "0", count: 16 - l.count) + l
    }
}
