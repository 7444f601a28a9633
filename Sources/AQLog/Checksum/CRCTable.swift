/// Slicing-by-8 lookup tables for one reflected CRC-32 polynomial.
///
/// `tables[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes, so eight
/// input bytes fold into the state with eight independent lookups per step.
package struct CRCTable: Sendable {
    /// The reflected polynomial the tables were built for.
    package let reflectedPolynomial: UInt32
    @usableFromInline let tables: [UInt32]

    /// Builds the 8 × 256 tables for `reflectedPolynomial` (e.g. `0x82F63B78` for CRC-32C).
    package init(reflectedPolynomial: UInt32) {
        self.reflectedPolynomial = reflectedPolynomial
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1 }
            t[b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        tables = t
    }

    /// Continues a CRC over `bytes`. `crc` is the finalised value of the bytes so far
    /// (0 for none), so `update(update(0, a), b) == update(0, a + b)`.
    @inlinable
    package func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return tables.withUnsafeBufferPointer { t in
            var state = ~crc
            var p = base
            var n = bytes.count
            while n >= 8 {
                let w = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) ^ UInt64(state)
                let lo = UInt32(truncatingIfNeeded: w)
                let hi = UInt32(truncatingIfNeeded: w &>> 32)
                state = t[7 &* 256 &+ Int(lo & 0xFF)] ^ t[6 &* 256 &+ Int((lo &>> 8) & 0xFF)]
                    ^ t[5 &* 256 &+ Int((lo &>> 16) & 0xFF)] ^ t[4 &* 256 &+ Int(lo &>> 24)]
                    ^ t[3 &* 256 &+ Int(hi & 0xFF)] ^ t[2 &* 256 &+ Int((hi &>> 8) & 0xFF)]
                    ^ t[1 &* 256 &+ Int((hi &>> 16) & 0xFF)] ^ t[Int(hi &>> 24)]
                p += 8
                n &-= 8
            }
            while n > 0 {
                state = (state &>> 8) ^ t[Int((state ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n &-= 1
            }
            return ~state
        }
    }
}
