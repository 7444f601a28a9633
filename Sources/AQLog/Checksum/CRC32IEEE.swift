/// CRC-32/IEEE (the zlib / gzip / Ethernet CRC), used to read actionqueue's v5 WAL files.
///
/// Computed by the same slicing-by-8 engine as ``CRC32C``, with tables for polynomial
/// `0xEDB88320`.
public enum CRC32IEEE {
    /// The reflected IEEE 802.3 polynomial.
    public static let polynomial: UInt32 = 0xEDB8_8320
    /// Slicing-by-8 tables for CRC-32/IEEE.
    package static let table = CRCTable(reflectedPolynomial: polynomial)

    /// CRC-32/IEEE of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        table.update(crc, bytes)
    }

    /// CRC-32/IEEE of a byte array.
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
