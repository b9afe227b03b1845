/// A STUN attribute type (RFC 8489 §14, §18.3; RFC 8656 §18; RFC 8445 §16.1; RFC 3489 §11.2; IANA "STUN
/// Attributes"). An open set: unknown types are kept by value. Types below 0x8000 are comprehension-required,
/// the rest comprehension-optional.
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    /// RFC 3489 only (0x0002–0x0005, 0x0007, 0x000b); reserved since RFC 5389.
    public static let responseAddress = STUNAttributeType(rawValue: 0x0002)
    public static let changeRequest = STUNAttributeType(rawValue: 0x0003)
    public static let sourceAddress = STUNAttributeType(rawValue: 0x0004)
    public static let changedAddress = STUNAttributeType(rawValue: 0x0005)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let password = STUNAttributeType(rawValue: 0x0007)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000a)
    public static let reflectedFrom = STUNAttributeType(rawValue: 0x000b)
    public static let channelNumber = STUNAttributeType(rawValue: 0x000c)
    public static let lifetime = STUNAttributeType(rawValue: 0x000d)
    public static let xorPeerAddress = STUNAttributeType(rawValue: 0x0012)
    public static let data = STUNAttributeType(rawValue: 0x0013)
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let xorRelayedAddress = STUNAttributeType(rawValue: 0x0016)
    public static let requestedAddressFamily = STUNAttributeType(rawValue: 0x0017)
    public static let evenPort = STUNAttributeType(rawValue: 0x0018)
    public static let requestedTransport = STUNAttributeType(rawValue: 0x0019)
    public static let dontFragment = STUNAttributeType(rawValue: 0x001a)
    public static let messageIntegritySHA256 = STUNAttributeType(rawValue: 0x001c)
    public static let passwordAlgorithm = STUNAttributeType(rawValue: 0x001d)
    public static let userhash = STUNAttributeType(rawValue: 0x001e)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let reservationToken = STUNAttributeType(rawValue: 0x0022)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let passwordAlgorithms = STUNAttributeType(rawValue: 0x8002)
    public static let alternateDomain = STUNAttributeType(rawValue: 0x8003)
    /// XOR-MAPPED-ADDRESS as pre-RFC 5389 drafts numbered it; still sent by some RFC 3489 servers.
    public static let xorMappedAddressDraft = STUNAttributeType(rawValue: 0x8020)
    /// SOFTWARE (RFC 8489 §14.14); SERVER in RFC 3489 era implementations.
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let alternateServer = STUNAttributeType(rawValue: 0x8023)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802a)
    public static let responseOrigin = STUNAttributeType(rawValue: 0x802b)
    public static let otherAddress = STUNAttributeType(rawValue: 0x802c)

    /// Comprehension-optional (0x8000–0xFFFF): an agent that does not know it may ignore it.
    public var isComprehensionOptional: Bool { rawValue >= 0x8000 }

    /// The attributes RFC 3489 §11.2 defines, plus the two that RFC 3489-era servers commonly add (SERVER,
    /// pre-standard XOR-MAPPED-ADDRESS): the only ones a message without the magic cookie may carry here.
    static func isClassic(_ type: UInt16) -> Bool {
        (0x0001...0x000b).contains(type) || type == xorMappedAddressDraft.rawValue || type == software.rawValue
    }

    /// The types `STUNMessage.info()` decodes; every other type is kept only in `attributeTypes`.
    static let decoded: Set<UInt16> = [
        0x0001, 0x0006, 0x0008, 0x0009, 0x000c, 0x000d, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0019, 0x001c,
        0x0020, 0x0024, 0x0025, 0x8020, 0x8022, 0x8028, 0x8029, 0x802a,
    ]
}

extension STUNAttributeType: CustomStringConvertible {
    public var description: String { "0x" + String(rawValue, radix: 16) }
}
