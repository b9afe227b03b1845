/// What Blockscope keeps of a ClientHello: every list in wire order with GREASE values kept (`TLSGrease` tells
/// them apart). Strings from the wire (SNI, ALPN) are decoded as UTF-8 with invalid sequences replaced.
public struct ClientHelloInfo: Hashable, Sendable {
    public init(
        legacyVersion: UInt16, isDTLS: Bool = false, sessionIDLength: Int = 0, cookieLength: Int = 0,
        cipherSuites: [UInt16] = [], compressionMethodCount: Int = 0, extensionTypes: [UInt16] = [],
        serverName: String? = nil, alpn: [String] = [], firstALPNBytes: [UInt8]? = nil,
        supportedVersions: [UInt16] = [], supportedGroups: [UInt16] = [], signatureAlgorithms: [UInt16] = [],
        keyShareGroups: [UInt16] = [], pskKeyExchangeModes: [UInt8] = [], hasEncryptedClientHello: Bool = false,
        paddingLength: Int? = nil, malformedExtensionTypes: [UInt16] = []
    ) {
        self.legacyVersion = legacyVersion
        self.isDTLS = isDTLS
        self.sessionIDLength = sessionIDLength
        self.cookieLength = cookieLength
        self.cipherSuites = cipherSuites
        self.compressionMethodCount = compressionMethodCount
        self.extensionTypes = extensionTypes
        self.serverName = serverName
        self.alpn = alpn
        self.firstALPNBytes = firstALPNBytes
        self.supportedVersions = supportedVersions
        self.supportedGroups = supportedGroups
        self.signatureAlgorithms = signatureAlgorithms
        self.keyShareGroups = keyShareGroups
        self.pskKeyExchangeModes = pskKeyExchangeModes
        self.hasEncryptedClientHello = hasEncryptedClientHello
        self.paddingLength = paddingLength
        self.malformedExtensionTypes = malformedExtensionTypes
    }

    public var legacyVersion: UInt16
    public var isDTLS: Bool
    public var sessionIDLength: Int
    /// DTLS cookie length (0 for TLS).
    public var cookieLength: Int
    public var cipherSuites: [UInt16]
    public var compressionMethodCount: Int
    /// Extension types in wire order.
    public var extensionTypes: [UInt16]
    /// The first `host_name` of server_name (RFC 6066 §3).
    public var serverName: String?
    /// ALPN protocol names in order (RFC 7301).
    public var alpn: [String]
    /// The first ALPN protocol name as sent (JA4 looks at its raw first and last bytes).
    public var firstALPNBytes: [UInt8]?
    /// supported_versions (RFC 8446 §4.2.1).
    public var supportedVersions: [UInt16]
    public var supportedGroups: [UInt16]
    public var signatureAlgorithms: [UInt16]
    /// The groups of the key_share entries (RFC 8446 §4.2.8), in order.
    public var keyShareGroups: [UInt16]
    public var pskKeyExchangeModes: [UInt8]
    /// An encrypted_client_hello extension (0xfe0d) is present: the real SNI is hidden.
    public var hasEncryptedClientHello: Bool
    /// The padding extension's length (RFC 7685), when present.
    public var paddingLength: Int?
    /// Extensions whose content did not parse (their type is still in `extensionTypes`).
    public var malformedExtensionTypes: [UInt16]

    /// Whether any 16-bit list (cipher suites, extensions, versions, groups, signature algorithms, key shares)
    /// or the PSK modes hold a GREASE value (RFC 8701).
    public var hasGrease: Bool {
        greaseValues.isEmpty == false || pskKeyExchangeModes.contains { TLSGrease.isGrease(pskKeyExchangeMode: $0) }
    }

    /// The GREASE values of the 16-bit lists, in the order above.
    public var greaseValues: [UInt16] {
        (cipherSuites + extensionTypes + supportedVersions + supportedGroups + signatureAlgorithms + keyShareGroups)
            .filter(TLSGrease.isGrease)
    }

    /// The newest version offered: the newest non-GREASE supported_versions entry, else the legacy version.
    /// DTLS versions count down (0xfeff is 1.0, 0xfefc is 1.3), so "newest" is not always the largest number.
    public var highestVersion: UInt16 {
        let offered = supportedVersions.filter { !TLSGrease.isGrease($0) }
        guard let newest = offered.max(by: { Self.versionRank($0) < Self.versionRank($1) }) else { return legacyVersion }
        return newest
    }

    /// Orders TLS (0x03xx) and DTLS (0xfexx) versions by age.
    static func versionRank(_ version: UInt16) -> Int {
        version >> 8 == 0xfe ? 0x1_0000 + Int(0xff - (version & 0xff)) : Int(version)
    }
}
