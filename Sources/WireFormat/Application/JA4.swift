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

        var letter: UInt8 {
            switch self {
            case .tcp: UInt8(ascii: "t")
            case .quic: UInt8(ascii: "q")
            case .dtls: UInt8(ascii: "d")
            }
        }
    }

    public static func fingerprint(_ hello: ClientHelloInfo, transport: Transport) -> String {
        let lists = Lists(hello)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        lists.writePrefix(hello, transport: transport, to: &text)
        text.append(UInt8(ascii: "_"))
        if lists.ciphers.isEmpty {
            appendZeros(to: &text)
        } else {
            var hasher = SHA256()
            lists.writeCiphers(to: &hasher)
            Hex.appendFirst12Digits(of: hasher.finalizeWords(), to: &text)
        }
        text.append(UInt8(ascii: "_"))
        if lists.hashedExtensions.isEmpty {
            appendZeros(to: &text)
        } else {
            var hasher = SHA256()
            lists.writeExtensions(hello, to: &hasher)
            Hex.appendFirst12Digits(of: hasher.finalizeWords(), to: &text)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The unhashed form (FoxIO's `ja4_r`), for logs and for explaining a fingerprint.
    public static func rawFingerprint(_ hello: ClientHelloInfo, transport: Transport) -> String {
        let lists = Lists(hello)
        var text: [UInt8] = []
        lists.writePrefix(hello, transport: transport, to: &text)
        text.append(UInt8(ascii: "_"))
        lists.writeCiphers(to: &text)
        text.append(UInt8(ascii: "_"))
        // An empty extension list hashes to zeros whatever follows (technical details, "Extension hash").
        if !lists.hashedExtensions.isEmpty { lists.writeExtensions(hello, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The sorted lists of the three sections. The lists are written as ASCII straight into the hasher (`ja4`) or a
    /// buffer (`ja4_r`): no string per value and no intermediate list (JA4 runs once per ClientHello and was
    /// most of its allocations).
    struct Lists {
        /// Cipher suites without GREASE, sorted.
        var ciphers: [UInt16]
        /// Extensions without GREASE, SNI included.
        var extensionCount: Int
        /// Extensions without GREASE, server_name and ALPN, sorted.
        var hashedExtensions: [UInt16]

        init(_ hello: ClientHelloInfo) {
            ciphers = hello.cipherSuites.filter { !TLSGrease.isGrease($0) }
            ciphers.sort()
            extensionCount = 0
            hashedExtensions = []
            hashedExtensions.reserveCapacity(hello.extensionTypes.count)
            for type in hello.extensionTypes where !TLSGrease.isGrease(type) {
                extensionCount += 1
                if type != TLSExtensionType.serverName.rawValue
                    && type != TLSExtensionType.applicationLayerProtocolNegotiation.rawValue
                {
                    hashedExtensions.append(type)
                }
            }
            hashedExtensions.sort()
        }

        /// The "a" section: transport, version, SNI, the two counts, ALPN (10 characters).
        func writePrefix(_ hello: ClientHelloInfo, transport: Transport, to text: inout [UInt8]) {
            text.append(transport.letter)
            let version = JA4.version(hello)
            text.append(version.0)
            text.append(version.1)
            let hasServerName = hello.extensionTypes.contains(TLSExtensionType.serverName.rawValue)
            text.append(hasServerName ? UInt8(ascii: "d") : UInt8(ascii: "i"))
            JA4.appendTwoDigits(ciphers.count, to: &text)
            JA4.appendTwoDigits(extensionCount, to: &text)
            let alpn = JA4.alpnCharacters(hello.firstALPNBytes)
            text.append(alpn.0)
            text.append(alpn.1)
        }

        /// The sorted cipher suites, comma-joined.
        func writeCiphers(to sink: inout some ASCIISink) {
            Hex.appendWords(ciphers, to: &sink)
        }

        /// The sorted extensions, then "_" and the signature algorithms in wire order when there are any.
        func writeExtensions(_ hello: ClientHelloInfo, to sink: inout some ASCIISink) {
            Hex.appendWords(hashedExtensions, to: &sink)
            let signatureAlgorithms = hello.signatureAlgorithms.lazy.filter { !TLSGrease.isGrease($0) }
            if !signatureAlgorithms.isEmpty {
                sink.append(UInt8(ascii: "_"))
                Hex.appendWords(signatureAlgorithms, to: &sink)
            }
        }
    }

    private static func appendZeros(to text: inout [UInt8]) {
        for _ in 0..<12 { text.append(UInt8(ascii: "0")) }
    }

    static func twoDigits(_ count: Int) -> String {
        var text: [UInt8] = []
        appendTwoDigits(count, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `count` as two decimal digits, at most 99.
    static func appendTwoDigits(_ count: Int, to text: inout [UInt8]) {
        let value = min(count, 99)
        text.append(UInt8(ascii: "0") + UInt8(value / 10))
        text.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// The version's two characters.
    static func version(_ hello: ClientHelloInfo) -> (UInt8, UInt8) {
        switch hello.highestVersion {
        case 0x0304: (UInt8(ascii: "1"), UInt8(ascii: "3"))
        case 0x0303: (UInt8(ascii: "1"), UInt8(ascii: "2"))
        case 0x0302: (UInt8(ascii: "1"), UInt8(ascii: "1"))
        case 0x0301: (UInt8(ascii: "1"), UInt8(ascii: "0"))
        case 0x0300: (UInt8(ascii: "s"), UInt8(ascii: "3"))
        case 0x0002: (UInt8(ascii: "s"), UInt8(ascii: "2"))
        case 0xfeff: (UInt8(ascii: "d"), UInt8(ascii: "1"))
        case 0xfefd: (UInt8(ascii: "d"), UInt8(ascii: "2"))
        case 0xfefc: (UInt8(ascii: "d"), UInt8(ascii: "3"))
        default: (UInt8(ascii: "0"), UInt8(ascii: "0"))
        }
    }

    static func alpn(_ value: [UInt8]?) -> String {
        let characters = alpnCharacters(value)
        return String(decoding: [characters.0, characters.1], as: UTF8.self)
    }

    /// The ALPN section's two characters.
    static func alpnCharacters(_ value: [UInt8]?) -> (UInt8, UInt8) {
        guard let value, let first = value.first, let last = value.last else {
            return (UInt8(ascii: "0"), UInt8(ascii: "0"))
        }
        if isAlphanumeric(first) && isAlphanumeric(last) { return (first, last) }
        return (Hex.digitByte(first >> 4), Hex.digitByte(last & 0x0f))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
    }
}
