import QUICInitial
import Testing
import WireFormat

@Suite("QUIC Initial decryption (RFC 9001 and RFC 9369 Appendix A)")
struct InitialDecryptionTests {
    /// RFC 9001 §A.2: unprotect the client Initial; header, packet number 2, the CRYPTO frame, PADDING to 1162.
    @Test func version1ClientInitial() throws {
        let packet = RFCVector.clientInitial
        #expect(packet.count == 1200)
        let decrypted = try InitialDecryptor.decryptClientInitial(packet.span)
        #expect(decrypted.version == .v1)
        #expect(decrypted.header == RFCVector.clientUnprotectedHeader)
        #expect(decrypted.packetNumber == 2)
        #expect(decrypted.packetNumberLength == 4)
        #expect(decrypted.reservedBits == 0)
        #expect(decrypted.plaintext.count == 1162)
        #expect(Array(decrypted.plaintext.prefix(RFCVector.clientCryptoFrame.count)) == RFCVector.clientCryptoFrame)
        #expect(decrypted.plaintext.dropFirst(RFCVector.clientCryptoFrame.count).allSatisfy { $0 == 0 })
        #expect(decrypted.destinationConnectionID == QUICConnectionID(bytes: RFCVector.destinationConnectionID))
        #expect(decrypted.sourceConnectionID.length == 0)
        #expect(decrypted.packetRange == 0..<1200)

        let frames = decrypted.frames
        #expect(frames.problem == nil)
        #expect(frames.frames == [
            .crypto(offset: 0, data: RFCVector.clientHello),
            .padding(count: 1162 - RFCVector.clientCryptoFrame.count),
        ])
        var stream = CryptoStreamReassembler()
        stream.insert(frames)
        #expect(stream.clientHello() == RFCVector.clientHello)
        #expect(stream.clientHello()?.count == 0xf1)
    }

    /// RFC 9001 §A.3: the server Initial, with keys from the client's DCID; ACK then the ServerHello.
    @Test func version1ServerInitial() throws {
        let packet = RFCVector.serverInitial
        let decrypted = try InitialDecryptor.decryptServerInitial(
            packet.span, originalDestinationConnectionID: RFCVector.destinationConnectionID)
        #expect(decrypted.header == RFCVector.serverUnprotectedHeader)
        #expect(decrypted.packetNumber == 1)
        #expect(decrypted.packetNumberLength == 2)
        #expect(decrypted.plaintext == RFCVector.serverPayload)
        #expect(decrypted.sourceConnectionID == QUICConnectionID(bytes: RFCVector.bytes("f067a5502a4262b5")))
        let frames = decrypted.frames
        #expect(frames.problem == nil)
        #expect(frames.frames.count == 2)
        #expect(frames.frames.first == .ack(largestAcknowledged: 0, ackDelay: 0, additionalRanges: 0, ecn: false))
        var stream = CryptoStreamReassembler()
        stream.insert(frames)
        let serverHello = try #require(stream.firstHandshakeMessage())
        #expect(serverHello.first == 2)
        #expect(serverHello.count == 0x5a)
        #expect(stream.clientHello() == nil)
    }

    /// The server's packet does not open with the client's keys, nor with another DCID.
    @Test func wrongKeysFailAuthentication() throws {
        let server = RFCVector.serverInitial
        #expect(throws: InitialDecryptionError.authenticationFailed) {
            // Client keys from the server's own DCID (empty): wrong.
            try InitialDecryptor.decryptClientInitial(server.span)
        }
        let client = RFCVector.clientInitial
        let decryptor = try InitialDecryptor(version: .v1, originalDestinationConnectionID: RFCVector.destinationConnectionID)
        #expect(throws: InitialDecryptionError.authenticationFailed) {
            try decryptor.decryptPacket(client.span, from: .server)
        }
        #expect(throws: InitialDecryptionError.authenticationFailed) {
            try InitialDecryptor.decryptServerInitial(server.span, originalDestinationConnectionID: [0x83, 0x94])
        }
    }

    /// One flipped bit anywhere after the header makes the tag fail; in the header too (it is the AAD).
    @Test(arguments: [7, 30, 600, 1199])
    func corruptionIsDetected(_ index: Int) {
        var packet = RFCVector.clientInitial
        packet[index] ^= 0x01
        let corrupted = packet
        #expect(throws: InitialDecryptionError.self) {
            try InitialDecryptor.decryptClientInitial(corrupted.span)
        }
    }

    /// RFC 9369 §A.2: the version 2 client Initial (type bits 0b01, "quicv2" labels, v2 salt).
    @Test func version2ClientInitial() throws {
        let packet = RFCVector.version2ClientInitial
        #expect(packet.count == 1200)
        let decrypted = try InitialDecryptor.decryptClientInitial(packet.span)
        #expect(decrypted.version == .v2)
        #expect(decrypted.header == RFCVector.version2ClientUnprotectedHeader)
        #expect(decrypted.packetNumber == 2)
        #expect(Array(decrypted.plaintext.prefix(RFCVector.clientCryptoFrame.count)) == RFCVector.clientCryptoFrame)
        var stream = CryptoStreamReassembler()
        stream.insert(decrypted.frames)
        #expect(stream.clientHello() == RFCVector.clientHello)
    }

    /// RFC 9369 §A.3: the version 2 server Initial.
    @Test func version2ServerInitial() throws {
        let packet = RFCVector.version2ServerInitial
        let decrypted = try InitialDecryptor.decryptServerInitial(
            packet.span, originalDestinationConnectionID: RFCVector.destinationConnectionID)
        #expect(decrypted.header == RFCVector.version2ServerUnprotectedHeader)
        #expect(decrypted.packetNumber == 1)
        #expect(decrypted.plaintext == RFCVector.serverPayload)
    }

    /// Retry and Version Negotiation carry no Initial; a short header is not a long header.
    @Test func notAnInitial() {
        let retry = RFCVector.retry
        #expect(throws: InitialDecryptionError.noInitialPacket(.retry)) {
            try InitialDecryptor.decryptClientInitial(retry.span)
        }
        let retry2 = RFCVector.version2Retry
        #expect(throws: InitialDecryptionError.noInitialPacket(.retry)) {
            try InitialDecryptor.decryptClientInitial(retry2.span)
        }
        let shortHeader: [UInt8] = [0x40] + Array(repeating: 0xaa, count: 40)
        #expect(throws: InitialDecryptionError.noInitialPacket(nil)) {
            try InitialDecryptor.decryptClientInitial(shortHeader.span)
        }
    }

    /// Every prefix of the protected packet: a header error (truncated) or, once the header is whole but the
    /// packet is cut, also `truncated` — never a trap, never a success.
    @Test(arguments: [RFCVector.clientInitial, RFCVector.serverInitial, RFCVector.version2ClientInitial])
    func truncatedAtEveryLength(_ packet: [UInt8]) {
        for length in 0..<packet.count {
            let prefix = Array(packet[0..<length])
            do {
                _ = try InitialDecryptor.decryptServerInitial(prefix.span, originalDestinationConnectionID: RFCVector.destinationConnectionID)
                Issue.record("a \(length)-byte prefix decrypted")
            } catch .header(let error) {
                #expect(error.reason == .truncated, "cut at \(length): \(error)")
                #expect(error.offset <= length)
            } catch .noInitialPacket(nil) {
                #expect(length == 0, "cut at \(length): no Initial packet")
            } catch {
                Issue.record("cut at \(length): \(error)")
            }
        }
    }

    /// Decrypting twice gives the same result.
    @Test func decryptingTwiceIsStable() throws {
        let packet = RFCVector.clientInitial
        let first = try InitialDecryptor.decryptClientInitial(packet.span)
        let second = try InitialDecryptor.decryptClientInitial(packet.span)
        #expect(first == second)
    }

    /// A client's first datagram decrypted in one step equals the three steps it replaces: `decryptClientInitial`,
    /// an `InitialDecryptor` from that packet's version and DCID, and `decryptDatagram`.
    @Test(arguments: [RFCVector.clientInitial, RFCVector.version2ClientInitial])
    func firstClientDatagramEqualsTheSeparateSteps(_ packet: [UInt8]) throws {
        for datagram in [packet, packet + packet, packet + [0x40, 0, 0, 0]] {
            let (decryptor, packets) = try InitialDecryptor.decryptFirstClientDatagram(datagram.span)
            let first = try InitialDecryptor.decryptClientInitial(datagram.span)
            let separate = try InitialDecryptor(
                version: first.version, originalDestinationConnectionID: first.destinationConnectionID.bytes)
            #expect(decryptor == separate)
            #expect(packets == (try separate.decryptDatagram(datagram.span, from: .client)))
            #expect(packets?.first == first)
            #expect(packets?.count == (datagram.count >= 2 * packet.count ? 2 : 1))
        }
    }

    /// The first Initial failing throws (no decryptor); a later one failing leaves the decryptor and no packets,
    /// as `decryptDatagram` throwing did.
    @Test func firstClientDatagramFailures() throws {
        let server = RFCVector.serverInitial
        #expect(throws: InitialDecryptionError.authenticationFailed) {
            try InitialDecryptor.decryptFirstClientDatagram(server.span)
        }
        var corrupted = RFCVector.clientInitial
        corrupted[600] ^= 0x01
        let datagram = RFCVector.clientInitial + corrupted
        let (decryptor, packets) = try InitialDecryptor.decryptFirstClientDatagram(datagram.span)
        #expect(packets == nil)
        #expect(decryptor == (try InitialDecryptor(version: .v1, originalDestinationConnectionID: RFCVector.destinationConnectionID)))
        let shortHeader: [UInt8] = [0x40, 0, 0, 0]
        #expect(throws: InitialDecryptionError.noInitialPacket(nil)) {
            try InitialDecryptor.decryptFirstClientDatagram(shortHeader.span)
        }
    }

    /// A decryptor holds the client's keys; the server's, derived on demand, open the server's Initial.
    @Test func serverKeysOnDemandDecryptTheServerInitial() throws {
        let client = RFCVector.clientInitial
        let (decryptor, _) = try InitialDecryptor.decryptFirstClientDatagram(client.span)
        let serverPacket = RFCVector.serverInitial
        let server = try decryptor.decryptPacket(serverPacket.span, from: .server)
        #expect(server.plaintext == RFCVector.serverPayload)
        #expect(server.header == RFCVector.serverUnprotectedHeader)
    }

    /// Two coalesced Initials (the §A.3 packet twice) and a trailing short header: `decryptDatagram` opens both.
    @Test func coalescedInitialsInOneDatagram() throws {
        let datagram = RFCVector.serverInitial + RFCVector.serverInitial + [0x40, 0, 0, 0]
        let decryptor = try InitialDecryptor(version: .v1, originalDestinationConnectionID: RFCVector.destinationConnectionID)
        let packets = try decryptor.decryptDatagram(datagram.span, from: .server)
        #expect(packets.count == 2)
        #expect(packets.map(\.packetRange) == [0..<RFCVector.serverInitial.count,
                                                RFCVector.serverInitial.count..<(2 * RFCVector.serverInitial.count)])
        #expect(packets.allSatisfy { $0.plaintext == RFCVector.serverPayload })
    }
}
