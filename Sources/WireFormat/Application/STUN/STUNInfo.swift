/// What Blockscope keeps of a STUN message (RFC 8489, RFC 8656, RFC 8445, RFC 3489): type, transaction ID, the
/// attribute types in order, and the attributes that rules and flow tracking read, decoded.
///
/// Strings are kept only for USERNAME, REALM, SOFTWARE and the ERROR-CODE reason phrase, each cut to
/// `STUNInfo.maximumStringBytes` bytes (RFC 8489 bounds them at 513 or 763 bytes); invalid UTF-8 is replaced.
public struct STUNInfo: Hashable, Sendable {
    /// The longest string kept (RFC 8489 §14.3, §14.9: fewer than 128 characters, at most 763 bytes).
    public static let maximumStringBytes = 763

    public var messageClass: STUNMessageClass
    public var method: STUNMethod
    public var transactionID: STUNTransactionID
    /// The message has no magic cookie: an RFC 3489 ("classic") message with a 128-bit transaction ID.
    public var isClassic: Bool
    /// Header plus attributes, in bytes (20 + the length field).
    public var length: Int
    /// Every attribute's type, in order, unknown ones included.
    public var attributeTypes: [UInt16]

    public var mappedAddress: STUNTransportAddress?
    public var xorMappedAddress: STUNTransportAddress?
    public var xorRelayedAddress: STUNTransportAddress?
    /// The first XOR-PEER-ADDRESS (CreatePermission may carry several).
    public var xorPeerAddress: STUNTransportAddress?
    public var username: String?
    public var realm: String?
    /// NONCE length in bytes (the value is opaque).
    public var nonceLength: Int?
    public var software: String?
    public var errorCode: STUNErrorCode?
    public var hasMessageIntegrity: Bool
    public var hasMessageIntegritySHA256: Bool
    /// FINGERPRINT verified against the CRC-32 of the message before it; nil when there is no FINGERPRINT.
    public var fingerprintValid: Bool?
    public var priority: UInt32?
    public var useCandidate: Bool
    /// ICE-CONTROLLED / ICE-CONTROLLING tie-breakers (RFC 8445 §16.1).
    public var iceControlled: UInt64?
    public var iceControlling: UInt64?
    /// LIFETIME in seconds (RFC 8656 §18.2).
    public var lifetime: UInt32?
    public var channelNumber: UInt16?
    /// Length of the DATA attribute's value (RFC 8656 §18.4).
    public var dataLength: Int?
    /// REQUESTED-TRANSPORT protocol number (17 for UDP, RFC 8656 §18.7).
    public var requestedTransport: UInt8?
    /// Known attributes whose value had an impossible length or family; their fields above stay nil.
    public var malformedAttributeTypes: [UInt16]

    public init(
        messageClass: STUNMessageClass, method: STUNMethod, transactionID: STUNTransactionID, isClassic: Bool = false,
        length: Int, attributeTypes: [UInt16] = [], mappedAddress: STUNTransportAddress? = nil,
        xorMappedAddress: STUNTransportAddress? = nil, xorRelayedAddress: STUNTransportAddress? = nil,
        xorPeerAddress: STUNTransportAddress? = nil, username: String? = nil, realm: String? = nil,
        nonceLength: Int? = nil, software: String? = nil, errorCode: STUNErrorCode? = nil,
        hasMessageIntegrity: Bool = false, hasMessageIntegritySHA256: Bool = false, fingerprintValid: Bool? = nil,
        priority: UInt32? = nil, useCandidate: Bool = false, iceControlled: UInt64? = nil,
        iceControlling: UInt64? = nil, lifetime: UInt32? = nil, channelNumber: UInt16? = nil,
        dataLength: Int? = nil, requestedTransport: UInt8? = nil, malformedAttributeTypes: [UInt16] = []
    ) {
        self.messageClass = messageClass
        self.method = method
        self.transactionID = transactionID
        self.isClassic = isClassic
        self.length = length
        self.attributeTypes = attributeTypes
        self.mappedAddress = mappedAddress
        self.xorMappedAddress = xorMappedAddress
        self.xorRelayedAddress = xorRelayedAddress
        self.xorPeerAddress = xorPeerAddress
        self.username = username
        self.realm = realm
        self.nonceLength = nonceLength
        self.software = software
        self.errorCode = errorCode
        self.hasMessageIntegrity = hasMessageIntegrity
        self.hasMessageIntegritySHA256 = hasMessageIntegritySHA256
        self.fingerprintValid = fingerprintValid
        self.priority = priority
        self.useCandidate = useCandidate
        self.iceControlled = iceControlled
        self.iceControlling = iceControlling
        self.lifetime = lifetime
        self.channelNumber = channelNumber
        self.dataLength = dataLength
        self.requestedTransport = requestedTransport
        self.malformedAttributeTypes = malformedAttributeTypes
    }

    /// The message type field as sent (what tshark prints as `stun.type`).
    public var messageType: UInt16 {
        let method = self.method.rawValue
        let bits = UInt16(messageClass.rawValue)
        return method & 0x000f | (method & 0x0070) << 1 | (method & 0x0f80) << 2 | (bits & 1) << 4 | (bits & 2) << 7
    }

    /// Attribute types this parser does not decode, in order (they are kept, not dropped).
    public var unknownAttributeTypes: [UInt16] { attributeTypes.filter { !STUNAttributeType.decoded.contains($0) } }
}

/// A STUN transaction ID (RFC 8489 §6): 96 bits after the magic cookie. RFC 3489 used 128 bits, whose first 32
/// became the magic cookie; `cookie` holds them, so that one type serves both (it is 0x2112A442 for RFC 5389+).
public struct STUNTransactionID: Hashable, Sendable {
    public var cookie: UInt32
    public var high: UInt32
    public var middle: UInt32
    public var low: UInt32

    public init(cookie: UInt32 = STUNMessage.magicCookie, high: UInt32, middle: UInt32, low: UInt32) {
        self.cookie = cookie
        self.high = high
        self.middle = middle
        self.low = low
    }
}

extension STUNTransactionID: CustomStringConvertible {
    /// 24 hex digits (32 for an RFC 3489 ID), as tshark prints `stun.id`.
    public var description: String {
        let words = cookie == STUNMessage.magicCookie ? [high, middle, low] : [cookie, high, middle, low]
        return words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }.joined()
    }
}

/// An IP address and port from a (XOR-)MAPPED-ADDRESS-style attribute (RFC 8489 §14.1, §14.2).
public struct STUNTransportAddress: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }
}

extension STUNTransportAddress: CustomStringConvertible {
    public var description: String { address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

/// ERROR-CODE (RFC 8489 §14.8): class × 100 + number, and the reason phrase.
public struct STUNErrorCode: Hashable, Sendable {
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }
}
