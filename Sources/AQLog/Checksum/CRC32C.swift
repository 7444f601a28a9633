import CCRC

/// CRC-32C (Castagnoli), the checksum of every frame, header and footer in the segment format.
///
/// Two engines compute it: the portable slicing-by-8 tables (`CRCTable`) and, when the CPU
/// has SSE4.2, Intel ISA-L's `crc32_iscsi`. ``checksum(_:continuing:)-(UnsafeRawBufferPointer,_)`` picks the hardware
/// engine at start-up; tests cross-check both on random inputs. Set `AQLOG_CRC=portable` in
/// the environment to force the slicing-by-8 path.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78
    /// Slicing-by-8 tables for CRC-32C.
    package static let table = CRCTable(reflectedPolynomial: polynomial)

    /// Which engine ``checksum(_:continuing:)-(UnsafeRawBufferPointer,_)`` dispatches to.
    ///
    /// The raw value is the engine's name as reports print it.
    public enum Engine: String, Sendable {
        /// The portable table-driven engine (``CRC32C/portable(_:continuing:)``), eight bytes per
        /// step: used when the CPU lacks SSE4.2 or `AQLOG_CRC=portable` is set.
        case slicingBy8 = "slicing-by-8"
        /// Intel ISA-L's `crc32_iscsi` (``CRC32C/hardware(_:continuing:)``): used when the CPU has SSE4.2.
        case isal = "isa-l crc32_iscsi"
    }

    /// The engine chosen at start-up by CPU feature detection (and `AQLOG_CRC`), before `main`:
    /// reading it is one load, with no lazy initialisation to check on every checksum.
    @inlinable
    public static var engine: Engine { ccrc_uses_hardware() != 0 ? .isal : .slicingBy8 }

    /// CRC-32C of `bytes`, continuing from `crc` (0 to start).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        ccrc_uses_hardware() != 0 ? hardware(bytes, continuing: crc) : portable(bytes, continuing: crc)
    }

    /// The portable slicing-by-8 engine, regardless of the CPU.
    public static func portable(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        table.update(crc, bytes)
    }

    /// ISA-L's `crc32_iscsi`. Only call when ``engine`` is `.isal` or in cross-checks.
    @inlinable
    public static func hardware(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return ccrc_crc32c_isal(crc, base, bytes.count)
    }

    /// The checksum of the frame at `frame` (16-byte header, then `payloadLength` payload
    /// bytes) as the segment format defines it, in one call: ISA-L over the payload, the
    /// crc32 instruction over header bytes 4..<16. Only when ``engine`` is `.isal`.
    @inlinable
    package static func hardwareFrame(_ frame: UnsafeRawPointer, payloadLength: Int) -> UInt32 {
        ccrc_frame_checksum(frame, payloadLength)
    }

    /// A frame's checksum from its payload's CRC-32C and the header fields after the checksum
    /// word, by the crc32 instruction (two steps, where a general call would cost more than the
    /// 12 bytes). Only when ``engine`` is `.isal`.
    @inlinable
    package static func hardwareFrameFields(_ payloadChecksum: UInt32, word: UInt32, sequence: UInt64) -> UInt32 {
        ccrc_frame_fields(payloadChecksum, word, sequence)
    }

    /// CRC-32C of `value`'s four little-endian bytes, continuing `crc`, by the crc32
    /// instruction. Only when ``engine`` is `.isal`.
    @inlinable
    package static func hardwareFold(_ crc: UInt32, _ value: UInt32) -> UInt32 { ccrc_fold(crc, value) }

    /// CRC-32C of a byte array (convenience for small inputs and tests).
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
