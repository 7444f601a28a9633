import AQLog

/// The snapshot file layout (all integers little-endian):
/// ```
/// offset  size  field
///  0      8     magic "AQSNAP\r\n" (41 51 53 4E 41 50 0D 0A)
///  8      4     format version = 1
/// 12      4     payload schema version (Snapshot.currentSchemaVersion = 1)
/// 16      8     wal sequence covered
/// 24      8     timestamp
/// 32      8     payload length N (<= 1 GiB)
/// 40      4     CRC-32/IEEE of the N payload bytes
/// 44      4     CRC-32/IEEE of bytes 0..<44
/// 48      N     payload: the postcard snapshot body
/// ```
/// The file is exactly `48 + N` bytes; anything else is refused.
public enum SnapshotFileFormat {
    /// The file's first 8 bytes, `AQSNAP\r\n`.
    public static let magic: [UInt8] = Array("AQSNAP\r\n".utf8)
    /// The file layout version this build writes and reads.
    public static let formatVersion: UInt32 = 1
    /// Bytes before the payload.
    public static let headerLength = 48
    /// The largest payload accepted, 1 GiB.
    public static let maxPayloadLength: UInt64 = 1 << 30

    /// Why snapshot bytes were refused (before or after decoding).
    public enum Failure: Error, Sendable, Hashable {
        /// Fewer bytes than a header.
        case tooShort(length: Int)
        /// The first 8 bytes are not ``SnapshotFileFormat/magic``.
        case badMagic
        /// The header's CRC (bytes 44..<48, `expected`) does not match bytes 0..<44 (`actual`).
        case headerChecksumMismatch(expected: UInt32, actual: UInt32)
        /// A format version other than ``SnapshotFileFormat/formatVersion``.
        case unsupportedFormatVersion(found: UInt32)
        /// A declared payload length above ``SnapshotFileFormat/maxPayloadLength``.
        case payloadTooLarge(length: UInt64)
        /// The bytes after the header are not exactly the declared payload length.
        case lengthMismatch(declared: UInt64, actual: Int)
        /// The payload's CRC (stored, `expected`) does not match its bytes (`actual`).
        case payloadChecksumMismatch(expected: UInt32, actual: UInt32)
        /// The payload is not a valid snapshot body (trailing bytes included).
        case decode(CodecError)
        /// The snapshot breaks a projection invariant (checked on encode and on decode).
        case validation(SnapshotValidationError)
    }

    /// Encodes a snapshot (after validating it).
    ///
    /// - Throws: ``Failure/validation(_:)`` when the snapshot breaks an invariant.
    public static func encode(_ snapshot: Snapshot) throws(Failure) -> [UInt8] {
        do { try SnapshotValidator.validate(snapshot) } catch { throw .validation(error) }
        var body = PostcardWriter(capacity: 4096)
        snapshot.encodeBody(to: &body)
        var out: [UInt8] = magic
        out.reserveCapacity(headerLength + body.bytes.count)
        appendLE(&out, formatVersion)
        appendLE(&out, snapshot.schemaVersion)
        appendLE(&out, snapshot.walSequence)
        appendLE(&out, snapshot.timestamp)
        appendLE(&out, UInt64(body.bytes.count))
        appendLE(&out, CRC32IEEE.checksum(body.bytes))
        appendLE(&out, CRC32IEEE.checksum(out))
        out.append(contentsOf: body.bytes)
        return out
    }

    /// Decodes and validates snapshot bytes.
    ///
    /// Checks, in order: length, magic, header CRC, format version, payload length limit, file
    /// length, payload CRC, decoding (no trailing bytes), validation.
    ///
    /// - Throws: The ``Failure`` of the first check that fails.
    public static func decode(_ bytes: [UInt8]) throws(Failure) -> Snapshot {
        guard bytes.count >= headerLength else { throw .tooShort(length: bytes.count) }
        guard Array(bytes[0..<8]) == magic else { throw .badMagic }
        let headerCRC = CRC32IEEE.checksum(Array(bytes[0..<44]))
        let storedHeaderCRC: UInt32 = readLE(bytes, 44)
        guard headerCRC == storedHeaderCRC else { throw .headerChecksumMismatch(expected: storedHeaderCRC, actual: headerCRC) }
        let version: UInt32 = readLE(bytes, 8)
        guard version == formatVersion else { throw .unsupportedFormatVersion(found: version) }
        let length: UInt64 = readLE(bytes, 32)
        guard length <= maxPayloadLength else { throw .payloadTooLarge(length: length) }
        guard UInt64(bytes.count - headerLength) == length else {
            throw .lengthMismatch(declared: length, actual: bytes.count - headerLength)
        }
        let payload = Array(bytes[headerLength...])
        let storedCRC: UInt32 = readLE(bytes, 40)
        let crc = CRC32IEEE.checksum(payload)
        guard crc == storedCRC else { throw .payloadChecksumMismatch(expected: storedCRC, actual: crc) }
        var reader = PostcardReader(payload)
        let snapshot: Snapshot
        do {
            snapshot = try Snapshot(schemaVersion: readLE(bytes, 12), walSequence: readLE(bytes, 16),
                                    timestamp: readLE(bytes, 24), body: &reader)
        } catch { throw .decode(error) }
        do { try SnapshotValidator.validate(snapshot) } catch { throw .validation(error) }
        return snapshot
    }

    static func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func readLE<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }
}
