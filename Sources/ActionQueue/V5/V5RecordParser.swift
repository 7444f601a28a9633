/// Parses v5 records out of a byte buffer with the single check order.
public enum V5RecordParser {
    /// One well-formed record.
    public struct Record: Sendable, Hashable {
        /// Byte offset of the record's header in the file.
        public var offset: UInt64
        /// Header + payload bytes.
        public var length: Int
        /// The decoded payload, with the sequence the v5 writer gave it.
        public var event: WalEvent
    }

    /// Parses the record starting at `offset`: `nil` exactly at the end of the buffer.
    public static func parse(_ bytes: [UInt8], at offset: Int) -> Result<Record?, V5Corruption> {
        guard offset >= 0, offset <= bytes.count else {
            return .failure(V5Corruption(offset: UInt64(max(offset, 0)), reason: .incompleteHeader(available: 0)))
        }
        let available = bytes.count - offset
        if available == 0 { return .success(nil) }
        func fail(_ reason: V5CorruptionReason) -> Result<Record?, V5Corruption> {
            .failure(V5Corruption(offset: UInt64(offset), reason: reason))
        }
        guard available >= V5RecordFormat.headerLength else { return fail(.incompleteHeader(available: available)) }
        let version: UInt32 = SnapshotFileFormat.readLE(bytes, offset)
        let length: UInt32 = SnapshotFileFormat.readLE(bytes, offset + 4)
        let storedCRC: UInt32 = SnapshotFileFormat.readLE(bytes, offset + 8)
        guard length <= V5RecordFormat.maxPayloadLength else { return fail(.payloadTooLarge(declared: length)) }
        guard version == V5RecordFormat.version else { return fail(.unsupportedVersion(found: version)) }
        let payloadStart = offset + V5RecordFormat.headerLength
        guard Int(length) <= bytes.count - payloadStart else {
            return fail(.incompletePayload(declared: length, available: bytes.count - payloadStart))
        }
        let payload = bytes[payloadStart..<payloadStart + Int(length)]
        let crc = V5Checksum.crc(payload)
        guard crc == storedCRC else { return fail(.crcMismatch(expected: storedCRC, actual: crc)) }
        do {
            // postcard's from_bytes ignores trailing payload bytes; so do we. A zero-length
            // payload fails here (no sequence varint).
            let event = try WalEvent(postcard: Array(payload), allowTrailingBytes: true)
            return .success(Record(offset: UInt64(offset), length: V5RecordFormat.headerLength + Int(length), event: event))
        } catch {
            return fail(.decodeFailure(error))
        }
    }
}
