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

    @Test func derivingTwiceGivesTheSameKeys() {
        let first = InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID)
        let second = InitialSecrets(version: .v1, clientDestinationConnectionID: RFCVector.destinationConnectionID)
        #expect(first == second)
        #expect(first != InitialSecrets(version: .v1, clientDestinationConnectionID: [0x83]))
    }
}
