import FlowTracking
import Testing
import WireFormat

/// The per-flow application probes, fed through the flow table as the analyzer does.
@Suite("Application probes per flow")
struct ApplicationTrackerTests {
    /// A TLS 1.2-style ClientHello record with SNI `facetime.apple.com` and ALPN h2 (hand-built, RFC 8446 §4.1.2).
    static let clientHelloRecord: [UInt8] = {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        let name = Array("facetime.apple.com".utf8)
        let sni = u16(0) + u16(name.count + 5) + u16(name.count + 3) + [0] + u16(name.count) + name
        let alpn = u16(16) + u16(5) + u16(3) + [2] + Array("h2".utf8)
        let extensions = sni + alpn
        let body = u16(0x0303) + Array(repeating: 7, count: 32) + [0] + u16(4) + [0x13, 0x01, 0x13, 0x02] + [1, 0]
            + u16(extensions.count) + extensions
        let handshake = [1] + [0] + u16(body.count) + body
        return [22] + u16(0x0301) + u16(handshake.count) + handshake
    }()

    @Test func aClientHelloSplitOverThreeSegmentsOutOfOrder() throws {
        let table = FlowTable()
        var events: [ApplicationEvent]? = []
        let record = Self.clientHelloRecord
        let cuts = [0, 10, 40, record.count]
        let start: UInt32 = 4_000_000_000  // the stream's sequence numbers wrap during the ClientHello
        table.add(packet(from: "192.0.2.1", 50000, to: "198.51.100.7", 443, flags: .syn, at: 1, sequence: start &- 1),
                  payload: Span(), events: &events)
        for piece in [2, 0, 1] {
            let bytes = Array(record[cuts[piece]..<cuts[piece + 1]])
            let summary = packet(from: "192.0.2.1", 50000, to: "198.51.100.7", 443, flags: [.ack, .psh],
                                 payload: bytes.count, at: 2, sequence: start &+ UInt32(cuts[piece]))
            table.add(summary, payload: bytes.span, events: &events)
        }
        let flow = try #require(table.drain().first)
        let facts = flow.applicationFacts
        #expect(facts.clientHello?.serverName == "facetime.apple.com")
        #expect(facts.clientHello?.alpn == ["h2"])
        #expect(facts.clientHelloTransport == .tcp)
        #expect(facts.ja4?.hasPrefix("t12d0202h2_") == true)
        #expect(events?.count == 1)
    }

    @Test func stunTransactionsRetransmittedAndUnanswered() throws {
        let table = FlowTable()
        var none: [ApplicationEvent]? = nil
        func binding(_ id: UInt8, response: Bool = false) -> [UInt8] {
            [0x00, response ? 0x01 : 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42] + Array(repeating: id, count: 12)
        }
        // Three requests, the first retransmitted twice, only the second answered.
        for (index, id) in [UInt8(1), 1, 1, 2, 3].enumerated() {
            let bytes = binding(id)
            table.add(packet(from: "192.0.2.1", 50000, to: "198.51.100.7", 3478, payload: bytes.count, at: Int64(index)),
                      payload: bytes.span, events: &none)
        }
        var answer = binding(2)
        answer[0] = 0x01  // Binding success response (class bits 0b10)
        table.add(packet(from: "198.51.100.7", 3478, to: "192.0.2.1", 50000, payload: answer.count, at: 6),
                  payload: answer.span, events: &none)
        let stun = try #require(table.drain().first).applicationFacts.stun
        #expect(stun.requests == 5)
        #expect(stun.retransmissions == 2)
        #expect(stun.successResponses == 1)
        #expect(stun.unanswered == 2)
        #expect(stun.methods == [.binding])
    }

    @Test func dnsThatLooksLikeALongHeaderIsNotQUIC() throws {
        let table = FlowTable()
        var none: [ApplicationEvent]? = nil
        // A DNS response whose ID starts 0xc0: top bits 11 like a QUIC long header, but no plausible version.
        let dns: [UInt8] = [0xc0, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00] + Array(repeating: 0, count: 40)
        table.add(packet(from: "198.51.100.53", 53, to: "192.0.2.1", 40000, payload: dns.count, at: 1),
                  payload: dns.span, events: &none)
        let facts = try #require(table.drain().first).applicationFacts
        #expect(facts.quicVersions.isEmpty)
        #expect(facts.protocols.isEmpty)
    }
}
