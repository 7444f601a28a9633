import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `Codable` values appended and read back through the caller's choice of coder.
@Suite struct CodableRecordTests {
    struct Order: Codable, Equatable, Sendable {
        var id: Int
        var item: String
        var tags: [String]
    }

    /// Foundation's JSON encoder with sorted keys: without them the order of an object's keys
    /// follows a dictionary's, which differs from one encoding to the next, and the bytes with it.
    static func json() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    /// A custom coding: the JSON bytes reversed, as `[UInt8]` (no `Data` involved).
    struct ReversedJSON: LogRecordEncoder, LogRecordDecoder {
        func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try CodableRecordTests.json().encode(value)).reversed() }
        func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
            try JSONDecoder().decode(type, from: Data(bytes.reversed()))
        }
    }

    struct Unencodable: Encodable {
        struct Refused: Error {}
        func encode(to encoder: any Encoder) throws { throw Refused() }
    }

    let orders = [Order(id: 1, item: "tea", tags: ["hot"]), Order(id: 2, item: "café", tags: []),
                  Order(id: 3, item: "water", tags: ["cold", "still"])]

    @Test func aLogWriterRoundTripsValuesThroughEachCoder() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let binary = PropertyListEncoder()
        binary.outputFormat = .binary
        #expect(try w.append(orders[0], encoder: Self.json()) == 1)
        #expect(try w.append(orders[1], encoder: binary) == 2)
        #expect(try w.append(orders[2], encoder: ReversedJSON()) == 3)
        #expect(throws: Unencodable.Refused.self) { try w.append(Unencodable(), encoder: JSONEncoder()) }
        #expect(w.lastSequence == 3, "a failed encoding appends nothing")
        try w.close()

        let reader = try LogReader.open(directory: dir)
        #expect(try reader.record(1, as: Order.self, decoder: JSONDecoder()) == orders[0])
        #expect(try reader.record(2, as: Order.self, decoder: PropertyListDecoder()) == orders[1])
        #expect(try reader.record(3, as: Order.self, decoder: ReversedJSON()) == orders[2])
        // The payload is exactly the encoder's bytes.
        #expect(try reader.record(1) == Array(try Self.json().encode(orders[0])))
        #expect(try reader.record(3) == (try ReversedJSON().encode(orders[2])))
        #expect(throws: DecodingError.self) { try reader.record(2, as: Order.self, decoder: JSONDecoder()) }
        #expect(throws: LogError.sequenceOutOfRange(4, first: 1, last: 3)) {
            try reader.record(4, as: Order.self, decoder: JSONDecoder())
        }
    }

    /// From the main actor too: the encoder is used before the append suspends.
    @MainActor @Test func aLogAppendsEncodedValues() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log.open(directory: dir, options: smallSegments)
        let encoder = Self.json()
        for order in orders { _ = try await log.append(order, encoder: encoder) }
        await #expect(throws: Unencodable.Refused.self) { try await log.append(Unencodable(), encoder: encoder) }
        #expect(try await log.append(orders[0], encoder: ReversedJSON()) == 4)
        try await log.close()
        let reader = try LogReader.open(directory: dir)
        #expect(try (1...3).map { try reader.record($0, as: Order.self, decoder: JSONDecoder()) } == orders)
        #expect(try reader.record(4, as: Order.self, decoder: ReversedJSON()) == orders[0])
        #expect(String(decoding: try reader.record(1), as: UTF8.self) == #"{"id":1,"item":"tea","tags":["hot"]}"#)
    }
}
