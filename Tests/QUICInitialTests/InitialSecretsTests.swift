import Crypto
import QUICInitial
import Testing
import WireFormat

@Suite("QUIC Initial secrets")
struct InitialSecretsTests {
    @Test func version1KeysMatchRFC9001AppendixA1() throws {
        let secrets = try #require(InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID))
        #expect(secrets.initialSecret == RFCVector.Version1Keys.initialSecret)
        #expect(secrets.client.secret == RFCVector.Version1Keys.clientSecret)
        #expect(secrets.client.key == RFCVector.Version1Keys.clientKey)
        #expect(secrets.client.iv == RFCVector.Version1Keys.clientIV)
        #expect(secrets.client.hp == RFCVector.Version1Keys.clientHP)
        #expect(secrets.server.secret == RFCVector.Version1Keys.serverSecret)
        #expect(secrets.server.key == RFCVector.Version1Keys.serverKey)
        #expect(secrets.server.iv == RFCVector.Version1Keys.serverIV)
        #expect(secrets.server.hp == RFCVector.Version1Keys.serverHP)
    }

    @Test func version2KeysMatchRFC9369AppendixA1() throws {
        let secrets = try #require(InitialSecrets(version: .v2, clientDestinationConnectionID: RFCVector.destinationConnectionID))
        #expect(secrets.client.key == RFCVector.Version2Keys.clientKey)
        #expect(secrets.client.iv == RFCVector.Version2Keys.clientIV)
        #expect(secrets.client.hp == RFCVector.Version2Keys.clientHP)
        #expect(secrets.server.key == RFCVector.Version2Keys.serverKey)
        #expect(secrets.server.iv == RFCVector.Version2Keys.serverIV)
        #expect(secrets.server.hp == RFCVector.Version2Keys.serverHP)
    }

    /// Drafts 33–34 share version 1's salt; 29–32 share draft 29's; 23–28 and mvfst-27 share draft 23's.
    @Test(arguments: [
        (QUICVersion.draft33, QUICVersion.v1), (.draft34, .v1), (.draft30, .draft29), (.draft32, .draft29),
        (QUICVersion(rawValue: 0xff00_001b), QUICVersion(rawValue: 0xff00_0017)), (.mvfst27, QUICVersion(rawValue: 0xff00_0017)),
        (.mvfst22, QUICVersion(rawValue: 0xff00_0016)),
    ])
    func saltsShared(_ version: QUICVersion, _ sameAs: QUICVersion) throws {
        let salt = try #require(InitialSecrets.salt(for: version))
        #expect(salt == InitialSecrets.salt(for: sameAs))
        #expect(salt.count == 20)
    }

    @Test func draftSaltsDiffer() throws {
        let all = try [QUICVersion.v1, .v2, .draft29, QUICVersion(rawValue: 0xff00_001c), .mvfst22].map { version in
            try #require(InitialSecrets.salt(for: version))
        }
        #expect(Set(all).count == all.count)
    }

    @Test(arguments: [QUICVersion.negotiation, QUICVersion(rawValue: 0x1a2a_3a4a), QUICVersion(rawValue: 0x5130_3530),
                      QUICVersion(rawValue: 0xff00_0015), QUICVersion(rawValue: 0x0000_0002)])
    func unknownSaltsGiveNoKeys(_ version: QUICVersion) {
        #expect(InitialSecrets.salt(for: version) == nil)
        #expect(InitialSecrets(version: version, clientDestinationConnectionID: RFCVector.destinationConnectionID) == nil)
        #expect(throws: InitialDecryptionError.unsupportedVersion(version)) {
            try InitialDecryptor(version: version, originalDestinationConnectionID: [1, 2, 3, 4])
        }
    }

    /// The client keys derived alone, and the server's derived on demand, equal an independent derivation with
    /// swift-crypto's own HKDF (Extract, then multi-block Expand with TLS 1.3's HkdfLabel), for every salt and DCIDs
    /// of 0, 8 and 20 bytes.
    @Test(arguments: [QUICVersion.v1, .v2, .draft29, QUICVersion(rawValue: 0xff00_0017), .mvfst22])
    func derivationMatchesSwiftCryptoHKDF(_ version: QUICVersion) throws {
        let labels = version == .v2 ? ("quicv2 key", "quicv2 iv", "quicv2 hp") : ("quic key", "quic iv", "quic hp")
        for destination in [[], RFCVector.destinationConnectionID, (0..<20).map { UInt8($0 &* 13) }] as [[UInt8]] {
            let secrets = try #require(InitialSecrets(version: version, clientDestinationConnectionID: destination))
            let salt = try #require(InitialSecrets.salt(for: version))
            let initial = Array(HKDF<Crypto.SHA256>.extract(inputKeyMaterial: SymmetricKey(data: destination), salt: salt))
            #expect(secrets.initialSecret == initial)
            for (keys, label) in [(secrets.client, "client in"), (secrets.server, "server in")] {
                let secret = Self.expandLabel(initial, label, 32)
                #expect(keys.secret == secret)
                #expect(keys.key == Self.expandLabel(secret, labels.0, 16))
                #expect(keys.iv == Self.expandLabel(secret, labels.1, 12))
                #expect(keys.hp == Self.expandLabel(secret, labels.2, 16))
            }
        }
    }

    /// The server's keys are derived on demand: the same each time, and what `keys(for: .server)` gives.
    @Test func serverKeysOnDemand() throws {
        let secrets = try #require(InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID))
        #expect(secrets.server == secrets.server)
        #expect(secrets.keys(for: .server) == secrets.server)
        #expect(secrets.keys(for: .client) == secrets.client)
        #expect(secrets.server != secrets.client)
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, through swift-crypto's HKDF.
    static func expandLabel(_ secret: [UInt8], _ label: String, _ length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 ".utf8) + Array(label.utf8)
        let info = [UInt8(length >> 8), UInt8(length & 0xff), UInt8(fullLabel.count)] + fullLabel + [0]
        let key = HKDF<Crypto.SHA256>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
        return key.withUnsafeBytes { Array($0) }
    }

    @Test func derivingTwiceGivesTheSameKeys() {
        let first = InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID)
        let second = InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID)
        #expect(first == second)
        #expect(first != InitialSecrets(version: .v1, clientDestinationConnectionID: [0x83]))
    }
}
