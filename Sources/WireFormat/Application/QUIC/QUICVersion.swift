/// A QUIC version number (RFC 8999 §5.1, RFC 9000 §15): the 32 bits after the first byte of every long header.
///
/// An open set: any value is kept and printed (as hex when it has no name). Blockscope knows the long-header
/// layout after the connection IDs (RFC 9000 §17.2) for version 1, version 2 (RFC 9369), the IETF drafts 22–34
/// (`0xff0000xx`, same layout since draft 22) and Facebook's mvfst versions based on those drafts; for any other
/// version only the invariant fields (RFC 8999 §5.1: version, connection IDs) are read.
///
/// Reserved versions `0x?a?a?a?a` (RFC 9000 §15) are GREASE: a client may send them to exercise version
/// negotiation; a server answers with Version Negotiation (version 0).
public struct QUICVersion: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Version Negotiation packets carry version 0 (RFC 9000 §17.2.1).
    public static let negotiation = QUICVersion(rawValue: 0)
    /// QUIC version 1 (RFC 9000).
    public static let v1 = QUICVersion(rawValue: 0x0000_0001)
    /// QUIC version 2 (RFC 9369 §3.1).
    public static let v2 = QUICVersion(rawValue: 0x6b33_43cf)
    public static let draft29 = QUICVersion(rawValue: 0xff00_001d)
    public static let draft30 = QUICVersion(rawValue: 0xff00_001e)
    public static let draft31 = QUICVersion(rawValue: 0xff00_001f)
    public static let draft32 = QUICVersion(rawValue: 0xff00_0020)
    public static let draft33 = QUICVersion(rawValue: 0xff00_0021)
    public static let draft34 = QUICVersion(rawValue: 0xff00_0022)
    /// Facebook mvfst, based on draft 22.
    public static let mvfst22 = QUICVersion(rawValue: 0xface_b001)
    /// Facebook mvfst, based on draft 27.
    public static let mvfst27 = QUICVersion(rawValue: 0xface_b002)
    /// Facebook mvfst experimental (draft 27 layout).
    public static let mvfstExperimental = QUICVersion(rawValue: 0xface_b00e)

    /// The IETF draft number of a `0xff0000xx` version, nil for others.
    public var draftNumber: Int? { rawValue >> 8 == 0xff_0000 ? Int(rawValue & 0xff) : nil }

    /// The draft whose long-header layout this version uses: 34 for versions 1 and 2 (version 2 differs only by
    /// `usesVersion2PacketTypes` and its keys), the draft number for drafts, 22 or 27 for mvfst; nil otherwise.
    public var basedOnDraft: Int? {
        switch self {
        case .v1, .v2: return 34
        case .mvfst22: return 22
        case .mvfst27, .mvfstExperimental: return 27
        default: return draftNumber
        }
    }

    /// Reserved for forcing version negotiation (RFC 9000 §15): every byte's low nibble is 0xa.
    public var isReserved: Bool { rawValue & 0x0f0f_0f0f == 0x0a0a_0a0a }

    /// Versions whose long header after the connection IDs Blockscope can read (RFC 9000 §17.2 layout):
    /// version 1, version 2, IETF drafts 22 and later, mvfst.
    public var hasKnownLayout: Bool {
        guard let draft = basedOnDraft else { return false }
        return draft >= 22
    }

    /// RFC 9369 §3.2: version 2 rotates the long-header packet type codes.
    public var usesVersion2PacketTypes: Bool { self == .v2 }

    /// Version 1 and later limit connection IDs to 20 bytes (RFC 9000 §17.2); the invariants allow 255.
    public var maximumConnectionIDLength: Int { hasKnownLayout ? 20 : 255 }

    /// Versions worth a flow's attention when probing a datagram: known layouts, GREASE, Google's `Q0xx`/`T0xx`
    /// versions that use the invariant long header, and version negotiation.
    public var isPlausible: Bool {
        if self == .negotiation || isReserved || hasKnownLayout { return true }
        let tag = rawValue >> 16
        // "Q0" or "T0": Google QUIC versions 046 and later use the invariant long header.
        if tag == 0x5130 || tag == 0x5430 { return true }
        // Other mvfst versions (0xfaceb0xx).
        return rawValue >> 8 == 0xfa_ceb0
    }

    /// `v1`, `v2`, `draft-29`, `mvfst-27`, `negotiation`, `grease-0x1a2a3a4a`, `Q050`/`T051`, or hex.
    public var name: String {
        switch self {
        case .negotiation: return "negotiation"
        case .v1: return "v1"
        case .v2: return "v2"
        case .mvfst22: return "mvfst-22"
        case .mvfst27: return "mvfst-27"
        case .mvfstExperimental: return "mvfst-exp"
        default: break
        }
        if let draft = draftNumber { return draft < 10 ? "draft-0\(draft)" : "draft-\(draft)" }
        if isReserved { return "grease-\(hex)" }
        let tag = rawValue >> 16
        if tag == 0x5130 || tag == 0x5430 {
            // Four ASCII characters, such as "Q050" or "T051".
            let scalars = [rawValue >> 24, rawValue >> 16, rawValue >> 8, rawValue].map { UInt8(truncatingIfNeeded: $0) }
            if scalars.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
                return String(decoding: scalars, as: UTF8.self)
            }
        }
        return hex
    }

    /// `0x00000001`, as tshark prints `quic.version`.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

extension QUICVersion: CustomStringConvertible {
    public var description: String { name }
}
