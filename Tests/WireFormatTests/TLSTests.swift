import Testing
@testable import WireFormat

/// Record header, ClientHello, ServerHello and alert views: the STYLE.md fixture matrix.
@Suite("TLS records and hellos")
struct TLSTests {
    static let illustratedInfo = ClientHelloInfo(
        legacyVersion: 0x0303, sessionIDLength: 32, cipherSuites: [0x1302, 0x1303, 0x1301, 0x00ff],
        compressionMethodCount: 1,
        extensionTypes: [0x0000, 0x000b, 0x000a, 0x0023, 0x0016, 0x0017, 0x000d, 0x002b, 0x002d, 0x0033],
        serverName: "example.ulfheim.net", supportedVersions: [0x0304],
        supportedGroups: [0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104],
        signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805,
                              0x0806, 0x0401, 0x0501, 0x0601],
        keyShareGroups: [0x001d], pskKeyExchangeModes: [0x01])

    /// The handshake body inside a one-record fixture (after the 5-byte record and 4-byte handshake headers).
    static func body(_ record: [UInt8]) -> [UInt8] { Array(record[9...]) }

    static func clientHelloInfo(_ body: [UInt8], isDTLS: Bool = false) throws(WireError) -> ClientHelloInfo {
        try ClientHello(validating: body.span, isDTLS: isDTLS).info()
    }

    // MARK: - Record header

    @Test func recordHeaderFields() throws {
        let record = TLSFixture.illustratedClientHello
        let header = try TLSRecordHeader(validating: record.span)
        let (type, version, length, complete) = (header.contentType, header.legacyVersion, header.length, header.isComplete)
        #expect(type == .handshake)
        #expect(version == 0x0301)
        #expect(length == 248)
        #expect(complete)
        let looksLikeTLS = TLSRecordHeader.looksLikeTLS(record.span)
        #expect(looksLikeTLS)
    }

    @Test(arguments: [
        ([0x16, 0x03, 0x01, 0x00, 0x05], true),
        ([0x17, 0x03, 0x03, 0x40, 0x00], true),
        ([0x14, 0x03, 0x03, 0x00, 0x01], true),
        ([0x19, 0x03, 0x03, 0x00, 0x05], false),  // type 25 is not TLS
        ([0x16, 0x02, 0x01, 0x00, 0x05], false),  // major 2
        ([0x16, 0x03, 0x05, 0x00, 0x05], false),  // minor 5
        ([0x16, 0x03, 0x01, 0x00, 0x00], false),  // empty record
        ([0x16, 0x03, 0x01, 0x48, 0x01], false),  // 2^14 + 2049
        (Array("GET / HTTP/1.1".utf8), false),
        ([0x16, 0x03], false),  // too short to say yes
    ] as [([UInt8], Bool)])
    func probe(_ bytes: [UInt8], _ expected: Bool) {
        let looksLikeTLS = TLSRecordHeader.looksLikeTLS(bytes.span)
        #expect(looksLikeTLS == expected)
    }

    @Test func probeTellsNeedMoreFromNoMatch() {
        let short: [UInt8] = [0x16, 0x03]
        let wrong: [UInt8] = [0x47]
        let empty: [UInt8] = []
        let results = (TLSRecordHeader.probe(short.span), TLSRecordHeader.probe(wrong.span), TLSRecordHeader.probe(empty.span))
        #expect(results.0 == .needMoreBytes)
        #expect(results.1 == .noMatch)
        #expect(results.2 == .needMoreBytes)
    }

    @Test func recordLengthTooLarge() {
        let bytes: [UInt8] = [0x17, 0x03, 0x03, 0x48, 0x01]
        #expect(throws: WireError(.tls, .badLength, at: 3)) { _ = try TLSRecordHeader(validating: bytes.span) }
    }

    // MARK: - ClientHello

    @Test func clientHelloFields() throws {
        let body = Self.body(TLSFixture.illustratedClientHello)
        let hello = try ClientHello(validating: body.span)
        let (version, session, suites, compression, extensions) =
            (hello.legacyVersion, hello.sessionIDLength, hello.cipherSuiteCount, hello.compressionMethodCount, hello.extensionCount)
        #expect(version == 0x0303)
        #expect(session == 32)
        #expect(suites == 4)
        #expect(compression == 1)
        #expect(extensions == 10)
    }

    @Test func clientHelloSummary() throws {
        let info = try Self.clientHelloInfo(Self.body(TLSFixture.illustratedClientHello))
        #expect(info == Self.illustratedInfo)
        #expect(!info.hasGrease)
        #expect(info.highestVersion == 0x0304)
    }

    @Test func decodingTwiceGivesTheSame() throws {
        let body = Self.body(TLSFixture.chromeClientHello)
        #expect(try Self.clientHelloInfo(body) == Self.clientHelloInfo(body))
    }

    @Test func chromeHelloKeepsGrease() throws {
        let info = try Self.clientHelloInfo(Self.body(TLSFixture.chromeClientHello))
        #expect(info.serverName == "clientservices.googleapis.com")
        #expect(info.alpn == ["h2", "http/1.1"])
        #expect(info.hasGrease)
        #expect(info.cipherSuites.first.map(TLSGrease.isGrease) == true)
        #expect(info.extensionTypes.first.map(TLSGrease.isGrease) == true)
        #expect(info.extensionTypes.count == 18)  // 16 + 2 GREASE
        #expect(info.paddingLength != nil)
        #expect(info.malformedExtensionTypes.isEmpty)
    }

    /// Where the illustrated ClientHello's compression methods end: a hello cut there is a valid hello without
    /// extensions (legal before TLS 1.2), so only the handshake header's length can tell it was cut.
    static let clientHelloEndOfCompression = 2 + 32 + 1 + 32 + 2 + 8 + 1 + 1

    @Test(arguments: Array(0..<(TLSFixture.illustratedClientHello.count - 9)))
    func clientHelloTruncated(_ length: Int) throws {
        let body = Array(Self.body(TLSFixture.illustratedClientHello)[0..<length])
        if length == Self.clientHelloEndOfCompression {
            let info = try Self.clientHelloInfo(body)
            #expect(info.extensionTypes.isEmpty && info.cipherSuites.count == 4)
            return
        }
        #expect {
            try ClientHello(validating: body.span).info()
        } throws: { error in
            guard let error = error as? WireError else { return false }
            // A cut inside the extension list makes its declared length overrun: truncated, or badLength when the
            // cut lands exactly where the list's length prefix says the hello ends early.
            return error.reason == .truncated || error.reason == .badLength
        }
    }

    @Test(arguments: Array(0..<(TLSFixture.illustratedClientHello.count - 9)))
    func clientHelloTruncatedBeforeExtensionsIsTruncated(_ length: Int) {
        // Up to the end of the compression methods, every cut is "need more": truncated, never anything else.
        guard length < Self.clientHelloEndOfCompression else { return }
        let body = Array(Self.body(TLSFixture.illustratedClientHello)[0..<length])
        #expect(throws: WireError.self) { _ = try ClientHello(validating: body.span) }
        do {
            _ = try ClientHello(validating: body.span)
        } catch {
            #expect(error.reason == .truncated, "cut at \(length): \(error)")
        }
    }

    @Test func impossibleLengths() {
        var body = Self.body(TLSFixture.illustratedClientHello)
        body[34] = 33  // session ID longer than 32
        #expect(throws: WireError(.tls, .badLength, at: 34)) { _ = try ClientHello(validating: body.span) }
        body = Self.body(TLSFixture.illustratedClientHello)
        body[68] = 0x07  // cipher suites length odd
        #expect(throws: WireError(.tls, .badLength, at: 67)) { _ = try ClientHello(validating: body.span) }
        body = Self.body(TLSFixture.illustratedClientHello)
        body.append(0)  // byte after the extension list
        #expect(throws: WireError.self) { _ = try ClientHello(validating: body.span) }
        body = Self.body(TLSFixture.illustratedClientHello)
        body[80] = 0xff  // extension list length past the body
        #expect(throws: WireError(.tls, .truncated, at: 79)) { _ = try ClientHello(validating: body.span) }
    }

    @Test func tooManyExtensions() {
        var body: [UInt8] = [0x03, 0x03] + Array(repeating: 0, count: 32) + [0, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]
        let extensions = Array(repeating: [UInt8]([0xaa, 0xaa, 0x00, 0x00]), count: 257).flatMap { $0 }
        body += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xff)] + extensions
        #expect(throws: WireError(.tls, .tooManyHeaders, at: 43 + 256 * 4)) { _ = try ClientHello(validating: body.span) }
    }

    @Test func noExtensionBlock() throws {
        let body: [UInt8] = [0x03, 0x01] + Array(repeating: 0, count: 32) + [0, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00]
        let info = try Self.clientHelloInfo(body)
        #expect(info == ClientHelloInfo(legacyVersion: 0x0301, cipherSuites: [0x002f], compressionMethodCount: 1))
        #expect(info.highestVersion == 0x0301)
    }

    /// Unknown extensions and values are kept; a bad SNI body is reported, invalid UTF-8 replaced.
    @Test func unknownAndOddValues() throws {
        let sni: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00, 0x00, 0x03, 0x61, 0xff, 0x62]  // "a\xffb"
        let unknown: [UInt8] = [0x12, 0x34, 0x00, 0x01, 0x99]
        let badALPN: [UInt8] = [0x00, 0x10, 0x00, 0x03, 0x00, 0x05, 0x02]  // list length past the extension
        let extensions = sni + unknown + badALPN
        let body: [UInt8] = [0x03, 0x03] + Array(repeating: 0, count: 32) + [0, 0x00, 0x04, 0x7a, 0x7a, 0xab, 0xcd, 0x01, 0x00]
            + [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xff)] + extensions
        let info = try Self.clientHelloInfo(body)
        #expect(info.cipherSuites == [0x7a7a, 0xabcd])
        #expect(info.extensionTypes == [0x0000, 0x1234, 0x0010])
        #expect(info.serverName == "a\u{FFFD}b")
        #expect(info.malformedExtensionTypes == [0x0010])
        #expect(info.alpn.isEmpty)
    }

    @Test func grease() {
        for high in 0..<16 {
            let value = UInt16(high << 12 | 0x0a00 | high << 4 | 0x0a)
            #expect(TLSGrease.isGrease(value))
        }
        #expect(!TLSGrease.isGrease(0x0a1a))
        #expect(!TLSGrease.isGrease(0x1301))
        #expect([UInt8](0...255).filter { TLSGrease.isGrease(pskKeyExchangeMode: $0) }
            == [0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4])
    }

    // MARK: - ServerHello, alert

    @Test func serverHello() throws {
        let body = Self.body(TLSFixture.illustratedServerHello)
        let hello = try ServerHello(validating: body.span)
        let (suite, retry, count) = (hello.cipherSuite, hello.isHelloRetryRequest, hello.extensionCount)
        #expect(suite == 0x1302)
        #expect(!retry)
        #expect(count == 2)
        #expect(hello.info() == ServerHelloInfo(
            legacyVersion: 0x0303, selectedVersion: 0x0304, cipherSuite: 0x1302, extensionTypes: [0x002b, 0x0033]))
    }

    @Test func helloRetryRequest() throws {
        var body = Self.body(TLSFixture.illustratedServerHello)
        body.replaceSubrange(2..<34, with: ServerHello.helloRetryRequestRandom)
        let info = try ServerHello(validating: body.span).info()
        #expect(info.isHelloRetryRequest)
        #expect(info.version == 0x0304)
    }

    @Test(arguments: Array(0..<(TLSFixture.illustratedServerHello.count - 9)))
    func serverHelloTruncated(_ length: Int) {
        let body = Array(Self.body(TLSFixture.illustratedServerHello)[0..<length])
        guard length != 2 + 32 + 1 + 32 + 2 + 1 else { return }  // a valid ServerHello without extensions
        #expect(throws: WireError.self) { _ = try ServerHello(validating: body.span) }
    }

    @Test func alert() throws {
        let bytes: [UInt8] = [0x02, 0x28]
        let alert = try TLSAlert(validating: bytes.span)
        #expect(alert == TLSAlert(level: .fatal, description: .handshakeFailure))
        let unknown: [UInt8] = [0x07, 0xee]
        let decoded = try TLSAlert(validating: unknown.span)
        #expect(decoded == TLSAlert(level: .init(rawValue: 7), description: .init(rawValue: 0xee)))
        let short: [UInt8] = [0x02]
        #expect(throws: WireError(.tls, .truncated, at: 0)) { _ = try TLSAlert(validating: short.span) }
    }
}
