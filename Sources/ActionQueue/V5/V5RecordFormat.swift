/// actionqueue-storage 0.1.2's single-file WAL record (v5), little-endian:
/// ```
/// offset 0   u32 version = 5
/// offset 4   u32 payload length N (readers refuse N > 256 MiB before allocating)
/// offset 8   u32 CRC-32/IEEE of the N payload bytes only
/// offset 12  N   payload = postcard(WalEvent): varint(sequence), varint(variant), fields
/// ```
/// Records are back-to-back; there is no file header, magic, padding or trailer.
public enum V5RecordFormat {
    /// The version word every v5 record starts with.
    public static let version: UInt32 = 5
    /// Bytes before the payload: version, length, CRC.
    public static let headerLength = 12
    /// The reference readers' cap on a declared payload length.
    public static let maxPayloadLength: UInt32 = 256 * 1024 * 1024

    /// Encodes one record (used by tests and for golden vectors).
    public static func encodeRecord(_ event: WalEvent) -> [UInt8] {
        frame(payload: event.postcardBytes())
    }

    /// Frames a raw payload with a v5 header.
    public static func frame(payload: [UInt8], version: UInt32 = version) -> [UInt8] {
        var out: [UInt8] = []
        SnapshotFileFormat.appendLE(&out, version)
        SnapshotFileFormat.appendLE(&out, UInt32(payload.count))
        SnapshotFileFormat.appendLE(&out, V5Checksum.crc(payload))
        return out + payload
    }
}
