#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a value into a record's payload, for the `Encodable` appends of ``Log`` and
/// ``LogWriter``. The caller picks the encoding: Foundation's `JSONEncoder` and
/// `PropertyListEncoder` conform as they are, and so can any encoder with this one method.
///
/// ```swift
/// try await log.append(order, encoder: JSONEncoder())
///
/// struct PostcardEncoder: LogRecordEncoder {      // a custom binary encoding
///     func encode<T: Encodable>(_ value: T) throws -> [UInt8] { … }
/// }
/// ```
public protocol LogRecordEncoder {
    /// The bytes an encoding produces: `Data` for Foundation's encoders, `[UInt8]` or any other
    /// collection of bytes for others (read in place when its storage is contiguous).
    associatedtype EncodedRecord: Collection<UInt8>

    /// The payload for `value`; an error thrown here leaves the log unchanged.
    func encode<T: Encodable>(_ value: T) throws -> EncodedRecord
}

/// Turns a record's payload back into a value, for ``LogReader/record(_:as:decoder:)``.
/// Foundation's `JSONDecoder` and `PropertyListDecoder` conform as they are.
public protocol LogRecordDecoder {
    /// The form the decoder reads bytes in (`Data` for Foundation's decoders); the reader
    /// builds one from the record's payload, a copy.
    associatedtype EncodedRecord: RangeReplaceableCollection<UInt8>

    /// The value `bytes` encode, or the decoder's error.
    func decode<T: Decodable>(_ type: T.Type, from bytes: EncodedRecord) throws -> T
}

extension JSONEncoder: LogRecordEncoder {}
extension JSONDecoder: LogRecordDecoder {}
extension PropertyListEncoder: LogRecordEncoder {}
extension PropertyListDecoder: LogRecordDecoder {}
