/// A ServerHello handshake message body (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3; the same in DTLS, RFC 6347 §4.2.1),
/// after the 4-byte handshake header. A HelloRetryRequest is a ServerHello whose random is the special value of
/// §4.1.3 (SHA-256 of "HelloRetryRequest").
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        legacy_version         |  2
/// |        random (32 bytes)      | 32
/// | sid len | session_id_echo     |  1 + 0..32
/// |          cipher_suite         |  2
/// | compression_method |             1
/// | extensions len (2) | extensions  2 + ...   (absent in some pre-TLS 1.3 hellos)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct ServerHello: ~Escapable {
    private enum Field {
        static let legacyVersion = 0
        static let random = 2
        static let randomLength = 32
        static let sessionIDLength = 34
        static let maximumSessionIDLength = 32
    }

    /// RFC 8446 §4.1.3: the random of a HelloRetryRequest.
    static let helloRetryRequestRandom: [UInt8] = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    ]

    public let bytes: Span<UInt8>
    public let isDTLS: Bool
    public let sessionID: Range<Int>
    public let cipherSuiteOffset: Int
    public let extensionBytes: Range<Int>
    public let extensionCount: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, isDTLS: Bool = false) throws(WireError) {
        let layer: WireError.Layer = isDTLS ? .dtls : .tls
        var cursor = ByteCursor(bytes, layer: layer)
        try cursor.skip(Field.sessionIDLength)
        sessionID = try cursor.vector(bytes, lengthBytes: 1, maximum: Field.maximumSessionIDLength)
        cipherSuiteOffset = try cursor.skip(2).lowerBound
        try cursor.skip(1)
        if cursor.isAtEnd {
            extensionBytes = cursor.offset..<cursor.offset
        } else {
            extensionBytes = try cursor.vector(bytes, lengthBytes: 2)
            guard cursor.isAtEnd else { throw WireError(layer, .badLength, at: extensionBytes.lowerBound - 2) }
        }
        extensionCount = try ClientHello.walkExtensions(bytes, in: extensionBytes, layer: layer)
        self.bytes = bytes
        self.isDTLS = isDTLS
    }

    public var legacyVersion: UInt16 { bytes.uint16(at: Field.legacyVersion) }
    public var cipherSuite: UInt16 { bytes.uint16(at: cipherSuiteOffset) }
    public var compressionMethod: UInt8 { bytes.uint8(at: cipherSuiteOffset + 2) }
    public var isHelloRetryRequest: Bool {
        (0..<Field.randomLength).allSatisfy { bytes.uint8(at: Field.random + $0) == Self.helloRetryRequestRandom[$0] }
    }

    public func info() -> ServerHelloInfo {
        var info = ServerHelloInfo(
            legacyVersion: legacyVersion, cipherSuite: cipherSuite, compressionMethod: compressionMethod,
            isHelloRetryRequest: isHelloRetryRequest)
        var cursor = ByteCursor(range: extensionBytes, layer: isDTLS ? .dtls : .tls)
        while !cursor.isAtEnd {
            // The walk in init proved every extension header and length in bounds.
            guard let type = try? cursor.uint16(bytes), let data = try? cursor.vector(bytes, lengthBytes: 2) else { break }
            info.extensionTypes.append(type)
            // supported_versions in a ServerHello is the one selected version (RFC 8446 §4.2.1).
            if type == TLSExtensionType.supportedVersions.rawValue, data.count == 2 {
                info.selectedVersion = bytes.uint16(at: data.lowerBound)
            }
        }
        return info
    }
}

/// What Blockscope keeps of a ServerHello (or HelloRetryRequest).
public struct ServerHelloInfo: Hashable, Sendable {
    public init(
        legacyVersion: UInt16, selectedVersion: UInt16? = nil, cipherSuite: UInt16, compressionMethod: UInt8 = 0,
        isHelloRetryRequest: Bool = false, extensionTypes: [UInt16] = []
    ) {
        self.legacyVersion = legacyVersion
        self.selectedVersion = selectedVersion
        self.cipherSuite = cipherSuite
        self.compressionMethod = compressionMethod
        self.isHelloRetryRequest = isHelloRetryRequest
        self.extensionTypes = extensionTypes
    }

    public var legacyVersion: UInt16
    /// The supported_versions extension's value (TLS 1.3), when present.
    public var selectedVersion: UInt16?
    public var cipherSuite: UInt16
    public var compressionMethod: UInt8
    public var isHelloRetryRequest: Bool
    public var extensionTypes: [UInt16]

    /// The negotiated version: the selected version when present, else the legacy version.
    public var version: UInt16 { selectedVersion ?? legacyVersion }
}
