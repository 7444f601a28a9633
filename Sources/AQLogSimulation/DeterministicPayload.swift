/// Payloads derived from a sequence number alone, so a checker can recompute what a writer
/// (another process, or a crashed one) appended without any side channel.
public enum DeterministicPayload {
    /// The payload of record `sequence`: 0 to 1,499 bytes (every 97th record is empty), varied content.
    public static func bytes(for sequence: UInt64) -> [UInt8] {
        let count = sequence % 97 == 0 ? 0 : Int((sequence &* 2_654_435_761) % 1_500)
        var out = [UInt8](repeating: 0, count: count)
        var x = sequence &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x)
        }
        return out
    }
}
