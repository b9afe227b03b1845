import WireFormat

/// Why an Initial packet could not be decrypted.
public enum InitialDecryptionError: Error, Hashable, Sendable {
    /// The long header is malformed or cut short (the `WireError` says where, from the start of the datagram).
    case header(WireError)
    /// The datagram holds no Initial packet (the first packet's type, nil for an unknown version, is given).
    case noInitialPacket(QUICPacketType?)
    /// Blockscope does not know this version's Initial salt.
    case unsupportedVersion(QUICVersion)
    /// The AEAD tag did not verify: keys from another connection ID (not the client's first Initial, or a
    /// server Initial decrypted with the wrong original DCID), another version's keys, or corrupted bytes.
    case authenticationFailed
    /// swift-crypto refused an input size (cannot happen with the sizes used here; kept instead of a trap).
    case cryptoFailure
}
