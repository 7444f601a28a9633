/// A damaged v5 record: the offset where the failing record starts, and why.
public struct V5Corruption: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset in the file of the failing record's first byte.
    public var offset: UInt64
    /// What is wrong with it.
    public var reason: V5CorruptionReason
    /// Creates a corruption report.
    public init(offset: UInt64, reason: V5CorruptionReason) {
        self.offset = offset
        self.reason = reason
    }
    /// `WAL corruption at offset N (reason_code)`.
    public var description: String { "WAL corruption at offset \(offset) (\(reason.code))" }
}

/// The reference's corruption taxonomy, with details. Checked in this one order
/// everywhere: incomplete header → length cap → version → incomplete payload → CRC → decode.
public enum V5CorruptionReason: Sendable, Hashable {
    /// Fewer than 12 bytes remain (`available`).
    case incompleteHeader(available: Int)
    /// Declared length above 256 MiB (the reference reports it as `decode_failure`).
    case payloadTooLarge(declared: UInt32)
    /// A version word other than 5.
    case unsupportedVersion(found: UInt32)
    /// Fewer payload bytes remain (`available`) than the header declares.
    case incompletePayload(declared: UInt32, available: Int)
    /// The stored CRC (`expected`) does not match the payload's (`actual`).
    case crcMismatch(expected: UInt32, actual: UInt32)
    /// The payload is not a valid event (an empty payload included).
    case decodeFailure(CodecError)

    /// The reference's stable snake_case reason code.
    public var code: String {
        switch self {
        case .incompleteHeader: "incomplete_header"
        case .payloadTooLarge, .decodeFailure: "decode_failure"
        case .unsupportedVersion: "unsupported_version"
        case .incompletePayload: "incomplete_payload"
        case .crcMismatch: "crc_mismatch"
        }
    }
}
