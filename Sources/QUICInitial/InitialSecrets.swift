import Crypto
import WireFormat

/// Initial packet protection keys (RFC 9001 §5.2; RFC 9369 §3.3 for version 2).
///
/// ```
/// initial_secret        = HKDF-Extract(initial_salt, client_dst_connection_id)
/// client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
/// server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32)
/// key = HKDF-Expand-Label(secret, "quic key", "", 16)     -- "quicv2 key" for version 2
/// iv  = HKDF-Expand-Label(secret, "quic iv", "", 12)      -- "quicv2 iv"
/// hp  = HKDF-Expand-Label(secret, "quic hp", "", 16)      -- "quicv2 hp"
/// ```
/// HKDF-Expand-Label is TLS 1.3's (RFC 8446 §7.1): `info` = output length (16 bits), the label prefixed with
/// "tls13 " (8-bit length), an empty context (8-bit length 0). Every output here is at most one SHA-256 block
/// (32 bytes), so HKDF-Expand is the single block T(1) = HMAC(PRK, info | 0x01) (RFC 5869 §2.3). The HMACs are
/// `HMACSHA256Key`s over swift-crypto's SHA-256 with each key's padded blocks hashed once (the salts' once per
/// process), and every `info` is a constant: one flow's client keys cost 14 SHA-256 blocks, not 36.
///
/// Only the client's keys are derived up front (Blockscope decrypts the client's Initials); `server` derives the
/// server's from `initialSecret` each time it is read.
///
/// Salts: version 1 and drafts 33–34 `38762cf7…` (RFC 9001 §5.2); version 2 `0dede3de…` (RFC 9369 §3.3.1);
/// drafts 29–32 `afbfec28…` (draft-ietf-quic-tls-29 §5.2); drafts 23–28 and mvfst-27 `c3eef712…`; draft 22 and
/// mvfst-22 `7fbcbd0e…` (draft-ietf-quic-tls-23 and -22 §5.2; Wireshark's table for mvfst).
public struct InitialSecrets: Hashable, Sendable {
    /// Which endpoint protected a packet: the client's Initials use the client keys, the server's the server keys.
    public enum Sender: String, Hashable, Sendable {
        case client, server
    }

    public let version: QUICVersion
    /// HKDF-Extract(initial_salt, client_dst_connection_id).
    public let initialSecret: [UInt8]
    public let client: PacketProtectionKeys
    /// The server's keys, derived from `initialSecret` on every read (a function of the stored values, so
    /// equality and hashing need not see it).
    public var server: PacketProtectionKeys {
        PacketProtectionKeys(
            secret: HMACSHA256Key(initialSecret).expand(Info.serverIn, length: 32), labels: Self.labels(for: version))
    }

    /// Keys for `version` from the Destination Connection ID of the client's first Initial. Nil when Blockscope
    /// does not know the version's Initial salt.
    public init?(version: QUICVersion, clientDestinationConnectionID: [UInt8]) {
        guard let salt = Self.saltKey(for: version) else { return nil }
        let initialSecret = salt.authenticationCode(for: clientDestinationConnectionID, length: 32)
        self.version = version
        self.initialSecret = initialSecret
        client = PacketProtectionKeys(
            secret: HMACSHA256Key(initialSecret).expand(Info.clientIn, length: 32), labels: Self.labels(for: version))
    }

    public func keys(for sender: Sender) -> PacketProtectionKeys {
        sender == .client ? client : server
    }

    /// The Initial salt of `version`, nil when unknown.
    public static func salt(for version: QUICVersion) -> [UInt8]? {
        if version == .v2 { return Salt.version2 }
        if version == .v1 { return Salt.version1 }
        switch version.basedOnDraft {
        case 33?, 34?: return Salt.version1
        case 29?, 30?, 31?, 32?: return Salt.draft29
        case 23?, 24?, 25?, 26?, 27?, 28?: return Salt.draft23
        case 22?: return Salt.draft22
        default: return nil
        }
    }

    private enum Salt {
        static let version1: [UInt8] = [
            0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
            0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
        ]
        static let version2: [UInt8] = [
            0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
            0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
        ]
        static let draft29: [UInt8] = [
            0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
            0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
        ]
        static let draft23: [UInt8] = [
            0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
            0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
        ]
        static let draft22: [UInt8] = [
            0x7f, 0xbc, 0xbd, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
            0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a,
        ]
    }

    /// The salt of `version` as HKDF-Extract's HMAC key, made once per salt.
    private static func saltKey(for version: QUICVersion) -> HMACSHA256Key? {
        guard let salt = salt(for: version) else { return nil }
        switch salt {
        case Salt.version1: return SaltKey.version1
        case Salt.version2: return SaltKey.version2
        case Salt.draft29: return SaltKey.draft29
        case Salt.draft23: return SaltKey.draft23
        default: return SaltKey.draft22
        }
    }

    private enum SaltKey {
        static let version1 = HMACSHA256Key(Salt.version1)
        static let version2 = HMACSHA256Key(Salt.version2)
        static let draft29 = HMACSHA256Key(Salt.draft29)
        static let draft23 = HMACSHA256Key(Salt.draft23)
        static let draft22 = HMACSHA256Key(Salt.draft22)
    }

    static func labels(for version: QUICVersion) -> PacketProtectionKeys.Labels {
        version == .v2 ? .version2 : .version1
    }

    /// HKDF-Expand-Label(secret, label, "", length) for `length` ≤ 32 (one HMAC-SHA256 block).
    static func expandLabel(_ secret: [UInt8], label: String, length: Int) -> [UInt8] {
        HMACSHA256Key(secret).expand(Info.label(label, length: length), length: length)
    }

    /// HKDF-Expand-Label's `info` with an empty context, followed by HKDF-Expand's block counter 0x01: constants,
    /// built once.
    enum Info {
        static let clientIn = label("client in", length: 32)
        static let serverIn = label("server in", length: 32)

        static func label(_ label: String, length: Int) -> [UInt8] {
            let fullLabel = Array("tls13 ".utf8) + Array(label.utf8)
            var info: [UInt8] = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
            info.append(UInt8(truncatingIfNeeded: fullLabel.count))
            info += fullLabel
            info.append(0)  // empty context
            info.append(1)  // HKDF-Expand block counter T(1)
            return info
        }
    }
}

/// One direction's packet protection keys (RFC 9001 §5.1): AEAD key, IV and header protection key.
public struct PacketProtectionKeys: Hashable, Sendable {
    /// The `info`s of the three labels (RFC 9001 §5.1; RFC 9369 §3.3.2 for version 2).
    struct Labels: Sendable {
        var key: [UInt8]
        var iv: [UInt8]
        var hp: [UInt8]
        static let version1 = Labels(key: "quic key", iv: "quic iv", hp: "quic hp")
        static let version2 = Labels(key: "quicv2 key", iv: "quicv2 iv", hp: "quicv2 hp")

        init(key: String, iv: String, hp: String) {
            self.key = InitialSecrets.Info.label(key, length: 16)
            self.iv = InitialSecrets.Info.label(iv, length: 12)
            self.hp = InitialSecrets.Info.label(hp, length: 16)
        }
    }

    /// The direction's initial secret (`client_initial_secret` or `server_initial_secret`).
    public let secret: [UInt8]
    /// AEAD_AES_128_GCM key (16 bytes).
    public let key: [UInt8]
    /// AEAD IV (12 bytes), XORed with the packet number to make the nonce (RFC 9001 §5.3).
    public let iv: [UInt8]
    /// Header protection key (16 bytes, AES-128-ECB, RFC 9001 §5.4.3).
    public let hp: [UInt8]

    init(secret: [UInt8], labels: Labels) {
        self.secret = secret
        let pseudorandomKey = HMACSHA256Key(secret)
        key = pseudorandomKey.expand(labels.key, length: 16)
        iv = pseudorandomKey.expand(labels.iv, length: 12)
        hp = pseudorandomKey.expand(labels.hp, length: 16)
    }
}
