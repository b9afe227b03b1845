/// JA4 TLS client fingerprint (FoxIO, BSD 3-Clause; `technical_details/JA4.md` of FoxIO-LLC/ja4):
///
/// ```
/// t13d1516h2_8daaf6152771_e5627efa2ab1
/// │ │ │ │ │ │  │            └ sha256(sorted extensions without SNI/ALPN "_" signature algorithms)[0..<12]
/// │ │ │ │ │ │  └ sha256(sorted cipher suites)[0..<12]
/// │ │ │ │ │ └ first and last character of the first ALPN value ("00" when none)
/// │ │ │ │ └ extension count (2 digits, at most 99)
/// │ │ │ └ cipher suite count (2 digits, at most 99)
/// │ │ └ "d" when the server_name extension is present, else "i"
/// │ └ version: newest supported_versions entry, else the hello's legacy version (13, 12, 11, 10, s3, s2, d1,
/// │   d2, d3; "00" when unknown)
/// └ "t" TLS over TCP, "q" QUIC, "d" DTLS
/// ```
/// GREASE values (RFC 8701) are ignored everywhere: counts, lists, versions and signature algorithms. Lists are
/// 4-digit lower-case hex, comma-joined; an empty cipher or extension list hashes to "000000000000"; with no
/// signature algorithms the extension string ends without "_". When the first or last byte of the first ALPN
/// value is not alphanumeric, the first and last hex digits of the whole value are used instead.
///
/// One choice the specification leaves open: for DTLS 1.3 clients, whose supported_versions hold 0xfefc (1.3)
/// and 0xfefd (1.2), the newest version ("d3") is taken, not the numerically largest.
public enum JA4 {
    public enum Transport: Hashable, Sendable {
        case tcp, quic, dtls

        var prefix: String {
            switch self {
            case .tcp: "t"
            case .quic: "q"
            case .dtls: "d"
            }
        }
    }

    public static func fingerprint(_ hello: ClientHelloInfo, transport: Transport) -> String {
        let parts = Parts(hello, transport: transport)
        return parts.prefix + "_" + hash12(parts.cipherList) + "_" + hash12(parts.extensionList)
    }

    /// The unhashed form (FoxIO's `ja4_r`), for logs and for explaining a fingerprint.
    public static func rawFingerprint(_ hello: ClientHelloInfo, transport: Transport) -> String {
        let parts = Parts(hello, transport: transport)
        return parts.prefix + "_" + parts.ciphers + "_" + parts.extensions
    }

    /// The "a" section and the two unhashed lists. The lists are built as ASCII bytes (one buffer each, not a
    /// string per value: JA4 ran once per ClientHello and was most of its allocations).
    struct Parts {
        var prefix: String
        var cipherList: [UInt8]
        var extensionList: [UInt8]
        var ciphers: String { String(decoding: cipherList, as: UTF8.self) }
        var extensions: String { String(decoding: extensionList, as: UTF8.self) }

        init(_ hello: ClientHelloInfo, transport: Transport) {
            let ciphers = hello.cipherSuites.filter { !TLSGrease.isGrease($0) }
            let extensions = hello.extensionTypes.filter { !TLSGrease.isGrease($0) }
            let signatureAlgorithms = hello.signatureAlgorithms.filter { !TLSGrease.isGrease($0) }
            let serverName = extensions.contains(TLSExtensionType.serverName.rawValue) ? "d" : "i"
            prefix = transport.prefix + JA4.version(hello) + serverName + JA4.twoDigits(ciphers.count)
                + JA4.twoDigits(extensions.count) + JA4.alpn(hello.firstALPNBytes)
            cipherList = []
            Hex.appendWords(ciphers.sorted(), to: &cipherList)
            let hashed = extensions.filter {
                $0 != TLSExtensionType.serverName.rawValue
                    && $0 != TLSExtensionType.applicationLayerProtocolNegotiation.rawValue
            }
            var list: [UInt8] = []
            Hex.appendWords(hashed.sorted(), to: &list)
            if !signatureAlgorithms.isEmpty {
                list.append(UInt8(ascii: "_"))
                Hex.appendWords(signatureAlgorithms, to: &list)
            }
            // An empty extension list hashes to zeros whatever follows (technical details, "Extension hash").
            extensionList = hashed.isEmpty ? [] : list
        }
    }

    static func hash12(_ list: [UInt8]) -> String {
        guard !list.isEmpty else { return "000000000000" }
        return String(SHA256.hexDigest(list).prefix(12))
    }

    static func twoDigits(_ count: Int) -> String {
        let value = min(count, 99)
        return value < 10 ? "0\(value)" : "\(value)"
    }

    static func version(_ hello: ClientHelloInfo) -> String {
        switch hello.highestVersion {
        case 0x0304: "13"
        case 0x0303: "12"
        case 0x0302: "11"
        case 0x0301: "10"
        case 0x0300: "s3"
        case 0x0002: "s2"
        case 0xfeff: "d1"
        case 0xfefd: "d2"
        case 0xfefc: "d3"
        default: "00"
        }
    }

    static func alpn(_ value: [UInt8]?) -> String {
        guard let value, let first = value.first, let last = value.last else { return "00" }
        if isAlphanumeric(first) && isAlphanumeric(last) {
            return String(decoding: [first, last], as: UTF8.self)
        }
        return String([Hex.digit(first >> 4), Hex.digit(last & 0x0f)])
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
    }
}
