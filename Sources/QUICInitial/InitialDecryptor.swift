import Crypto
import CryptoExtras
import Foundation
import WireFormat

/// Removes header protection from and decrypts QUIC Initial packets (RFC 9001 §5.3–5.4, RFC 9369 §3.3).
///
/// Initial keys come from the Destination Connection ID of the client's first Initial, so an observer can read
/// both directions: the client's Initials with the DCID they carry (`decryptClientInitial`), the server's with
/// the client's original DCID (`decryptServerInitial`, or an `InitialDecryptor` made once per flow).
///
/// Header protection (RFC 9001 §5.4.1–5.4.3): `sample` = 16 bytes at packet-number offset + 4; `mask` =
/// AES-ECB(hp, sample); the first byte's low 4 bits and the 1–4 packet-number bytes are XORed with the mask.
/// Payload (§5.3): AEAD_AES_128_GCM, nonce = IV XOR the packet number (left-padded to 12 bytes), associated
/// data = the unprotected header, the last 16 bytes of the packet are the tag.
public struct InitialDecryptor: Hashable, Sendable {
    public let secrets: InitialSecrets
    public var version: QUICVersion { secrets.version }

    private enum Size {
        static let sampleOffset = 4
        static let sample = 16
        static let tag = 16
        static let nonce = 12
    }

    /// Keys for one connection: its version and the Destination Connection ID of the client's first Initial.
    public init(version: QUICVersion, originalDestinationConnectionID: [UInt8]) throws(InitialDecryptionError) {
        guard let secrets = InitialSecrets(version: version, clientDestinationConnectionID: originalDestinationConnectionID)
        else { throw .unsupportedVersion(version) }
        self.secrets = secrets
    }

    /// The first Initial packet of a client's datagram, with keys from that packet's own DCID and version.
    public static func decryptClientInitial(_ datagram: Span<UInt8>) throws(InitialDecryptionError) -> DecryptedInitial {
        let (range, version, destination) = try firstInitial(in: datagram)
        let decryptor = try InitialDecryptor(version: version, originalDestinationConnectionID: destination)
        return try decryptor.decryptPacket(datagram.extracting(range), from: .client, at: range.lowerBound)
    }

    /// A client's first datagram of a connection: a decryptor with keys from its first Initial's DCID and version
    /// (derived once), and every Initial packet of that version in it. Throws as `decryptClientInitial` does when
    /// that first Initial cannot be decrypted; `packets` is nil when a later one fails (`decryptDatagram` throws).
    /// The same as `decryptClientInitial`, an `InitialDecryptor` from its version and DCID, and `decryptDatagram`,
    /// without deriving the keys or decrypting the first packet twice.
    public static func decryptFirstClientDatagram(
        _ datagram: Span<UInt8>
    ) throws(InitialDecryptionError) -> (decryptor: InitialDecryptor, packets: [DecryptedInitial]?) {
        let (range, version, destination) = try firstInitial(in: datagram)
        let decryptor = try InitialDecryptor(version: version, originalDestinationConnectionID: destination)
        let first = try decryptor.decryptPacket(datagram.extracting(range), from: .client, at: range.lowerBound)
        let packets = try? decryptor.decryptDatagram(datagram, from: .client, reusing: first)
        return (decryptor, packets)
    }

    /// The first Initial packet of a server's datagram, with keys from the DCID of the client's first Initial.
    public static func decryptServerInitial(
        _ datagram: Span<UInt8>, originalDestinationConnectionID: [UInt8]
    ) throws(InitialDecryptionError) -> DecryptedInitial {
        let (range, version, _) = try firstInitial(in: datagram)
        let decryptor = try InitialDecryptor(version: version, originalDestinationConnectionID: originalDestinationConnectionID)
        return try decryptor.decryptPacket(datagram.extracting(range), from: .server, at: range.lowerBound)
    }

    /// Every Initial packet of this decryptor's version in `datagram` (other packets are skipped; a packet that
    /// fails to decrypt throws).
    public func decryptDatagram(_ datagram: Span<UInt8>, from sender: InitialSecrets.Sender) throws(InitialDecryptionError) -> [DecryptedInitial] {
        try decryptDatagram(datagram, from: sender, reusing: nil)
    }

    /// `decryptDatagram`, taking the packet at `decrypted.packetRange` as already decrypted.
    private func decryptDatagram(
        _ datagram: Span<UInt8>, from sender: InitialSecrets.Sender, reusing decrypted: DecryptedInitial?
    ) throws(InitialDecryptionError) -> [DecryptedInitial] {
        var walker = QUICPacketWalker(datagram)
        var packets: [DecryptedInitial] = []
        while true {
            let next: Range<Int>?
            do throws(WireError) { next = try walker.next() } catch { throw .header(error) }
            guard let range = next else { break }
            let packet = datagram.extracting(range)
            guard Self.isInitial(packet, version: version) else { continue }
            if let decrypted, decrypted.packetRange.lowerBound == range.lowerBound {
                packets.append(decrypted)
                continue
            }
            packets.append(try decryptPacket(packet, from: sender, at: range.lowerBound))
        }
        return packets
    }

    /// Decrypts one Initial packet (`packet` starts at its first byte; bytes after its Length are ignored).
    /// `offset` is where it sits in its datagram, for `packetRange` and error offsets.
    public func decryptPacket(
        _ packet: Span<UInt8>, from sender: InitialSecrets.Sender, at offset: Int = 0
    ) throws(InitialDecryptionError) -> DecryptedInitial {
        let header: QUICLongHeader
        do throws(WireError) { header = try QUICLongHeader(validating: packet) } catch {
            throw .header(WireError(error.layer, error.reason, at: error.offset + offset))
        }
        guard header.packetType == .initial else { throw .noInitialPacket(header.packetType) }
        guard header.version == version else { throw .unsupportedVersion(header.version) }
        let keys = secrets.keys(for: sender)
        let packetNumberOffset = header.packetNumberOffset
        let end = header.packetLength
        // QUICLongHeader guarantees Length ≥ 20, so the sample (pn offset + 4 ..< + 20) and a 4-byte packet number
        // plus the 16-byte tag are inside the packet.
        let sampleStart = packetNumberOffset + Size.sampleOffset
        var mask = Self.copy(packet, sampleStart..<(sampleStart + Size.sample))
        do {
            try AES.permute(&mask, key: SymmetricKey(data: keys.hp))
        } catch {
            throw .cryptoFailure
        }
        let first = header.firstByte ^ (mask[0] & 0x0f)
        let packetNumberLength = Int(first & 0b11) + 1
        let headerEnd = packetNumberOffset + packetNumberLength
        var unprotected = Self.copy(packet, 0..<headerEnd)
        unprotected[0] = first
        var packetNumber: UInt64 = 0
        for index in 0..<packetNumberLength {
            unprotected[packetNumberOffset + index] ^= mask[1 + index]
            packetNumber = packetNumber << 8 | UInt64(unprotected[packetNumberOffset + index])
        }
        var nonce = keys.iv
        for index in 0..<8 {
            nonce[Size.nonce - 1 - index] ^= UInt8(truncatingIfNeeded: packetNumber >> UInt64(8 * index))
        }
        // Ciphertext and tag in one copy (the sealed box copies them once more, into one `Data`).
        let sealed = Self.copy(packet, headerEnd..<end)
        let tagStart = sealed.count - Size.tag
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed[..<tagStart], tag: sealed[tagStart...])
            plaintext = try AES.GCM.open(box, using: SymmetricKey(data: keys.key), authenticating: unprotected)
        } catch {
            throw .authenticationFailed
        }
        return DecryptedInitial(
            version: version, packetNumber: packetNumber, packetNumberLength: packetNumberLength, header: unprotected,
            plaintext: [UInt8](plaintext), destinationConnectionID: header.destinationConnectionID,
            sourceConnectionID: header.sourceConnectionID, tokenLength: header.tokenLength,
            packetRange: offset..<(offset + end))
    }

    // MARK: - Helpers

    /// The first Initial packet of a datagram: its range, version and DCID bytes.
    private static func firstInitial(in datagram: Span<UInt8>) throws(InitialDecryptionError) -> (Range<Int>, QUICVersion, [UInt8]) {
        var walker = QUICPacketWalker(datagram)
        var firstType: QUICPacketType?
        while true {
            let next: Range<Int>?
            do throws(WireError) { next = try walker.next() } catch { throw .header(error) }
            guard let range = next else { break }
            // Validated by the walker just now: this does not throw.
            guard let (type, version, destination) = Self.identify(datagram.extracting(range)) else { break }
            if walker.count == 1 { firstType = type }
            if type == .initial {
                guard InitialSecrets.salt(for: version) != nil else { throw .unsupportedVersion(version) }
                return (range, version, destination.bytes)
            }
        }
        throw .noInitialPacket(firstType)
    }

    private static func identify(_ packet: Span<UInt8>) -> (QUICPacketType?, QUICVersion, QUICConnectionID)? {
        do throws(WireError) {
            let header = try QUICLongHeader(validating: packet)
            return (header.packetType, header.version, header.destinationConnectionID)
        } catch {
            return nil
        }
    }

    private static func isInitial(_ packet: Span<UInt8>, version: QUICVersion) -> Bool {
        guard let (type, packetVersion, _) = identify(packet) else { return false }
        return type == .initial && packetVersion == version
    }

    private static func copy(_ bytes: Span<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        for index in range { result.append(bytes[index]) }
        return result
    }
}
