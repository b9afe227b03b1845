/// A ClientHello handshake message body (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2), after the 4-byte handshake header.
/// DTLS 1.0/1.2 add a cookie after the session ID (RFC 6347 §4.2.1); DTLS 1.3 keeps the field, empty
/// (`legacy_cookie`, RFC 9147 §5.3).
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        legacy_version         |  2
/// |        random (32 bytes)      | 32
/// | sid len |  legacy_session_id  |  1 + 0..32
/// | cookie len |  cookie (DTLS)   |  1 + 0..255   (DTLS only)
/// | cipher_suites len (2) | suites|  2 + 2n
/// | compr len | compression_methods  1 + n
/// | extensions len (2) | extensions  2 + ...       (absent in some pre-TLS 1.2 hellos)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// extension: type (2) | length (2) | extension_data (length)
/// ```
/// `init(validating:isDTLS:)` checks every vector length once, walks the extension list (at most
/// `maximumExtensions`) and requires the extensions to end exactly where the body ends. The contents of the
/// extensions are read on demand by `info()`: a malformed extension body is reported there, not thrown.
public struct ClientHello: ~Escapable {
    private enum Field {
        static let legacyVersion = 0
        static let random = 2
        static let randomLength = 32
        static let sessionIDLength = 34
        static let maximumSessionIDLength = 32
        static let maximumCookieLength = 255
    }

    /// Extensions walked before the hello is called malformed (browsers send about 20).
    public static let maximumExtensions = 256

    public let bytes: Span<UInt8>
    public let isDTLS: Bool
    public let sessionID: Range<Int>
    /// The DTLS cookie (empty for TLS).
    public let cookie: Range<Int>
    public let cipherSuiteBytes: Range<Int>
    public let compressionMethods: Range<Int>
    /// The extension list's content (empty when the hello has no extension block).
    public let extensionBytes: Range<Int>
    public let extensionCount: Int

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>, isDTLS: Bool = false) throws(WireError) {
        let layer: WireError.Layer = isDTLS ? .dtls : .tls
        var cursor = ByteCursor(bytes, layer: layer)
        try cursor.skip(Field.sessionIDLength)
        sessionID = try cursor.vector(bytes, lengthBytes: 1, maximum: Field.maximumSessionIDLength)
        if isDTLS {
            cookie = try cursor.vector(bytes, lengthBytes: 1, maximum: Field.maximumCookieLength)
        } else {
            cookie = 0..<0
        }
        cipherSuiteBytes = try cursor.uint16Vector(bytes, lengthBytes: 2)
        compressionMethods = try cursor.vector(bytes, lengthBytes: 1)
        if cursor.isAtEnd {
            extensionBytes = cursor.offset..<cursor.offset
        } else {
            extensionBytes = try cursor.vector(bytes, lengthBytes: 2)
            guard cursor.isAtEnd else { throw WireError(layer, .badLength, at: extensionBytes.lowerBound - 2) }
        }
        extensionCount = try Self.walkExtensions(bytes, in: extensionBytes, layer: layer)
        self.bytes = bytes
        self.isDTLS = isDTLS
    }

    /// Checks that each extension fits in the list; returns how many there are.
    static func walkExtensions(_ bytes: Span<UInt8>, in range: Range<Int>, layer: WireError.Layer) throws(WireError) -> Int {
        var cursor = ByteCursor(range: range, layer: layer)
        var count = 0
        while !cursor.isAtEnd {
            guard count < maximumExtensions else { throw WireError(layer, .tooManyHeaders, at: cursor.offset) }
            _ = try cursor.uint16(bytes)
            _ = try cursor.vector(bytes, lengthBytes: 2)
            count += 1
        }
        return count
    }

    public var legacyVersion: UInt16 { bytes.uint16(at: Field.legacyVersion) }
    public var sessionIDLength: Int { sessionID.count }
    public var cipherSuiteCount: Int { cipherSuiteBytes.count / 2 }
    public var compressionMethodCount: Int { compressionMethods.count }

    /// The summary: every list in wire order, GREASE included.
    public func info() -> ClientHelloInfo {
        var info = ClientHelloInfo(legacyVersion: legacyVersion, isDTLS: isDTLS)
        info.sessionIDLength = sessionID.count
        info.cookieLength = cookie.count
        info.cipherSuites = bytes.uint16Values(in: cipherSuiteBytes)
        info.compressionMethodCount = compressionMethods.count
        info.extensionTypes.reserveCapacity(extensionCount)
        var cursor = ByteCursor(range: extensionBytes, layer: isDTLS ? .dtls : .tls)
        while !cursor.isAtEnd {
            // The walk in init proved every extension header and length in bounds.
            guard let type = try? cursor.uint16(bytes), let data = try? cursor.vector(bytes, lengthBytes: 2) else { break }
            info.extensionTypes.append(type)
            do throws(WireError) {
                try Self.read(TLSExtensionType(rawValue: type), data, from: bytes, into: &info)
            } catch {
                info.malformedExtensionTypes.append(type)
            }
        }
        return info
    }

    /// Reads the content of the extensions the summary keeps (RFC 6066 §3, RFC 7301 §3.1, RFC 8446 §4.2).
    private static func read(
        _ type: TLSExtensionType, _ data: Range<Int>, from bytes: Span<UInt8>, into info: inout ClientHelloInfo
    ) throws(WireError) {
        var cursor = ByteCursor(range: data, layer: info.isDTLS ? .dtls : .tls)
        switch type {
        case .serverName:
            let list = try cursor.vector(bytes, lengthBytes: 2)
            var names = ByteCursor(range: list, layer: cursor.layer)
            while !names.isAtEnd {
                let nameType = try names.uint8(bytes)
                let name = try names.vector(bytes, lengthBytes: 2)
                if nameType == 0, info.serverName == nil {  // host_name
                    info.serverName = String(decoding: bytes.bytes(in: name), as: UTF8.self)
                }
            }
        case .applicationLayerProtocolNegotiation:
            let list = try cursor.vector(bytes, lengthBytes: 2)
            var protocols = ByteCursor(range: list, layer: cursor.layer)
            while !protocols.isAtEnd {
                let name = bytes.bytes(in: try protocols.vector(bytes, lengthBytes: 1))
                if info.alpn.isEmpty { info.firstALPNBytes = name }
                info.alpn.append(String(decoding: name, as: UTF8.self))
            }
        case .supportedVersions:
            info.supportedVersions = bytes.uint16Values(in: try cursor.uint16Vector(bytes, lengthBytes: 1))
        case .supportedGroups:
            info.supportedGroups = bytes.uint16Values(in: try cursor.uint16Vector(bytes, lengthBytes: 2))
        case .signatureAlgorithms:
            info.signatureAlgorithms = bytes.uint16Values(in: try cursor.uint16Vector(bytes, lengthBytes: 2))
        case .keyShare:
            let list = try cursor.vector(bytes, lengthBytes: 2)
            var shares = ByteCursor(range: list, layer: cursor.layer)
            while !shares.isAtEnd {
                info.keyShareGroups.append(try shares.uint16(bytes))
                _ = try shares.vector(bytes, lengthBytes: 2)
            }
        case .pskKeyExchangeModes:
            info.pskKeyExchangeModes = bytes.bytes(in: try cursor.vector(bytes, lengthBytes: 1))
        case .encryptedClientHello:
            info.hasEncryptedClientHello = true
            return
        case .padding:
            info.paddingLength = data.count
            return
        default:
            return
        }
        guard cursor.isAtEnd else { throw WireError(cursor.layer, .badLength, at: cursor.offset) }
    }
}
