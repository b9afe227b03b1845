/// A TLS alert (RFC 8446 §6, RFC 5246 §7.2): level and description, from a cleartext alert record's two bytes.
/// Once a direction is encrypted, alerts are opaque and only counted as records.
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     level     |  description  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct TLSAlert: Hashable, Sendable {
    public static let length = 2

    public var level: Level
    public var description: Description

    public init(level: Level, description: Description) {
        self.level = level
        self.description = description
    }

    /// Reads an alert record's fragment, which must be exactly two bytes.
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Self.length else { throw WireError(.tls, .truncated, at: 0) }
        guard bytes.count == Self.length else { throw WireError(.tls, .badLength, at: 0) }
        level = Level(rawValue: bytes.uint8(at: 0))
        description = Description(rawValue: bytes.uint8(at: 1))
    }

    /// Alert level. Open set.
    public struct Level: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let warning = Level(rawValue: 1)
        public static let fatal = Level(rawValue: 2)
    }

    /// Alert description (IANA "TLS Alerts"). Open set.
    public struct Description: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let closeNotify = Description(rawValue: 0)
        public static let unexpectedMessage = Description(rawValue: 10)
        public static let badRecordMAC = Description(rawValue: 20)
        public static let recordOverflow = Description(rawValue: 22)
        public static let handshakeFailure = Description(rawValue: 40)
        public static let badCertificate = Description(rawValue: 42)
        public static let certificateUnknown = Description(rawValue: 46)
        public static let illegalParameter = Description(rawValue: 47)
        public static let unknownCA = Description(rawValue: 48)
        public static let accessDenied = Description(rawValue: 49)
        public static let decodeError = Description(rawValue: 50)
        public static let decryptError = Description(rawValue: 51)
        public static let protocolVersion = Description(rawValue: 70)
        public static let insufficientSecurity = Description(rawValue: 71)
        public static let internalError = Description(rawValue: 80)
        public static let inappropriateFallback = Description(rawValue: 86)
        public static let userCanceled = Description(rawValue: 90)
        public static let missingExtension = Description(rawValue: 109)
        public static let unsupportedExtension = Description(rawValue: 110)
        public static let unrecognizedName = Description(rawValue: 112)
        public static let noApplicationProtocol = Description(rawValue: 120)
        public static let echRequired = Description(rawValue: 121)
    }
}
