import Testing
@testable import WireFormat

@Suite("STUN messages (RFC 8489, RFC 8656, RFC 3489)")
struct STUNMessageTests {
    static let rfc5769ID = STUNTransactionID(high: 0xb7e7_a701, middle: 0xbc34_d686, low: 0xfa87_dfae)

    /// RFC 5769's four samples, decoded as the RFC describes them.
    static let rfc5769: [(String, [UInt8], STUNInfo)] = [
        ("request", STUNFixture.rfc5769Request, STUNInfo(
            messageClass: .request, method: .binding, transactionID: rfc5769ID, length: 108,
            attributeTypes: [0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028], username: "evtj:h6vY",
            software: "STUN test client", hasMessageIntegrity: true, fingerprintValid: true, priority: 0x6e00_01ff,
            iceControlled: 0x932f_f9b1_5126_3b36)),
        ("ipv4-response", STUNFixture.rfc5769IPv4Response, STUNInfo(
            messageClass: .successResponse, method: .binding, transactionID: rfc5769ID, length: 80,
            attributeTypes: [0x8022, 0x0020, 0x0008, 0x8028],
            xorMappedAddress: STUNTransportAddress(address: IPAddress("192.0.2.1")!, port: 32853),
            software: "test vector", hasMessageIntegrity: true, fingerprintValid: true)),
        ("ipv6-response", STUNFixture.rfc5769IPv6Response, STUNInfo(
            messageClass: .successResponse, method: .binding, transactionID: rfc5769ID, length: 92,
            attributeTypes: [0x8022, 0x0020, 0x0008, 0x8028],
            xorMappedAddress: STUNTransportAddress(address: IPAddress("2001:db8:1234:5678:11:2233:4455:6677")!, port: 32853),
            software: "test vector", hasMessageIntegrity: true, fingerprintValid: true)),
        ("long-term-request", STUNFixture.rfc5769LongTermRequest, STUNInfo(
            messageClass: .request, method: .binding,
            transactionID: STUNTransactionID(high: 0x78ad_3433, middle: 0xc6ad_72c0, low: 0x29da_412e), length: 116,
            attributeTypes: [0x0006, 0x0015, 0x0014, 0x0008], username: "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}",
            realm: "example.org", nonceLength: 28, hasMessageIntegrity: true)),
    ]

    /// Real messages from the shared captures, decoded as tshark shows them.
    static let captured: [(String, [UInt8], STUNInfo)] = [
        ("ice-binding-request", STUNFixture.iceBindingRequest, STUNInfo(
            messageClass: .request, method: .binding,
            transactionID: STUNTransactionID(high: 0x534f_7043, middle: 0x6969_354a, low: 0x6663_317a), length: 20)),
        ("ice-binding-response", STUNFixture.iceBindingResponse, STUNInfo(
            messageClass: .successResponse, method: .binding,
            transactionID: STUNTransactionID(high: 0x534f_7043, middle: 0x6969_354a, low: 0x6663_317a), length: 32,
            attributeTypes: [0x0001],
            mappedAddress: STUNTransportAddress(address: IPAddress("70.199.128.46")!, port: 4604))),
        ("ice-binding-error", STUNFixture.iceBindingError, STUNInfo(
            messageClass: .errorResponse, method: .binding,
            transactionID: STUNTransactionID(high: 0xe7f0_2b9c, middle: 0x4f87_d559, low: 0x6104_a2fc), length: 72,
            attributeTypes: [0x0009, 0x0008, 0x8028], errorCode: STUNErrorCode(code: 500, reason: "SERVER ERROR"),
            hasMessageIntegrity: true, fingerprintValid: true)),
        ("turn-allocate-request", STUNFixture.turnAllocateRequest, STUNInfo(
            messageClass: .request, method: .allocate,
            transactionID: STUNTransactionID(high: 0x536e_4c66, middle: 0x5278_5336, low: 0x6551_6e54), length: 40,
            attributeTypes: [0x0019, 0xff05], requestedTransport: 17)),
        ("turn-allocate-error", STUNFixture.turnAllocateError, STUNInfo(
            messageClass: .errorResponse, method: .allocate,
            transactionID: STUNTransactionID(high: 0x536e_4c66, middle: 0x5278_5336, low: 0x6551_6e54), length: 80,
            attributeTypes: [0x0009, 0x0014, 0x0015], realm: "turn.l.google.com", nonceLength: 24,
            errorCode: STUNErrorCode(code: 401, reason: ""))),
        ("turn-allocate-success", STUNFixture.turnAllocateSuccess, STUNInfo(
            messageClass: .successResponse, method: .allocate,
            transactionID: STUNTransactionID(high: 0x4943_4378, middle: 0x6141_736b, low: 0x5a4a_5474), length: 76,
            attributeTypes: [0x0016, 0x000d, 0x0020, 0x0008],
            xorMappedAddress: STUNTransportAddress(address: IPAddress("93.47.225.225")!, port: 23616),
            xorRelayedAddress: STUNTransportAddress(address: IPAddress("10.2.0.86")!, port: 44908),
            hasMessageIntegrity: true, lifetime: 120)),
        ("turn-send-indication", STUNFixture.turnSendIndication, STUNInfo(
            messageClass: .indication, method: .send,
            transactionID: STUNTransactionID(high: 0x7a66_4357, middle: 0x4462_2f7a, low: 0x4247_3243), length: 136,
            attributeTypes: [0x0012, 0x0013],
            xorPeerAddress: STUNTransportAddress(address: IPAddress("185.170.139.1")!, port: 44459), dataLength: 100)),
        ("turn-channel-bind", STUNFixture.turnChannelBind, STUNInfo(
            messageClass: .request, method: .channelBind,
            transactionID: STUNTransactionID(high: 0x7672_3874, middle: 0x6a32_6f6e, low: 0x3450_4847), length: 148,
            attributeTypes: [0x000c, 0x0012, 0x0006, 0x0014, 0x0015, 0x0008],
            xorPeerAddress: STUNTransportAddress(address: IPAddress("185.170.139.1")!, port: 12176),
            username: "Mf2h9Hi5aPMRplF1", realm: "turner.facebook", nonceLength: 40, hasMessageIntegrity: true,
            channelNumber: 0x4003)),
    ]

    static var all: [(String, [UInt8], STUNInfo)] { rfc5769 + captured }

    @Test(arguments: all.map(\.0))
    func summary(_ name: String) throws {
        let (_, bytes, expected) = try #require(Self.all.first { $0.0 == name })
        let info = try STUNMessage(validating: bytes.span).info()
        #expect(info == expected)
        #expect(info.messageType == UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        let viaDatagram = try STUNMessage(validatingDatagram: bytes.span).info()
        #expect(viaDatagram == expected)
    }

    @Test func accessors() throws {
        let bytes = STUNFixture.rfc5769Request
        let message = try STUNMessage(validating: bytes.span)
        let (type, length, cookie, method, messageClass) =
            (message.messageType, message.messageLength, message.cookie, message.method, message.messageClass)
        let (count, fingerprint, classic, id, size) =
            (message.attributeCount, message.fingerprintValid, message.isClassic, message.transactionID, message.bytes.count)
        #expect(type == 0x0001)
        #expect(length == 88)
        #expect(cookie == STUNMessage.magicCookie)
        #expect(method == .binding)
        #expect(messageClass == .request)
        #expect(count == 6)
        #expect(fingerprint == true)
        #expect(!classic)
        #expect(id.description == "b7e7a701bc34d686fa87dfae")
        #expect(size == 108)
    }

    @Test func methodAndClassRoundTrip() {
        for method: UInt16 in [0x001, 0x003, 0x004, 0x006, 0x007, 0x008, 0x009, 0x080, 0xfff] {
            for messageClass in STUNMessageClass.allCases {
                let info = STUNInfo(
                    messageClass: messageClass, method: STUNMethod(rawValue: method),
                    transactionID: STUNTransactionID(high: 0, middle: 0, low: 0), length: 20)
                let (splitMethod, splitClass) = STUNMethod.split(messageType: info.messageType)
                #expect(splitMethod.rawValue == method)
                #expect(splitClass == messageClass)
            }
        }
        #expect(STUNMethod.split(messageType: 0x0113) == (.allocate, .errorResponse))
        #expect(STUNMethod.split(messageType: 0x0017) == (.data, .indication))
        #expect(STUNMethod.allocate.description == "allocate")
        #expect(STUNMethod(rawValue: 0x123).description == "0x123")
    }

    /// A changed byte before FINGERPRINT makes it fail; the message still parses.
    @Test(arguments: [8, 24, 60])
    func corruptedFingerprint(_ offset: Int) throws {
        var bytes = STUNFixture.rfc5769IPv4Response
        bytes[offset] ^= 0x01
        let info = try STUNMessage(validating: bytes.span).info()
        #expect(info.fingerprintValid == false)
    }

    @Test(arguments: all.map(\.0) + ["classic-request", "classic-response"])
    func truncatedAtEveryLength(_ name: String) throws {
        let bytes: [UInt8]
        switch name {
        case "classic-request": bytes = STUNFixture.classicBindingRequest
        case "classic-response": bytes = STUNFixture.classicBindingResponse
        default: bytes = try #require(Self.all.first { $0.0 == name }).1
        }
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            let error: WireError?
            do {
                if name.hasPrefix("classic") {
                    _ = try STUNMessage(validatingClassic: prefix.span)
                } else {
                    _ = try STUNMessage(validating: prefix.span)
                }
                error = nil
            } catch {
                #expect(error.layer == .stun)
                #expect(error.reason == .truncated, "\(name) cut at \(length): \(error)")
                continue
            }
            Issue.record("\(name) cut at \(length) was accepted (\(String(describing: error)))")
        }
    }

    static func error(_ bytes: [UInt8], classic: Bool = false, datagram: Bool = false) -> WireError? {
        do {
            if datagram {
                _ = try STUNMessage(validatingDatagram: bytes.span)
            } else if classic {
                _ = try STUNMessage(validatingClassic: bytes.span)
            } else {
                _ = try STUNMessage(validating: bytes.span)
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func impossibleLengths() {
        var bytes = STUNFixture.rfc5769Request
        // Length not a multiple of 4.
        bytes[3] = 0x57
        #expect(Self.error(bytes) == WireError(.stun, .badLength, at: 2))
        // USERNAME (at 60) claims 200 bytes inside an 88-byte body.
        bytes = STUNFixture.rfc5769Request
        bytes[62] = 0
        bytes[63] = 200
        #expect(Self.error(bytes) == WireError(.stun, .badLength, at: 62))
        // Length field short of the attributes: the message ends early, inside MESSAGE-INTEGRITY.
        bytes = STUNFixture.rfc5769Request
        bytes[3] = 0x44
        #expect(Self.error(bytes) == WireError(.stun, .badLength, at: 78))
        // Length field short by exactly FINGERPRINT: one message, then 8 stray bytes; a datagram must be whole.
        bytes = STUNFixture.rfc5769Request
        bytes[3] = 0x50
        #expect(Self.error(bytes) == nil)
        #expect(Self.error(bytes, datagram: true) == WireError(.stun, .badLength, at: 2))
        // Top two bits set, wrong cookie.
        bytes = STUNFixture.rfc5769Request
        bytes[0] = 0x40
        #expect(Self.error(bytes) == WireError(.stun, .badValue, at: 0))
        bytes = STUNFixture.rfc5769Request
        bytes[4] = 0x22
        #expect(Self.error(bytes) == WireError(.stun, .badValue, at: 4))
    }

    @Test func attributeWalkIsBounded() throws {
        let header: [UInt8] = [0x00, 0x01, 0x01, 0x04, 0x21, 0x12, 0xa4, 0x42] + [UInt8](repeating: 7, count: 12)
        let attribute: [UInt8] = [0x80, 0x99, 0x00, 0x00]
        let sixtyFour = header[0..<2] + [0x01, 0x00] + header[4...] + Array([[UInt8]](repeating: attribute, count: 64).joined())
        let message = try STUNMessage(validating: Array(sixtyFour).span)
        let count = message.attributeCount
        #expect(count == 64)
        let sixtyFive = header + Array([[UInt8]](repeating: attribute, count: 65).joined())
        #expect(Self.error(sixtyFive) == WireError(.stun, .tooManyHeaders, at: 20 + 64 * 4))
    }

    /// Unknown attributes are kept by type, in order; known ones with impossible values are listed, not fatal.
    @Test func unknownAndMalformedAttributesArePreserved() throws {
        let allocate = STUNFixture.turnAllocateRequest
        let request = try STUNMessage(validating: allocate.span).info()
        #expect(request.unknownAttributeTypes == [0xff05])
        var bytes = Array(STUNFixture.iceBindingRequest[0..<20])
        bytes[3] = 28
        bytes += [0x7f, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00]  // unknown comprehension-required, 3 bytes + pad
        bytes += [0x00, 0x24, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00]  // PRIORITY of 2 bytes: impossible
        bytes += [0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04]  // family 3: impossible
        let info = try STUNMessage(validating: bytes.span).info()
        #expect(info.attributeTypes == [0x7f01, 0x0024, 0x0020])
        #expect(info.unknownAttributeTypes == [0x7f01])
        #expect(info.malformedAttributeTypes == [0x0024, 0x0020])
        #expect(info.priority == nil)
        #expect(info.xorMappedAddress == nil)
    }

    @Test(arguments: all.map(\.0))
    func decodingTwiceGivesTheSameResult(_ name: String) throws {
        let bytes = try #require(Self.all.first { $0.0 == name }).1
        let first = try STUNMessage(validating: bytes.span).info()
        let second = try STUNMessage(validating: bytes.span).info()
        #expect(first == second)
    }

    /// The DATA of a Send indication and of a ChannelData message hold whole STUN messages here.
    @Test func nestedMessages() throws {
        let bytes = STUNFixture.channelDataSTUN
        let channel = try ChannelDataMessage(validating: bytes.span)
        let nested = try STUNMessage(validatingDatagram: channel.data).info()
        #expect(nested.method == .binding)
        #expect(nested.messageClass == .request)
        #expect(nested.username == "XpJs:kSty")
        #expect(nested.fingerprintValid == true)
    }
}

@Suite("Classic STUN (RFC 3489)")
struct ClassicSTUNTests {
    static let classicID = STUNTransactionID(cookie: 0x9429_ef88, high: 0x294d_d526, middle: 0x32c7_2931, low: 0xcb8d_bb4c)

    @Test func request() throws {
        let bytes = STUNFixture.classicBindingRequest
        let message = try STUNMessage(validatingClassic: bytes.span)
        let (classic, count, info) = (message.isClassic, message.attributeCount, message.info())
        #expect(classic)
        #expect(count == 1)
        #expect(info == STUNInfo(
            messageClass: .request, method: .binding, transactionID: Self.classicID, isClassic: true, length: 28,
            attributeTypes: [0x0003]))
        #expect(Self.classicID.description == "9429ef88294dd52632c72931cb8dbb4c")
    }

    @Test func response() throws {
        let bytes = STUNFixture.classicBindingResponse
        let info = try STUNMessage(validatingDatagram: bytes.span).info()
        #expect(info == STUNInfo(
            messageClass: .successResponse, method: .binding, transactionID: Self.classicID, isClassic: true,
            length: 32, attributeTypes: [0x0001],
            mappedAddress: STUNTransportAddress(address: IPAddress("172.16.63.224")!, port: 55050)))
    }

    /// ndpi/zoom.pcap's "classic STUN" (as tshark calls it) carries attribute 0x0101, which RFC 3489 does not
    /// define: Zoom's own protocol on a STUN-shaped header. The strict parser refuses it; the first-byte
    /// demultiplexer, which reads only the header, calls it STUN.
    @Test func zoomIsNotClassicSTUN() {
        #expect(STUNMessageTests.error(STUNFixture.zoomClassicLike, classic: true) == WireError(.stun, .badValue, at: 20))
        #expect(STUNMessageTests.error(STUNFixture.zoomClassicLike, datagram: true) == WireError(.stun, .badValue, at: 20))
        let bytes = STUNFixture.zoomClassicLike
        let kind = UDPDemux.classify(bytes.span)
        #expect(kind == .stun)
    }

    @Test func strictness() {
        var bytes = STUNFixture.classicBindingRequest
        bytes[1] = 0x03  // 0x0003: not an RFC 3489 message type
        #expect(STUNMessageTests.error(bytes, classic: true) == WireError(.stun, .badValue, at: 0))
        bytes = STUNFixture.classicBindingRequest + [0, 0, 0, 0]  // longer than the length field
        #expect(STUNMessageTests.error(bytes, classic: true) == WireError(.stun, .badLength, at: 2))
        bytes = STUNFixture.classicBindingRequest
        bytes[4...7] = [0x21, 0x12, 0xa4, 0x42]  // the magic cookie: RFC 5389, not classic
        #expect(STUNMessageTests.error(bytes, classic: true) == WireError(.stun, .badValue, at: 4))
    }

    /// Other UDP payloads must not be taken for STUN of either kind.
    static let others: [(String, [UInt8])] = [
        // censorlab/02_dns_injection.pcap style DNS query: id 0x0001, RD, one question.
        ("dns-query", [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
            + [0x07] + Array("example".utf8) + [0x03] + Array("com".utf8) + [0x00, 0x00, 0x01, 0x00, 0x01]),
        ("quic-initial-prefix", [0xc3, 0x00, 0x00, 0x00, 0x01, 0x08] + [UInt8](repeating: 0x5a, count: 40)),
        ("rtp", STUNFixture.rtpAMR),
        ("rtcp", STUNFixture.rtcpSRAndSDES),
        ("zeros-20", [UInt8](repeating: 0, count: 20)),
        ("zeros-28", [UInt8](repeating: 0, count: 28)),
        ("zeros-100", [UInt8](repeating: 0, count: 100)),
        ("channel-data", STUNFixture.channelDataSTUN),
        ("zoom", STUNFixture.zoomClassicLike),
    ]

    @Test(arguments: others.map(\.0))
    func otherPayloadsAreNotSTUN(_ name: String) throws {
        let bytes = try #require(Self.others.first { $0.0 == name }).1
        #expect(STUNMessageTests.error(bytes, datagram: true) != nil)
        let kind = UDPDemux.classify(bytes.span)
        if name != "zoom" { #expect(kind != .stun) }
    }

    /// Random datagrams shaped like STUN (first byte 0 or 1, a consistent length, an RFC 3489 type half the
    /// time, at least one attribute): the strict walk rejects them all. (A bare 20-byte header with an RFC 3489
    /// type is accepted: it is a valid Binding request without attributes.)
    @Test func randomDatagramsAreNotSTUN() {
        var random = SplitMix64(seed: 0x5354_554e)
        let types: [UInt16] = Array(STUNMessage.classicMessageTypes).sorted()
        var claimed = 0
        for _ in 0..<20_000 {
            let attributeBytes = Int(random.next() % 44 + 1) * 4
            var bytes = (0..<(20 + attributeBytes)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let type = random.next() % 2 == 0 ? types[Int(random.next() % UInt64(types.count))] : UInt16(random.next() % 512)
            bytes[0] = UInt8(type >> 8)
            bytes[1] = UInt8(truncatingIfNeeded: type)
            bytes[2] = UInt8(attributeBytes >> 8)
            bytes[3] = UInt8(truncatingIfNeeded: attributeBytes)
            if STUNMessageTests.error(bytes, datagram: true) == nil { claimed += 1 }
        }
        #expect(claimed == 0)
        // Unshaped random datagrams, any first byte.
        for _ in 0..<20_000 {
            let bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if STUNMessageTests.error(bytes, datagram: true) == nil { claimed += 1 }
        }
        #expect(claimed == 0)
        let bare: [UInt8] = [0x00, 0x01, 0x00, 0x00] + [UInt8](repeating: 0x42, count: 16)
        #expect(STUNMessageTests.error(bare, datagram: true) == nil)
    }
}

/// Deterministic pseudo-random numbers for tests (SplitMix64).

@Suite("STUN: unpadded last attribute in a whole datagram")
struct STUNUnpaddedEndTests {
    /// Shaped like WhatsApp's Allocate requests (ndpi/wa_voice.pcap): attribute 0x4000 with a 1-byte value and
    /// no padding, the length field (5) counting it exactly.
    static let datagram: [UInt8] =
        [0x00, 0x03, 0x00, 0x05, 0x21, 0x12, 0xa4, 0x42]  // Allocate request, length 5, magic cookie
        + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  // transaction ID
        + [0x40, 0x00, 0x00, 0x01, 0x07]  // attribute 0x4000, length 1, value, no padding

    @Test func acceptedAsAWholeDatagramOnly() throws {
        let bytes = Self.datagram
        let message = try STUNMessage(validatingDatagram: bytes.span)
        let (method, messageClass, count) = (message.method, message.messageClass, message.attributeCount)
        #expect(method == .allocate)
        #expect(messageClass == .request)
        #expect(count == 1)
        // Inside a stream (or with bytes after it) the end is not known: the strict rule applies.
        #expect(throws: WireError.self) { _ = try STUNMessage(validating: bytes.span) }
        let longer = bytes + [0]
        #expect(throws: WireError.self) { _ = try STUNMessage(validatingDatagram: longer.span) }
    }

    @Test func cutAtEveryLengthIsRefused() {
        for length in 0..<Self.datagram.count {
            let prefix = Array(Self.datagram[0..<length])
            #expect(throws: WireError.self) { _ = try STUNMessage(validatingDatagram: prefix.span) }
        }
    }
}
