/// A TLS record content type (RFC 8446 §5.1, RFC 6520 for heartbeat; IANA "TLS ContentType"). An open set:
/// unknown values are kept and print as hex.
public struct TLSContentType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let changeCipherSpec = TLSContentType(rawValue: 20)
    public static let alert = TLSContentType(rawValue: 21)
    public static let handshake = TLSContentType(rawValue: 22)
    public static let applicationData = TLSContentType(rawValue: 23)
    public static let heartbeat = TLSContentType(rawValue: 24)
    /// DTLS 1.2 with connection ID (RFC 9146 §4).
    public static let tls12CID = TLSContentType(rawValue: 25)

    /// The types a TLS 1.0–1.3 record may carry (20–24).
    public var isKnownTLS: Bool { (20...24).contains(rawValue) }
}

extension TLSContentType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .changeCipherSpec: "change_cipher_spec"
        case .alert: "alert"
        case .handshake: "handshake"
        case .applicationData: "application_data"
        case .heartbeat: "heartbeat"
        case .tls12CID: "tls12_cid"
        default: "0x" + Hex.string([rawValue])
        }
    }
}

/// Records seen, by content type.
public struct TLSRecordCounts: Hashable, Sendable {
    public var changeCipherSpec = 0
    public var alert = 0
    public var handshake = 0
    public var applicationData = 0
    public var heartbeat = 0
    /// Any other content type (DTLS 1.2 `tls12_cid`, or a type no version defines).
    public var other = 0
    /// DTLS 1.3 records with the unified header (RFC 9147 §4): always encrypted, content type hidden.
    public var unifiedCiphertext = 0

    public init() {}

    public subscript(type: TLSContentType) -> Int {
        switch type {
        case .changeCipherSpec: changeCipherSpec
        case .alert: alert
        case .handshake: handshake
        case .applicationData: applicationData
        case .heartbeat: heartbeat
        default: other
        }
    }

    public var total: Int {
        changeCipherSpec + alert + handshake + applicationData + heartbeat + other + unifiedCiphertext
    }

    mutating func count(_ type: TLSContentType) {
        switch type {
        case .changeCipherSpec: changeCipherSpec += 1
        case .alert: alert += 1
        case .handshake: handshake += 1
        case .applicationData: applicationData += 1
        case .heartbeat: heartbeat += 1
        default: other += 1
        }
    }
}

/// What a content probe made of the first bytes of a payload.
public enum ContentProbe: Hashable, Sendable {
    /// The bytes are a plausible record header.
    case matches
    /// Some byte present already rules it out.
    case noMatch
    /// Every byte present fits, but there are too few to decide.
    case needMoreBytes
}

/// The TLS record header (RFC 8446 §5.1; the same five bytes in TLS 1.0–1.2, RFC 5246 §6.2.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ContentType  |  legacy_record_version (3,x)  |    length     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    length     |  fragment (length bytes) ...
/// +-+-+-+-+-+-+-+-+
/// ```
/// `init(validating:)` needs the five header bytes and checks the length against the largest record any version
/// allows (2^14 + 2048, TLSCiphertext in RFC 5246 §6.2.3; RFC 8446 allows 2^14 + 256). The fragment may still be
/// incomplete: `recordLength` says how many bytes the whole record needs.
public struct TLSRecordHeader: ~Escapable {
    private enum Field {
        static let contentType = 0
        static let version = 1
        static let length = 3
        static let headerLength = 5
    }

    public static let headerLength = Field.headerLength
    /// 2^14 + 2048: the largest record length of any TLS version.
    public static let maximumFragmentLength = 16384 + 2048

    public let bytes: Span<UInt8>

    @_lifetime(copy bytes)
    public init(validating bytes: Span<UInt8>) throws(WireError) {
        guard bytes.count >= Field.headerLength else { throw WireError(.tls, .truncated, at: 0) }
        guard Int(bytes.uint16(at: Field.length)) <= Self.maximumFragmentLength else {
            throw WireError(.tls, .badLength, at: Field.length)
        }
        self.bytes = bytes
    }

    public var contentType: TLSContentType { TLSContentType(rawValue: bytes.uint8(at: Field.contentType)) }
    public var legacyVersion: UInt16 { bytes.uint16(at: Field.version) }
    /// Length of the fragment that follows the header.
    public var length: Int { Int(bytes.uint16(at: Field.length)) }
    /// Header plus fragment.
    public var recordLength: Int { Field.headerLength + length }
    /// Whether the whole fragment is in the buffer.
    public var isComplete: Bool { bytes.count >= recordLength }

    /// Whether `bytes` begin like a TLS record: content type 20–24, version major 3 and minor 0–4, and a length
    /// of 1 to 2^14 + 2048. Looks at five bytes at most (fewer when an early byte already fails), so that TLS is
    /// recognised by content on any port. SSL 2.0-compatible ClientHellos (RFC 5246 Appendix E.2) are not TLS here.
    public static func looksLikeTLS(_ bytes: Span<UInt8>) -> Bool { probe(bytes) == .matches }

    /// The same test, telling "not TLS" apart from "too few bytes to say" (a stream's first segment may be tiny).
    public static func probe(_ bytes: Span<UInt8>) -> ContentProbe {
        let count = bytes.count
        guard count >= 1 else { return .needMoreBytes }
        guard TLSContentType(rawValue: bytes.uint8(at: Field.contentType)).isKnownTLS else { return .noMatch }
        guard count >= 2 else { return .needMoreBytes }
        guard bytes.uint8(at: Field.version) == 3 else { return .noMatch }
        guard count >= 3 else { return .needMoreBytes }
        guard bytes.uint8(at: Field.version + 1) <= 4 else { return .noMatch }
        guard count >= Field.headerLength else { return .needMoreBytes }
        let length = Int(bytes.uint16(at: Field.length))
        return length >= 1 && length <= maximumFragmentLength ? .matches : .noMatch
    }
}
