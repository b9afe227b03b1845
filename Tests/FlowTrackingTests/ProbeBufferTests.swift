@testable import FlowTracking
import Testing
import WireFormat

/// The stream probes' buffers live in one heap box per flow (`ProbeBuffers`): a copy of a flow must still be a value
/// of its own, and the box must come and go with the buffers.
@Suite("Probe buffers")
struct ProbeBufferTests {
    static let client = (address: "192.0.2.1", port: UInt16(50000))
    static let server = (address: "198.51.100.7", port: UInt16(443))

    /// A flow that has seen the SYN and the first `split` bytes of the ClientHello record.
    static func flowWithPartialHello(split: Int) -> (Flow, start: UInt32) {
        let start: UInt32 = 1000
        let syn = packet(from: client.address, client.port, to: server.address, server.port, flags: .syn, at: 1, sequence: start &- 1)
        let key = FlowKey(syn)!
        var flow = Flow(
            key: key, originator: Endpoint(address: IPAddress(client.address)!, port: client.port),
            responder: Endpoint(address: IPAddress(server.address)!, port: server.port), at: syn.timestamp)
        var none: [ApplicationEvent]? = nil
        flow.add(syn, payload: Span(), fromOriginator: true, events: &none)
        let head = Array(ApplicationTrackerTests.clientHelloRecord[..<split])
        flow.add(segment(head, at: start), payload: head.span, fromOriginator: true, events: &none)
        return (flow, start)
    }

    static func segment(_ bytes: [UInt8], at sequence: UInt32) -> PacketSummary {
        packet(
            from: client.address, client.port, to: server.address, server.port, flags: [.ack, .psh], payload: bytes.count,
            at: 2, sequence: sequence)
    }

    @Test func aCopiedFlowKeepsItsOwnAssembler() throws {
        let record = ApplicationTrackerTests.clientHelloRecord
        let split = 30
        var (original, start) = Self.flowWithPartialHello(split: split)
        var copy = original
        var none: [ApplicationEvent]? = nil
        let rest = Array(record[split...])
        // Only the copy gets the rest of the record: the original's half-filled assembler must not see it.
        copy.add(Self.segment(rest, at: start &+ UInt32(split)), payload: rest.span, fromOriginator: true, events: &none)
        #expect(copy.applicationFacts.clientHello?.serverName == "facetime.apple.com")
        #expect(original.applicationFacts.clientHello == nil)
        // The original still holds its first bytes, and completes on its own.
        original.add(Self.segment(rest, at: start &+ UInt32(split)), payload: rest.span, fromOriginator: true, events: &none)
        #expect(original.applicationFacts.clientHello?.serverName == "facetime.apple.com")
        #expect(original.applicationFacts.tlsRecordsFromOriginator == 1)
        #expect(copy.applicationFacts.tlsRecordsFromOriginator == 1)
    }

    @Test func theBoxComesWithTheFirstPayloadAndGoesWithTheLastBuffer() throws {
        let start: UInt32 = 1000
        var flow = Flow(
            key: FlowKey(packet(from: Self.client.address, Self.client.port, to: Self.server.address, Self.server.port, flags: .syn, at: 1))!,
            originator: Endpoint(address: IPAddress(Self.client.address)!, port: Self.client.port),
            responder: Endpoint(address: IPAddress(Self.server.address)!, port: Self.server.port), at: Timestamp(seconds: 1, nanoseconds: 0))
        var none: [ApplicationEvent]? = nil
        let syn = packet(from: Self.client.address, Self.client.port, to: Self.server.address, Self.server.port, flags: .syn, at: 1, sequence: start &- 1)
        flow.add(syn, payload: Span(), fromOriginator: true, events: &none)
        #expect(!flow.application.hasStreamBuffers, "a SYN alone allocates nothing")
        let record = ApplicationTrackerTests.clientHelloRecord
        let head = Array(record[..<20])
        flow.add(Self.segment(head, at: start), payload: head.span, fromOriginator: true, events: &none)
        #expect(flow.application.hasStreamBuffers, "a partial ClientHello is buffered")
        let rest = Array(record[20...])
        flow.add(Self.segment(rest, at: start &+ 20), payload: rest.span, fromOriginator: true, events: &none)
        // The client side's job ends with its ClientHello, and the server has sent nothing: no buffer is left.
        #expect(flow.applicationFacts.clientHello?.serverName == "facetime.apple.com")
        #expect(!flow.application.hasStreamBuffers, "the box is freed with its last buffer")
    }
}
