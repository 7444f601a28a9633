#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An identifier that wraps a UUID (the actionqueue core ids: task, run, attempt, …).
///
/// On the wire (postcard) every such id is a byte string: `0x10` then the 16 RFC-order
/// bytes. Ordering is the lexicographic order of those bytes, which is what snapshots use
/// to lay collections out deterministically.
public protocol UUIDIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The wrapped UUID.
    var uuid: UUID { get }
    /// Wraps `uuid`.
    init(uuid: UUID)
}

extension UUIDIdentifier {
    /// A new random (version 4) identifier.
    public init() { self.init(uuid: UUID()) }

    /// Builds an identifier from its 16 RFC-order bytes; `nil` unless exactly 16 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let b = Array(bytes)
        self.init(uuid: UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                                    b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])))
    }

    /// The 16 RFC-order bytes.
    public var bytes: [UInt8] {
        let u = uuid.uuid
        return [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
    }

    /// True for the all-zero UUID (never a valid task or run id).
    public var isNil: Bool { bytes.allSatisfy { $0 == 0 } }

    /// Lower-case hyphenated form.
    public var description: String { uuid.uuidString.lowercased() }

    /// Orders identifiers by their 16 RFC-order bytes, compared lexicographically.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
