import AQLog

/// CRC-32/IEEE (zlib) as the v5 format uses it: over the payload only.
enum V5Checksum {
    static func crc(_ bytes: [UInt8]) -> UInt32 { CRC32IEEE.checksum(bytes) }
    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.withUnsafeBytes { CRC32IEEE.checksum($0) } }
}
