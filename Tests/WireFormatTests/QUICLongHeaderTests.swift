import Testing
@testable import WireFormat

/// The fields of one parsed long header, read out of the `~Escapable` view.
struct QUICHeaderFields: Equatable {
    var version: QUICVersion
    var packetType: QUICPacketType?
    var fixedBit: Bool
    var typeBits: UInt8
    var destination: [UInt8]
    var source: [UInt8]
    var tokenLength: Int
    var length: Int
    var packetNumberOffset: Int
    var packetLength: Int
    var supportedVersions: [QUICVersion]

    init(_ bytes: [UInt8]) throws(WireError) {
        let header = try QUICLongHeader(validating: bytes.span)
        version = header.version
        packetType = header.packetType
        fixedBit = header.fixedBit
        typeBits = header.typeBits
        destination = header.destinationConnectionID.bytes
        source = header.sourceConnectionID.bytes
        tokenLength = header.tokenLength
        length = header.length
        packetNumberOffset = header.packetNumberOffset
        packetLength = header.packetLength
        supportedVersions = (0..<header.supportedVersionCount).map { header.supportedVersion(at: $0) }
    }
}

@Suite("QUIC long header")
struct QUICLongHeaderTests {
    static let serverID: [UInt8] = [0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]

    @Test func serverInitialFields() throws {
        let fields = try QUICHeaderFields(QUICFixture.serverInitial)
        #expect(fields.version == .v1)
        #expect(fields.packetType == .initial)
        #expect(fields.fixedBit)
        #expect(fields.destination.isEmpty)
        #expect(fields.source == Self.serverID)
        #expect(fields.tokenLength == 0)
        #expect(fields.length == 117)
        #expect(fields.packetNumberOffset == 18)
        #expect(fields.packetLength == 135)
        #expect(fields.packetLength == QUICFixture.serverInitial.count)
    }

    @Test func clientInitialHeaderAlone() throws {
        // The 22-byte header alone: Length 1182 runs past the buffer.
        #expect(throws: WireError(.quic, .truncated, at: 16)) { try QUICHeaderFields(QUICFixture.clientInitialHeader) }
        let whole = QUICFixture.clientInitialHeader + Array(repeating: 0, count: 1182 - 4)
        let fields = try QUICHeaderFields(whole)
        #expect(fields.destination == [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08])
        #expect(fields.packetNumberOffset == 18)
        #expect(fields.packetLength == 1200)
    }

    @Test func summaryEquality() throws {
        let bytes = QUICFixture.serverInitial
        let info = try QUICPacketInfo(datagram: bytes.span)
        let expected = QUICPacketInfo(
            version: .v1, packetType: .initial, fixedBit: true, destinationConnectionID: QUICConnectionID(bytes: []),
            sourceConnectionID: QUICConnectionID(bytes: Self.serverID), tokenLength: 0, length: 117, packetLength: 135,
            coalescedPackets: 1)
        #expect(info == expected)
        #expect(try QUICPacketInfo(datagram: bytes.span) == info)  // decoding twice
        #expect(info.sourceConnectionID.description == "f067a5502a4262b5")
        #expect(info.destinationConnectionID.description == "(empty)")
    }

    @Test func retryVersion1AndVersion2() throws {
        let retry = try QUICHeaderFields(QUICFixture.retry)
        #expect(retry.packetType == .retry)
        #expect(retry.typeBits == 0b11)
        #expect(retry.tokenLength == 5)
        #expect(retry.packetLength == QUICFixture.retry.count)
        let retry2 = try QUICHeaderFields(QUICFixture.version2Retry)
        #expect(retry2.version == .v2)
        #expect(retry2.packetType == .retry)
        #expect(retry2.typeBits == 0b00)
        #expect(retry2.tokenLength == 5)
    }

    /// RFC 9369 §3.2: version 2 rotates the type codes; the mapping round-trips for every type and version.
    @Test(arguments: [QUICVersion.v1, .v2, .draft29, .mvfst27])
    func packetTypeCodes(_ version: QUICVersion) {
        for type in [QUICPacketType.initial, .zeroRTT, .handshake, .retry] {
            #expect(QUICPacketType(typeBits: type.typeBits(in: version), version: version) == type)
        }
        let initialBits: UInt8 = version == .v2 ? 0b01 : 0b00
        #expect(QUICPacketType.initial.typeBits(in: version) == initialBits)
    }

    @Test func versionNegotiation() throws {
        let fields = try QUICHeaderFields(QUICFixture.versionNegotiation)
        #expect(fields.version == .negotiation)
        #expect(fields.packetType == .versionNegotiation)
        #expect(fields.supportedVersions == [.v1, .v2, QUICVersion(rawValue: 0x1a2a_3a4a)])
        #expect(fields.supportedVersions[2].isReserved)
        #expect(fields.destination == [0x0a, 0x0b, 0x0c, 0x0d])
    }

    /// Unknown versions are preserved: the invariant fields are read (a 32-byte DCID is legal for them), the
    /// type is nil, the packet fills the datagram.
    @Test func unknownVersionPreserved() throws {
        let bytes = QUICFixture.unknownVersion
        let fields = try QUICHeaderFields(bytes)
        #expect(fields.version == QUICVersion(rawValue: 0x1234_5678))
        #expect(fields.version.name == "0x12345678")
        #expect(fields.packetType == nil)
        #expect(fields.typeBits == 0)
        #expect(fields.destination == Array(repeating: 0xdd, count: 20))
        #expect(fields.source == [0x5c, 0x5c])
        #expect(fields.packetLength == bytes.count)
        let info = try QUICPacketInfo(datagram: bytes.span)
        #expect(info.destinationConnectionID.length == 32)
        #expect(!info.destinationConnectionID.isComplete)
        #expect(info.destinationConnectionID.description.hasSuffix("…"))
    }

    @Test func versionNames() {
        #expect(QUICVersion.v1.name == "v1")
        #expect(QUICVersion.v2.name == "v2")
        #expect(QUICVersion.draft29.name == "draft-29")
        #expect(QUICVersion.draft34.name == "draft-34")
        #expect(QUICVersion.negotiation.name == "negotiation")
        #expect(QUICVersion(rawValue: 0x5130_3530).name == "Q050")
        #expect(QUICVersion(rawValue: 0x5430_3531).name == "T051")
        #expect(QUICVersion(rawValue: 0xfaea_ca8a).name == "grease-0xfaeaca8a")
        #expect(QUICVersion.v1.hex == "0x00000001")
        #expect(QUICVersion(rawValue: 0xff00_001b).basedOnDraft == 27)
        #expect(!QUICVersion(rawValue: 0xff00_0015).hasKnownLayout)
    }

    /// RFC 9287: a greased (clear) fixed bit is recorded, not rejected.
    @Test func greasedFixedBitIsRecorded() throws {
        var bytes = QUICFixture.serverInitial
        bytes[0] &= ~0x40
        let fields = try QUICHeaderFields(bytes)
        #expect(!fields.fixedBit)
        #expect(fields.packetType == .initial)
    }

    /// Every prefix of every fixture throws `truncated` (never traps); Version Negotiation cut at a 4-byte
    /// boundary after the first version is a shorter valid list.
    @Test(arguments: ["serverInitial", "retry", "version2Retry", "versionNegotiation", "unknownVersion"])
    func truncatedAtEveryLength(_ name: String) {
        let fixtures = ["serverInitial": QUICFixture.serverInitial, "retry": QUICFixture.retry,
                        "version2Retry": QUICFixture.version2Retry, "versionNegotiation": QUICFixture.versionNegotiation,
                        "unknownVersion": QUICFixture.unknownVersion]
        guard let bytes = fixtures[name] else { return }
        let connectionIDsEnd = name == "unknownVersion" ? 41 : name == "versionNegotiation" ? 19 : 15
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            do {
                let fields = try QUICHeaderFields(prefix)
                // Only layouts without a length field may end early: VN at a version boundary, unknown versions
                // and Retry past the connection IDs (a Retry's token length is whatever precedes the tag).
                #expect(name != "serverInitial", "\(name) cut at \(length) parsed")
                #expect(length >= connectionIDsEnd, "\(name) cut at \(length) parsed")
                if name == "versionNegotiation" { #expect((length - 19) % 4 == 0) }
                #expect(fields.packetLength == length)
            } catch {
                #expect(error.reason == .truncated, "\(name) cut at \(length): \(error)")
                #expect(error.offset <= length, "\(name) cut at \(length): \(error)")
            }
            _ = QUICLongHeader.looksLikeQUIC(prefix.span)
            var walker = QUICPacketWalker(prefix.span)
            while (try? walker.next()) != nil {}
        }
    }

    /// Impossible lengths: a 21-byte DCID or SCID in version 1, a Length below the header protection sample, a
    /// token length or Length varint beyond the buffer, a short header where a long one was expected.
    @Test func impossibleLengths() {
        var longDestination = QUICFixture.serverInitial
        longDestination[5] = 21
        #expect(throws: WireError(.quic, .badLength, at: 5)) { try QUICHeaderFields(longDestination) }
        var longSource = QUICFixture.serverInitial
        longSource[6] = 21
        #expect(throws: WireError(.quic, .badLength, at: 6)) { try QUICHeaderFields(longSource) }
        var tinyLength = QUICFixture.serverInitial
        tinyLength[16] = 0x00
        tinyLength[17] = 0x13  // Length 19 (2-byte varint)
        #expect(throws: WireError(.quic, .badLength, at: 16)) { try QUICHeaderFields(tinyLength) }
        var hugeToken = QUICFixture.serverInitial
        hugeToken[15] = 0xbf  // 4-byte varint: token length 0x3f4075c0
        #expect(throws: WireError(.quic, .truncated, at: 15)) { try QUICHeaderFields(hugeToken) }
        var hugeLength = QUICFixture.serverInitial
        hugeLength[16] = 0xc0  // 8-byte varint Length
        #expect(throws: WireError(.quic, .truncated, at: 16)) { try QUICHeaderFields(hugeLength) }
        let short: [UInt8] = [0x40] + Array(repeating: 0, count: 30)
        #expect(throws: WireError(.quic, .badValue, at: 0)) { try QUICHeaderFields(short) }
        let emptyNegotiation = Array(QUICFixture.versionNegotiation.prefix(19))
        #expect(throws: WireError(.quic, .truncated, at: 19)) { try QUICHeaderFields(emptyNegotiation) }
    }

    @Test func walkerFindsCoalescedPackets() throws {
        let bytes = QUICFixture.coalesced
        var walker = QUICPacketWalker(bytes.span)
        var ranges: [Range<Int>] = []
        while let range = try walker.next() { ranges.append(range) }
        #expect(ranges == [0..<135, 135..<171])
        let shortHeaderOffset = walker.shortHeaderOffset
        let hitLimit = walker.hitLimit
        #expect(shortHeaderOffset == 171)
        #expect(!hitLimit)
        let info = try QUICPacketInfo(datagram: bytes.span)
        #expect(info.coalescedPackets == 2)
        #expect(info.packetType == .initial)
        let second = try QUICHeaderFields(Array(bytes[135...]))
        #expect(second.packetType == .handshake)
        #expect(second.packetLength == 36)
    }

    @Test func walkerStopsAtTheLimitAndOnErrors() throws {
        let handshake: [UInt8] = [0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x14] + Array(repeating: 0x99, count: 20)
        let many = Array([[UInt8]](repeating: handshake, count: 10).joined())
        var walker = QUICPacketWalker(many.span)
        var count = 0
        while try walker.next() != nil { count += 1 }
        let hitLimit = walker.hitLimit
        #expect(count == QUICPacketWalker.maximumPackets)
        #expect(hitLimit)

        let broken = handshake + [0xe0, 0x00, 0x00, 0x00, 0x01, 0x15] + Array(repeating: 0, count: 30)
        var brokenWalker = QUICPacketWalker(broken.span)
        let first = try brokenWalker.next()
        #expect(first == 0..<28)
        var secondError: WireError?
        do { _ = try brokenWalker.next() } catch { secondError = error }
        #expect(secondError == WireError(.quic, .badLength, at: 33))
        let afterError = try brokenWalker.next()
        #expect(afterError == nil)
    }

    @Test func probes() {
        func long(_ bytes: [UInt8]) -> Bool { QUICLongHeader.looksLikeQUIC(bytes.span) }
        func short(_ bytes: [UInt8], _ length: Int) -> Bool {
            QUICLongHeader.looksLikeShortHeader(bytes.span, destinationConnectionIDLength: length)
        }
        #expect(long(QUICFixture.serverInitial))
        #expect(long(QUICFixture.versionNegotiation))
        #expect(!long(QUICFixture.unknownVersion))  // implausible version
        #expect(!long([0xc0, 0x5e, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]))  // DNS-like
        #expect(!long([0xc0, 0x00, 0x00, 0x00, 0x01, 0x08]))  // too short
        let oneRTT: [UInt8] = [0x41] + Array(repeating: 0x55, count: 40)
        #expect(short(oneRTT, 8))
        #expect(!short(QUICFixture.serverInitial, 8))
        #expect(!short(Array(oneRTT.prefix(20)), 8))
    }

    @Test func varints() {
        // RFC 9000 §A.1 examples.
        let examples: [([UInt8], UInt64)] = [
            ([0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c], 151_288_809_941_952_652),
            ([0x9d, 0x7f, 0x3e, 0x7d], 494_878_333), ([0x7b, 0xbd], 15293), ([0x25], 37), ([0x40, 0x25], 37),
        ]
        for (bytes, value) in examples {
            let decoded = QUICVarint.read(bytes.span, at: 0)
            #expect(decoded?.value == value)
            #expect(decoded?.length == bytes.count)
            for cut in 0..<bytes.count {
                let prefix = Array(bytes.prefix(cut))
                let cutValue = QUICVarint.read(prefix.span, at: 0)
                #expect(cutValue == nil)
            }
        }
        #expect(QUICVarint.encodedLength(of: 15293) == 2)
    }
}
