/// A damaged v5 record: the offset where the failing record starts, and why.
public struct V5Corruption: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: UInt64
    public var reason: V5CorruptionReason
    public init(offset: UInt64, reason: V5CorruptionReason) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "WAL corruption at offset \(offset) (\(reason.code))" }
}

/// The reference's corruption taxonomy, with details. Checked in this one order
/// everywhere: incomplete header → length cap → version → incomplete payload → CRC → decode.
public enum V5CorruptionReason: Sendable, Hashable {
    case incompleteHeader(available: Int)
    /// Declared length above 256 MiB (the reference reports it as `decode_failure`).
    case payloadTooLarge(declared: UInt32)
    case unsupportedVersion(found: UInt32)
    case incompletePayload(declared: UInt32, available: Int)
    case crcMismatch(expected: UInt32, actual: UInt32)
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
