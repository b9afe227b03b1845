import Testing
@testable import WireFormat

/// DTLS record and handshake headers, the ClientHello with a cookie, and fragment reassembly.
@Suite("DTLS")
struct DTLSTests {
    static let datagram = TLSFixture.dtlsClientHelloDatagram
    static let expectedCipherCount = 44

    @Test func recordHeaderFields() throws {
        let header = try DTLSRecordHeader(validating: Self.datagram.span)
        let (type, version, epoch, sequence, length) =
            (header.contentType, header.version, header.epoch, header.sequenceNumber, header.length)
        #expect(type == .handshake)
        #expect(version == 0xfeff)
        #expect(epoch == 0)
        #expect(sequence == 0)
        #expect(length == 151)
        let looksLikeDTLS = DTLSRecordHeader.looksLikeDTLS(Self.datagram.span)
        #expect(looksLikeDTLS)
        let looksLikeTLS = TLSRecordHeader.looksLikeTLS(Self.datagram.span)
        #expect(!looksLikeTLS)
    }

    @Test func handshakeHeaderFields() throws {
        let handshake = Array(Self.datagram[13...])
        let header = try DTLSHandshakeHeader(validating: handshake.span)
        let (type, length, sequence, offset, fragment) =
            (header.messageType, header.length, header.messageSequence, header.fragmentOffset, header.fragmentLength)
        #expect(type == .clientHello)
        #expect(length == 139)
        #expect(sequence == 0)
        #expect(offset == 0)
        #expect(fragment == 139)
    }

    @Test func clientHelloWithCookie() throws {
        let body = Array(Self.datagram[25...])
        let info = try ClientHello(validating: body.span, isDTLS: true).info()
        #expect(info.isDTLS)
        #expect(info.legacyVersion == 0xfeff)
        #expect(info.cookieLength == 0)
        #expect(info.cipherSuites.count == Self.expectedCipherCount)
        #expect(info.extensionTypes == [0x0023, 0x000f])
        // Read as TLS (no cookie field) the same bytes do not parse the same.
        let asTLS = try? ClientHello(validating: body.span, isDTLS: false).info()
        #expect(asTLS != info)
    }

    @Test(arguments: Array(0..<TLSFixture.dtlsClientHelloDatagram.count))
    func truncatedDatagram(_ length: Int) {
        let prefix = Array(Self.datagram[0..<length])
        var assembler = DTLSHandshakeAssembler()
        assembler.add(datagram: prefix.span)
        #expect(assembler.clientHello == nil)
        #expect(assembler.status == .inProgress)
    }

    @Test func impossibleFragment() {
        var handshake = Array(Self.datagram[13...])
        handshake[11] = 0xff  // fragment_length 0x8b → 0xff, past the message length
        #expect(throws: WireError(.dtls, .badLength, at: 6)) { _ = try DTLSHandshakeHeader(validating: handshake.span) }
    }

    @Test func assemblerWholeDatagram() {
        var assembler = DTLSHandshakeAssembler()
        assembler.add(datagram: Self.datagram.span)
        #expect(assembler.clientHello?.cipherSuites.count == Self.expectedCipherCount)
        #expect(assembler.recordCounts.handshake == 1)
        var server = DTLSHandshakeAssembler()
        let flight = TLSFixture.dtlsServerFlight
        server.add(datagram: flight.span)
        #expect(server.serverHello?.cipherSuite == 0x0035)
        #expect(server.recordCounts.handshake >= 2)
    }

    /// The ClientHello re-cut into DTLS handshake fragments of `size` bytes, one record per datagram.
    static func fragmented(size: Int) -> [[UInt8]] {
        let body = Array(datagram[25...])
        return stride(from: 0, to: body.count, by: size).map { offset in
            let fragment = Array(body[offset..<min(offset + size, body.count)])
            let handshake: [UInt8] = [0x01, 0x00, 0x00, UInt8(body.count)] + [0x00, 0x00]
                + [0x00, UInt8(offset >> 8), UInt8(offset & 0xff)] + [0x00, 0x00, UInt8(fragment.count)] + fragment
            return [0x16, 0xfe, 0xff, 0x00, 0x00] + [0, 0, 0, 0, 0, UInt8(offset & 0xff)]
                + [UInt8(handshake.count >> 8), UInt8(handshake.count & 0xff)] + handshake
        }
    }

    @Test(arguments: [1, 10, 50, 100])
    func fragmentsInAnyOrder(_ size: Int) {
        let datagrams = Self.fragmented(size: size)
        var generator = SplitMix64(seed: UInt64(size))
        for order in [datagrams, datagrams.reversed(), datagrams.shuffled(using: &generator), datagrams + datagrams] {
            var assembler = DTLSHandshakeAssembler()
            for datagram in order { assembler.add(datagram: datagram.span) }
            if size == 1 && order.count == datagrams.count && order != datagrams && order != datagrams.reversed() {
                continue  // 139 one-byte fragments in random order exceed the 64-hole bound
            }
            #expect(assembler.clientHello?.cipherSuites.count == Self.expectedCipherCount, "size \(size)")
        }
    }

    @Test func otherProtocolsOnTheSamePortAreSkipped() {
        var assembler = DTLSHandshakeAssembler()
        let stun: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42] + Array(repeating: 0, count: 12)
        let rtp: [UInt8] = [0x80, 0x60, 0x00, 0x01] + Array(repeating: 0, count: 12)
        assembler.add(datagram: stun.span)
        assembler.add(datagram: rtp.span)
        assembler.add(datagram: Self.datagram.span)
        // DTLS 1.3 unified header (001CSLEE = 0x2c: no CID, 16-bit sequence, length present), after DTLS was seen.
        let unified: [UInt8] = [0x2c, 0x00, 0x01, 0x00, 0x03, 0xaa, 0xbb, 0xcc]
        assembler.add(datagram: unified.span)
        #expect(assembler.otherDatagrams == 2)
        #expect(assembler.clientHello != nil)
        #expect(assembler.recordCounts.unifiedCiphertext == 1)
        #expect(assembler.isEncrypted)
        let unifiedProbe = DTLSCiphertextHeader.looksLikeUnifiedHeader(unified.span)
        #expect(unifiedProbe)
    }
}
