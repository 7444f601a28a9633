/// The 64-byte header at offset 0 of every segment file.
///
/// ```
///  0  u64  magic "AQLOGSEG"
///  8  u32  format version (1)
/// 12  u32  maximum record payload bytes, enforced on write and read
/// 16  16B  log identity (random at log creation; a segment of another log is refused)
/// 32  u64  base sequence (the first record's sequence)
/// 40  u64  segment file size
/// 48  u32  previous segment's trailer checksum (0 for the log's first segment)
/// 52  u32  reserved (0)
/// 56  u32  reserved (0)
/// 60  u32  CRC-32C of bytes 0..<60
/// ```
public struct SegmentHeader: Equatable, Sendable {
    public static let magic: UInt64 = 0x4745_5347_4F4C_5141  // bytes "AQLOGSEG"
    public static let currentVersion: UInt32 = 1

    public var version: UInt32 = SegmentHeader.currentVersion
    public var maxRecordSize: UInt32
    public var logID: LogID
    public var baseSequence: UInt64
    public var segmentSize: UInt64
    public var previousDigest: UInt32

    public init(maxRecordSize: UInt32, logID: LogID, baseSequence: UInt64, segmentSize: UInt64, previousDigest: UInt32) {
        self.maxRecordSize = maxRecordSize
        self.logID = logID
        self.baseSequence = baseSequence
        self.segmentSize = segmentSize
        self.previousDigest = previousDigest
    }

    /// Writes the header (with its checksum) into the first 64 bytes of `out`; returns the checksum.
    @discardableResult
    public func encode(into out: UnsafeMutableRawBufferPointer) -> UInt32 {
        precondition(out.count >= SegmentLayout.headerSize)
        out.setU64(Self.magic, at: 0)
        out.setU32(version, at: 8)
        out.setU32(maxRecordSize, at: 12)
        logID.store(into: out, at: 16)
        out.setU64(baseSequence, at: 32)
        out.setU64(segmentSize, at: 40)
        out.setU32(previousDigest, at: 48)
        out.setU32(0, at: 52)
        out.setU32(0, at: 56)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: out[0..<60]))
        out.setU32(crc, at: 60)
        return crc
    }

    /// Why a header could not be decoded.
    public enum DecodeError: Error, Equatable, Sendable {
        case badMagic, checksumMismatch, unsupportedVersion(UInt32)
    }

    /// Decodes and verifies the header at the start of `bytes`; returns it with its checksum.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<(SegmentHeader, UInt32), DecodeError> {
        guard bytes.count >= SegmentLayout.headerSize, bytes.u64(at: 0) == magic else { return .failure(.badMagic) }
        let crc = bytes.u32(at: 60)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) == crc else { return .failure(.checksumMismatch) }
        let version = bytes.u32(at: 8)
        guard version == currentVersion else { return .failure(.unsupportedVersion(version)) }
        var header = SegmentHeader(
            maxRecordSize: bytes.u32(at: 12), logID: LogID(loading: bytes, at: 16),
            baseSequence: bytes.u64(at: 32), segmentSize: bytes.u64(at: 40), previousDigest: bytes.u32(at: 48))
        header.version = version
        return .success((header, crc))
    }
}
