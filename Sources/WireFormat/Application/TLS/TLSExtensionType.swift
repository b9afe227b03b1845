/// A TLS extension type (IANA "TLS ExtensionType Values"; RFC 8446 §4.2). An open set: GREASE and unknown values
/// are kept as they are.
public struct TLSExtensionType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let serverName = TLSExtensionType(rawValue: 0x0000)
    public static let supportedGroups = TLSExtensionType(rawValue: 0x000a)
    public static let ecPointFormats = TLSExtensionType(rawValue: 0x000b)
    public static let signatureAlgorithms = TLSExtensionType(rawValue: 0x000d)
    public static let applicationLayerProtocolNegotiation = TLSExtensionType(rawValue: 0x0010)
    public static let padding = TLSExtensionType(rawValue: 0x0015)
    public static let extendedMasterSecret = TLSExtensionType(rawValue: 0x0017)
    public static let sessionTicket = TLSExtensionType(rawValue: 0x0023)
    public static let preSharedKey = TLSExtensionType(rawValue: 0x0029)
    public static let earlyData = TLSExtensionType(rawValue: 0x002a)
    public static let supportedVersions = TLSExtensionType(rawValue: 0x002b)
    public static let cookie = TLSExtensionType(rawValue: 0x002c)
    public static let pskKeyExchangeModes = TLSExtensionType(rawValue: 0x002d)
    public static let keyShare = TLSExtensionType(rawValue: 0x0033)
    public static let quicTransportParameters = TLSExtensionType(rawValue: 0x0039)
    /// draft-ietf-tls-esni (ECH), the code point browsers send.
    public static let encryptedClientHello = TLSExtensionType(rawValue: 0xfe0d)
    public static let renegotiationInfo = TLSExtensionType(rawValue: 0xff01)
}

/// GREASE values (RFC 8701 §2): 0x0a0a, 0x1a1a, … 0xfafa for 16-bit code points (cipher suites, extensions,
/// groups, signature algorithms, versions) and 0x0B, 0x2A, … 0xE4 (every 0x1F from 0x0B) for the 8-bit PSK key
/// exchange modes. They are kept in every list; this tells them apart.
public enum TLSGrease {
    /// Whether a 16-bit code point is a GREASE value (both bytes equal, low nibble 0xa).
    public static func isGrease(_ value: UInt16) -> Bool {
        value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
    }

    /// Whether an 8-bit PSK key exchange mode is a GREASE value (RFC 8701 §2: 0x0B, 0x2A, 0x49, … 0xE4).
    public static func isGrease(pskKeyExchangeMode value: UInt8) -> Bool {
        value % 0x1f == 0x0b
    }
}
