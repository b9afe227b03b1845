/// A STUN message (RFC 8489 §5, §14; TURN methods and attributes of RFC 8656; ICE attributes of RFC 8445), or
/// with `init(validatingClassic:)` an RFC 3489 message without the magic cookie.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// |                         Magic Cookie                          |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |   attributes (§14), each value
/// |                         Value (variable)                ....      padded to a multiple of 4 bytes
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `init(validating:)` checks the header (top two bits zero, length a multiple of 4 and within the buffer, magic
/// cookie 0x2112A442) and walks the attributes once: at most `maximumAttributes`, each padded to 4 bytes and
/// inside the message, ending exactly where the length field says. The view covers that one message; bytes
/// after it (the next message on a TCP stream) are not part of it. Attribute values are decoded lazily by
/// `info()`; a known attribute with an impossible value is listed there, not fatal.
///
/// RFC 3489 messages have no cookie and a 128-bit transaction ID, and nothing in them says "STUN": random UDP
/// starting with 0x00 or 0x01 could pass a loose check. `init(validatingClassic:)` therefore accepts only the six
/// RFC 3489 message types, a length that fills the datagram exactly, and RFC 3489 attribute types only.
public struct STUNMessage: ~Escapable {
    private enum Field {
        static let type = 0
        static let length = 2
        static let cookie = 4
        static let transactionID = 8
        static let headerLength = 20
        static let attributeType = 0
        static let attributeLength = 2
        static let attributeHeaderLength = 4
    }

    public static let magicCookie: UInt32 = 0x2112_a442
    public static let headerLength = Field.headerLength
    /// Attributes walked before giving up (RFC 5769's longest sample has 6; real messages stay under 20).
    public static let maximumAttributes = 64
    /// FINGERPRINT is the CRC-32 XORed with this ("STUN", RFC 8489 §14.7).
    public static let fingerprintXOR: UInt32 = 0x5354_554e
    /// The message types of RFC 3489 §11.1: Binding and Shared Secret request, response, error response.
    public static let classicMessageTypes: Set<UInt16> = [0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112]

    /// The message: header and attributes, nothing after.
    public let bytes: Span<UInt8>
    /// No magic cookie: RFC 3489.
    public let isClassic: Bool
    public let attributeCount: Int
    /// Where the first FINGERPRINT attribute's header starts, if there is one.
    let fingerprintOffset: Int?

    /// An RFC 5389 / RFC 8489 message (magic cookie present) at the start of `bytes`. With `unpaddedEnd`, the
    /// last attribute may lack its padding when the message ends exactly at the end of `bytes` (WhatsApp's
    /// Allocate requests do this; only used for whole datagrams, where the end is known).
    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, unpaddedEnd: Bool = false) throws(WireError) {
        let length = try Self.checkHeader(bytes, unpaddedEnd: unpaddedEnd)
        guard bytes.uint32(at: Field.cookie) == Self.magicCookie else {
            throw WireError(.stun, .badValue, at: Field.cookie)
        }
        let message = bytes.extracting(0..<length)
        var fingerprint: Int?
        attributeCount = try Self.walk(message, classic: false, unpaddedEnd: unpaddedEnd) { _, type, valueOffset, _ in
            if type == STUNAttributeType.fingerprint.rawValue, fingerprint == nil {
                fingerprint = valueOffset - Field.attributeHeaderLength
            }
        }
        self.bytes = message
        isClassic = false
        fingerprintOffset = fingerprint
    }

    /// An RFC 3489 message that is the whole of `bytes` (one UDP payload), strictly checked (see above).
    @_lifetime(copy bytes)
    public init(validatingClassic bytes: Span<UInt8>) throws(WireError) {
        let length = try Self.checkHeader(bytes)
        guard length == bytes.count else { throw WireError(.stun, .badLength, at: Field.length) }
        guard Self.classicMessageTypes.contains(bytes.uint16(at: Field.type)) else {
            throw WireError(.stun, .badValue, at: Field.type)
        }
        guard bytes.uint32(at: Field.cookie) != Self.magicCookie else {
            throw WireError(.stun, .badValue, at: Field.cookie)
        }
        attributeCount = try Self.walk(bytes, classic: true) { _, _, _, _ in }
        self.bytes = bytes
        isClassic = true
        fingerprintOffset = nil
    }

    /// A whole UDP payload: an RFC 8489 message that fills it exactly, else a strict RFC 3489 message.
    @_lifetime(copy bytes)
    public init(validatingDatagram bytes: Span<UInt8>) throws(WireError) {
        if bytes.count >= Field.headerLength, bytes.uint32(at: Field.cookie) == Self.magicCookie {
            let message = try STUNMessage(validating: bytes, unpaddedEnd: true)
            guard message.bytes.count == bytes.count else { throw WireError(.stun, .badLength, at: Field.length) }
            self = message
        } else {
            self = try STUNMessage(validatingClassic: bytes)
        }
    }

    public var messageType: UInt16 { bytes.uint16(at: Field.type) }
    /// The length field: bytes of attributes after the 20-byte header.
    public var messageLength: Int { Int(bytes.uint16(at: Field.length)) }
    public var cookie: UInt32 { bytes.uint32(at: Field.cookie) }
    public var method: STUNMethod { STUNMethod.split(messageType: messageType).method }
    public var messageClass: STUNMessageClass { STUNMethod.split(messageType: messageType).messageClass }
    public var transactionID: STUNTransactionID {
        STUNTransactionID(
            cookie: cookie, high: bytes.uint32(at: Field.transactionID),
            middle: bytes.uint32(at: Field.transactionID + 4), low: bytes.uint32(at: Field.transactionID + 8))
    }

    /// FINGERPRINT (RFC 8489 §14.7) checked: CRC-32 of the message up to the attribute, XOR 0x5354554e. Nil
    /// when there is none. A FINGERPRINT that is not the last attribute (a MUST of §14.7) is checked as it
    /// stands, so it fails: the length field then covers more than the sender hashed.
    public var fingerprintValid: Bool? {
        guard let offset = fingerprintOffset else { return nil }
        guard bytes.uint16(at: offset + Field.attributeLength) == 4 else { return false }
        let crc = CRC32.checksum(bytes.extracting(0..<offset)) ^ Self.fingerprintXOR
        return crc == bytes.uint32(at: offset + Field.attributeHeaderLength)
    }

    // MARK: - Validation

    /// Checks the fixed header; returns the message length (header + attributes).
    private static func checkHeader(_ bytes: Span<UInt8>, unpaddedEnd: Bool = false) throws(WireError) -> Int {
        guard bytes.count >= Field.headerLength else { throw WireError(.stun, .truncated, at: 0) }
        guard bytes.uint8(at: Field.type) & 0xc0 == 0 else { throw WireError(.stun, .badValue, at: Field.type) }
        let length = Int(bytes.uint16(at: Field.length))
        guard length % 4 == 0 || (unpaddedEnd && Field.headerLength + length == bytes.count) else {
            throw WireError(.stun, .badLength, at: Field.length)
        }
        guard bytes.count - Field.headerLength >= length else {
            throw WireError(.stun, .truncated, at: Field.headerLength)
        }
        return Field.headerLength + length
    }

    /// Walks the attributes of `message` (exactly one message), calling `visit(message, type, valueOffset, length)`
    /// for each; returns how many there were. Every value, with its padding, lies inside the message.
    @discardableResult
    static func walk(
        _ message: Span<UInt8>, classic: Bool, unpaddedEnd: Bool = false, _ visit: (Span<UInt8>, UInt16, Int, Int) -> Void
    ) throws(WireError) -> Int {
        var offset = Field.headerLength
        var count = 0
        while offset < message.count {
            guard count < maximumAttributes else { throw WireError(.stun, .tooManyHeaders, at: offset) }
            // The length field is a multiple of 4 and so is every padded attribute: 4 bytes remain here
            // (with `unpaddedEnd`, only the last attribute may end short of its padding).
            guard message.count - offset >= Field.attributeHeaderLength else {
                throw WireError(.stun, .badLength, at: offset)
            }
            let type = message.uint16(at: offset + Field.attributeType)
            let length = Int(message.uint16(at: offset + Field.attributeLength))
            let remaining = message.count - offset - Field.attributeHeaderLength
            let padded = unpaddedEnd && remaining == length ? length : (length + 3) & ~3
            guard remaining >= padded else {
                throw WireError(.stun, .badLength, at: offset + Field.attributeLength)
            }
            if classic, !STUNAttributeType.isClassic(type) { throw WireError(.stun, .badValue, at: offset) }
            visit(message, type, offset + Field.attributeHeaderLength, length)
            offset += Field.attributeHeaderLength + padded
            count += 1
        }
        return count
    }

    // MARK: - Attributes without allocation

    /// Calls `body` with each attribute's type, in order (no allocation: for per-packet trackers).
    public func forEachAttributeType(_ body: (UInt16) -> Void) {
        _ = try? Self.walk(bytes, classic: isClassic) { _, type, _, _ in body(type) }
    }

    /// The first `type` attribute's value as UTF-8 text (at most `STUNInfo.maximumStringBytes`), or nil when absent.
    public func textAttribute(_ type: UInt16) -> String? {
        var found: (offset: Int, length: Int)?
        _ = try? Self.walk(bytes, classic: isClassic) { _, t, offset, length in
            if found == nil, t == type { found = (offset, length) }
        }
        guard let found else { return nil }
        return Self.string(at: found.offset, length: found.length, in: bytes)
    }

    // MARK: - Summary

    /// The summary, attribute values decoded (the first of each type counts, as RFC 8489 §14 says).
    public func info() -> STUNInfo {
        let (method, messageClass) = STUNMethod.split(messageType: messageType)
        var info = STUNInfo(
            messageClass: messageClass, method: method, transactionID: transactionID, isClassic: isClassic,
            length: bytes.count, fingerprintValid: fingerprintValid)
        info.attributeTypes.reserveCapacity(attributeCount)
        // Validated in init: the walk cannot throw here.
        _ = try? Self.walk(bytes, classic: false) { message, type, offset, length in
            let seen = info.attributeTypes.contains(type)
            info.attributeTypes.append(type)
            if seen { return }
            if !Self.decode(type, at: offset, length: length, in: message, into: &info) {
                info.malformedAttributeTypes.append(type)
            }
        }
        return info
    }

    /// Decodes one attribute value into `info`; false when its length or content is impossible.
    private static func decode(
        _ type: UInt16, at offset: Int, length: Int, in message: Span<UInt8>, into info: inout STUNInfo
    ) -> Bool {
        switch STUNAttributeType(rawValue: type) {
        case .mappedAddress:
            info.mappedAddress = address(at: offset, length: length, in: message, xor: false)
            return info.mappedAddress != nil
        case .xorMappedAddress, .xorMappedAddressDraft:
            info.xorMappedAddress = address(at: offset, length: length, in: message, xor: true)
            return info.xorMappedAddress != nil
        case .xorRelayedAddress:
            info.xorRelayedAddress = address(at: offset, length: length, in: message, xor: true)
            return info.xorRelayedAddress != nil
        case .xorPeerAddress:
            info.xorPeerAddress = address(at: offset, length: length, in: message, xor: true)
            return info.xorPeerAddress != nil
        case .username:
            info.username = string(at: offset, length: length, in: message)
        case .realm:
            info.realm = string(at: offset, length: length, in: message)
        case .software:
            info.software = string(at: offset, length: length, in: message)
        case .nonce:
            info.nonceLength = length
        case .errorCode:
            // 21 reserved bits, class (3 bits), number (8 bits), reason phrase (RFC 8489 §14.8).
            guard length >= 4, message.uint8(at: offset + 3) < 100 else { return false }
            let code = Int(message.uint8(at: offset + 2) & 0x07) * 100 + Int(message.uint8(at: offset + 3))
            info.errorCode = STUNErrorCode(code: code, reason: string(at: offset + 4, length: length - 4, in: message))
        case .messageIntegrity:
            guard length == 20 else { return false }
            info.hasMessageIntegrity = true
        case .messageIntegritySHA256:
            guard (16...32).contains(length), length % 4 == 0 else { return false }
            info.hasMessageIntegritySHA256 = true
        case .fingerprint:
            return length == 4
        case .priority:
            guard length == 4 else { return false }
            info.priority = message.uint32(at: offset)
        case .useCandidate:
            guard length == 0 else { return false }
            info.useCandidate = true
        case .iceControlled:
            guard length == 8 else { return false }
            info.iceControlled = message.uint64(at: offset)
        case .iceControlling:
            guard length == 8 else { return false }
            info.iceControlling = message.uint64(at: offset)
        case .lifetime:
            guard length == 4 else { return false }
            info.lifetime = message.uint32(at: offset)
        case .channelNumber:
            guard length == 4 else { return false }
            info.channelNumber = message.uint16(at: offset)
        case .data:
            info.dataLength = length
        case .requestedTransport:
            guard length == 4 else { return false }
            info.requestedTransport = message.uint8(at: offset)
        default:
            break
        }
        return true
    }

    /// MAPPED-ADDRESS layout (RFC 8489 §14.1): reserved byte, family (1 IPv4, 2 IPv6), port, address. The XOR
    /// forms (§14.2) XOR the port with the cookie's top 16 bits and the address with the cookie (IPv4) or the
    /// cookie and transaction ID (IPv6): bytes 4–19 of the header, which for RFC 3489 is its 128-bit ID.
    private static func address(at offset: Int, length: Int, in message: Span<UInt8>, xor: Bool) -> STUNTransportAddress? {
        guard length >= 4 else { return nil }
        let family = message.uint8(at: offset + 1)
        let port = message.uint16(at: offset + 2) ^ (xor ? message.uint16(at: Field.cookie) : 0)
        switch (family, length) {
        case (1, 8):
            let value = message.uint32(at: offset + 4) ^ (xor ? message.uint32(at: Field.cookie) : 0)
            return STUNTransportAddress(address: IPAddress(ipv4: value), port: port)
        case (2, 20):
            let high = message.uint64(at: offset + 4) ^ (xor ? message.uint64(at: Field.cookie) : 0)
            let low = message.uint64(at: offset + 12) ^ (xor ? message.uint64(at: Field.cookie + 8) : 0)
            return STUNTransportAddress(address: IPAddress(ipv6High: high, low: low), port: port)
        default:
            return nil
        }
    }

    /// UTF-8 text of at most `STUNInfo.maximumStringBytes` bytes; invalid sequences become U+FFFD.
    private static func string(at offset: Int, length: Int, in message: Span<UInt8>) -> String {
        let count = min(length, STUNInfo.maximumStringBytes)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(count)
        for index in offset..<(offset + count) { utf8.append(message[index]) }
        return String(decoding: utf8, as: UTF8.self)
    }
}
